#include "adapter/storage/file_io.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

namespace toq::storage {

core::Error io_error(std::string_view what, const std::filesystem::path& path, int err) {
  auto message = fmt::format("{} {}: {}", what, path.string(), std::strerror(err));
  if (err == ENOSPC || err == EDQUOT) {
    return core::make_error(core::ErrorCode::kInsufficientStorage, std::move(message), {},
                            "The server's disk is full. Try again later; the operator has been "
                            "told (the service log names this request).");
  }
  return core::make_error(core::ErrorCode::kStorageError, std::move(message));
}

Result<support::UniqueFd> open_file(const std::filesystem::path& path, int flags, unsigned mode,
                                    int* errno_out) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int err = errno;
    if (errno_out != nullptr) *errno_out = err;
    return std::unexpected(io_error("open", path, err));
  }
  if (errno_out != nullptr) *errno_out = 0;
  return support::UniqueFd{fd};
}

Status write_all(int fd, std::span<const std::byte> data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(io_error("write", path, errno));
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

Status pwrite_all(int fd, std::span<const std::byte> data, std::int64_t offset,
                  const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(io_error("write", path, errno));
    }
    data = data.subspan(static_cast<std::size_t>(n));
    offset += n;
  }
  return {};
}

Result<std::size_t> pread_full(int fd, std::span<std::byte> data, std::int64_t offset,
                               const std::filesystem::path& path) {
  std::size_t total = 0;
  while (total < data.size()) {
    const ssize_t n = ::pread(fd, data.data() + total, data.size() - total,
                              static_cast<off_t>(offset) + static_cast<off_t>(total));
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(io_error("read", path, errno));
    }
    if (n == 0) break;
    total += static_cast<std::size_t>(n);
  }
  return total;
}

Status fsync_fd(int fd, const std::filesystem::path& path) {
  if (::fsync(fd) != 0) return std::unexpected(io_error("fsync", path, errno));
  return {};
}

Status fsync_dir(const std::filesystem::path& dir) {
  auto fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  if (!fd) return std::unexpected(std::move(fd.error()));
  if (auto st = fsync_fd(fd->get(), dir); !st) return st;
  return close_file(*fd, dir);
}

Status close_file(support::UniqueFd& fd, const std::filesystem::path& path) {
  if (const int err = fd.close(); err != 0) return std::unexpected(io_error("close", path, err));
  return {};
}

}  // namespace toq::storage
