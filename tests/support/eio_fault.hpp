#pragma once
// The test's side of the EIO shim (support/eio_shim.cpp): arms and clears "this disk fails with
// EIO" for every process that has the shim and the same TOQ_EIO_ARM_FILE, the test's own included.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace toq::testing {

class EioFault {
 public:
  // `arm_file` must not lie under a prefix the test arms.
  explicit EioFault(std::filesystem::path arm_file) : arm_file_(std::move(arm_file)) {}
  ~EioFault() { clear(); }
  EioFault(const EioFault&) = delete;
  EioFault& operator=(const EioFault&) = delete;

  const std::filesystem::path& arm_file() const { return arm_file_; }

  // From now on writes and syncs (and reads, with `reads`) of files whose path starts with
  // `prefix` fail with EIO. Written aside and renamed: a reader never sees half of it.
  void arm(const std::filesystem::path& prefix, bool reads = false) {
    const auto temp = arm_file_.string() + ".new";
    {
      std::ofstream out{temp, std::ios::trunc};
      // The shim compares with /proc/self/fd's targets: absolute, symbolic links resolved.
      out << std::filesystem::weakly_canonical(prefix).string() << '\n' << (reads ? "read\n" : "");
    }
    std::filesystem::rename(temp, arm_file_);
  }
  void clear() {
    std::error_code ec;
    std::filesystem::remove(arm_file_, ec);
  }

 private:
  std::filesystem::path arm_file_;
};

}  // namespace toq::testing
