#pragma once
// A small, real file system for disk-full tests: a tmpfs of a given size mounted on a fresh
// directory (root only; CI runs as root). Writes past its size fail with ENOSPC exactly as a full
// data disk does. Without root the tests that need it skip loudly, and fail instead when CI or
// TOQ_REQUIRE_ROOT is set, so a CI run never passes them by skipping.

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "support/temp_dir.hpp"

namespace toq::testing {

class SmallDisk {
 public:
  explicit SmallDisk(std::int64_t bytes) {
    if (::geteuid() != 0) {
      why_not_ = "not root: a tmpfs cannot be mounted";
      return;
    }
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
    if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, options.c_str()) != 0) {
      why_not_ = std::string{"mount tmpfs: "} + std::strerror(errno);
      return;
    }
    mounted_ = true;
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }

  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& why_not() const { return why_not_; }
  [[nodiscard]] const std::filesystem::path& path() const { return dir_.path(); }
  std::filesystem::path operator/(const std::string& name) const { return dir_.path() / name; }

  [[nodiscard]] std::int64_t free_bytes() const {
    struct statvfs fs {};
    if (::statvfs(dir_.path().c_str(), &fs) != 0) return -1;
    return static_cast<std::int64_t>(fs.f_bavail) * static_cast<std::int64_t>(fs.f_frsize);
  }

  // Writes a filler file until at most `keep` bytes are free (tmpfs counts whole pages).
  void fill_leaving(std::int64_t keep) {
    const std::vector<char> block(4096, 'f');
    std::ofstream out{filler(), std::ios::binary | std::ios::app};
    while (free_bytes() > keep &&
           out.write(block.data(), static_cast<std::streamsize>(block.size()))) {
      out.flush();
    }
  }
  void free_filler() {
    std::error_code ec;
    std::filesystem::remove(filler(), ec);
  }

 private:
  std::filesystem::path filler() const { return dir_.path() / "filler"; }

  TempDir dir_;
  bool mounted_ = false;
  std::string why_not_;
};

inline bool root_required() {
  const char* ci = std::getenv("CI");
  const char* required = std::getenv("TOQ_REQUIRE_ROOT");
  return (ci != nullptr && *ci != '\0' && std::string{ci} != "false") ||
         (required != nullptr && std::string{required} == "1");
}

}  // namespace toq::testing

// In a test body: skip (loudly) or, in CI, fail when the disk could not be mounted.
#define TOQ_REQUIRE_SMALL_DISK(disk)                                                            \
  do {                                                                                          \
    if (!(disk).mounted()) {                                                                    \
      if (::toq::testing::root_required()) FAIL() << "SmallDisk: " << (disk).why_not();         \
      GTEST_SKIP() << "SKIPPED LOUDLY: this fault-injection test needs root to mount a tmpfs (" \
                   << (disk).why_not() << ")";                                                  \
    }                                                                                           \
  } while (false)
