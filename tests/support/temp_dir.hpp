#pragma once
// A fresh directory under $TMPDIR for one test, removed with everything in it afterwards.
//
// A test process killed before its destructors run (ctest's timeout, a SIGKILL, Ctrl-C) leaves
// its directory behind; left to pile up, those once filled the disk. So the directory's name
// records its owner, "toq-test-PID-STARTTIME-XXXXXX" (STARTTIME: the kernel's start time of PID,
// as scripts/service-guard.py's pidfiles hold it), and the first TempDir of every test process
// first removes the directories of runs that are provably over (remove_dead_runs_dirs).
// make_owned_dir gives other kinds of directory (another prefix) the same naming, and the same
// rule removes them; scripts/guarded.sh's owned_temp_dir and remove_dead_run_dirs are the same
// for the scripts (which also keep an ownerless directory holding a bound Unix socket).

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <sys/stat.h>
#include <unistd.h>

#include "support/proc_stat.hpp"

namespace toq::testing {

// The kinds of directory a run names after itself, each with its prefix.
inline constexpr std::string_view kTempDirPrefix = "toq-test-";  // a TempDir
// The state dir of an s3rver a test process starts for itself (s3/s3_test_support.hpp).
inline constexpr std::string_view kS3rverStatePrefix = "toq-s3rver-state-";
// A directory of a dead owner is removed only when untouched this long: a run in another PID
// namespace sharing /tmp (a container) looks dead from here.
inline constexpr std::chrono::seconds kDeadRunDirAge{10 * 60};
// A directory whose name records no owner (made before owners were recorded) only this old.
inline constexpr std::chrono::seconds kOwnerlessDirAge{24 * 60 * 60};

// The owner the name of a directory of kind `prefix` records, or nullopt for a name that records
// none.
struct TempDirOwner {
  long pid = 0;
  unsigned long long start_time = 0;
};
inline std::optional<TempDirOwner> temp_dir_owner(std::string_view name,
                                                  std::string_view prefix = kTempDirPrefix) {
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  TempDirOwner owner;
  const char* end = name.data() + name.size();
  auto [after_pid, pid_ec] = std::from_chars(name.data(), end, owner.pid);
  if (pid_ec != std::errc{} || owner.pid <= 0 || after_pid == end || *after_pid != '-') {
    return std::nullopt;
  }
  auto [after_start, start_ec] = std::from_chars(after_pid + 1, end, owner.start_time);
  if (start_ec != std::errc{} || after_start == end || *after_start != '-') return std::nullopt;
  return owner;
}

// Removes the directories `prefix`* (toq-test-* by default) directly under `base` that belong to
// this user and to a run that is over, untouched (mtime) for `dead_age`: the owner their name
// records is gone, or its pid now belongs to another process (another start time). A directory
// whose name records no owner goes when untouched for `ownerless_age`. A live owner's directory,
// anything that is not a directory (a symlink is not followed) and other users' directories are
// left alone. Returns how many it removed.
inline int remove_dead_runs_dirs(const std::filesystem::path& base,
                                 std::string_view prefix = kTempDirPrefix,
                                 std::chrono::seconds dead_age = kDeadRunDirAge,
                                 std::chrono::seconds ownerless_age = kOwnerlessDirAge) {
  namespace fs = std::filesystem;
  std::error_code ec;
  int removed = 0;
  const auto now = fs::file_time_type::clock::now();
  for (fs::directory_iterator it{base, ec}, end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix)) continue;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) {
      continue;
    }
    const auto owner = temp_dir_owner(name, prefix);
    if (owner && process_start_time(owner->pid) == owner->start_time) continue;
    std::error_code time_ec;
    const auto modified = fs::last_write_time(it->path(), time_ec);
    if (time_ec || now - modified < (owner ? dead_age : ownerless_age)) continue;
    std::error_code remove_ec;
    if (fs::remove_all(it->path(), remove_ec) > 0 && !remove_ec) ++removed;
  }
  return removed;
}

// A new directory base/PREFIX{pid}-{start time}-XXXXXX named after this process, or nullopt when
// it cannot be made. Whoever makes one sweeps `base` first (remove_dead_runs_dirs with the same
// prefix).
inline std::optional<std::filesystem::path> make_owned_dir(const std::filesystem::path& base,
                                                           std::string_view prefix) {
  const auto started = process_start_time(::getpid());
  std::string tmpl = (base / std::string(prefix)).string() + std::to_string(::getpid()) + "-" +
                     std::to_string(started.value_or(0)) + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return std::nullopt;
  return std::filesystem::path{tmpl};
}

class TempDir {
 public:
  TempDir() {
    const char* env = std::getenv("TMPDIR");
    const std::filesystem::path base = env && *env ? env : "/tmp";
    // Once per process (a forked child is a process of its own).
    static std::atomic<pid_t> swept_by{0};
    if (swept_by.exchange(::getpid()) != ::getpid()) remove_dead_runs_dirs(base);
    auto made = make_owned_dir(base, kTempDirPrefix);
    if (!made) throw std::runtime_error("mkdtemp failed");
    path_ = std::move(*made);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace toq::testing
