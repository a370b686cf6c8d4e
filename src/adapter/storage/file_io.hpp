#pragma once
// POSIX file plumbing for the local store: whole-buffer reads and writes that retry on EINTR and
// short counts, and fsync of files and directories (the owning descriptor is support::UniqueFd).
// Failures come back as STORAGE_ERROR naming the path and errno; callers pick a more precise code
// where it matters (ENOENT usually means "not found").

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "core/model/error.hpp"

#include "support/unique_fd.hpp"

namespace toq::storage {

using core::Result;
using core::Status;

// The error for a failed system call: STORAGE_ERROR "<what> <path>: <strerror>".
core::Error io_error(std::string_view what, const std::filesystem::path& path, int err);

// Opens with O_CLOEXEC added; on failure the error's message names the path, and `errno_out`
// (when given) receives errno so callers can tell ENOENT from the rest.
Result<support::UniqueFd> open_file(const std::filesystem::path& path, int flags,
                                    unsigned mode = 0640, int* errno_out = nullptr);

Status write_all(int fd, std::span<const std::byte> data, const std::filesystem::path& path);
Status pwrite_all(int fd, std::span<const std::byte> data, std::int64_t offset,
                  const std::filesystem::path& path);
// Reads up to data.size() bytes at `offset`; fewer only at the end of the file.
Result<std::size_t> pread_full(int fd, std::span<std::byte> data, std::int64_t offset,
                               const std::filesystem::path& path);

Status fsync_fd(int fd, const std::filesystem::path& path);
// close(2) with its result: a failed close after writes can mean lost data.
Status close_file(support::UniqueFd& fd, const std::filesystem::path& path);
// fsync of a directory, so a rename or unlink inside it survives a power cut.
Status fsync_dir(const std::filesystem::path& dir);

}  // namespace toq::storage
