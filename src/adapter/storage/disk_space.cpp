#include "adapter/storage/disk_space.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <sys/statvfs.h>

namespace toq::storage {

core::Status check_free_space(const std::filesystem::path& dir, std::int64_t min_free_bytes) {
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) != 0) {
    return core::fail(core::ErrorCode::kStorageError,
                      fmt::format("statvfs {}: {}", dir.string(), std::strerror(errno)));
  }
  const auto available =
      static_cast<std::int64_t>(fs.f_bavail) * static_cast<std::int64_t>(fs.f_frsize);
  if (available >= min_free_bytes) return {};
  return core::fail(core::ErrorCode::kInsufficientStorage,
                    fmt::format("the data disk of {} has {} bytes free, below the {} bytes of "
                                "dataDirMinFreeBytes",
                                dir.string(), available, min_free_bytes),
                    {}, "Free disk space on the data directory's file system.");
}

}  // namespace toq::storage
