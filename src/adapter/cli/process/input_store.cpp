#include "adapter/cli/process/input_store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "adapter/media/pipeline/file_digest.hpp"
#include "support/unique_fd.hpp"

namespace toq::cli {
namespace {

constexpr std::size_t kBufferSize = 1 << 20;

core::Error io_error(std::string_view what, const std::filesystem::path& path) {
  return core::make_error(core::ErrorCode::kStorageError,
                          fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
}

core::Status write_all(int fd, std::span<const std::byte> data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const auto n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(io_error("writing", path));
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

// Bytes [first, first + length) of the open file `in` into `sink`.
core::Status stream_range(int in, std::int64_t first, std::int64_t length, core::ByteSink& sink,
                          const std::filesystem::path& path) {
  std::vector<std::byte> buffer(kBufferSize);
  while (length > 0) {
    const auto want = static_cast<std::size_t>(
        std::min<std::int64_t>(length, static_cast<std::int64_t>(buffer.size())));
    const auto n = ::pread(in, buffer.data(), want, first);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(io_error("reading", path));
    }
    if (n == 0) {
      return core::fail(core::ErrorCode::kStorageError,
                        fmt::format("{} is shorter than when it was adopted", path.string()));
    }
    if (auto written = sink.write(std::span{buffer.data(), static_cast<std::size_t>(n)});
        !written) {
      return written;
    }
    first += n;
    length -= n;
  }
  return {};
}

// The whole file `from` into the new file `to`, in the kernel where it can (copy_file_range),
// else through a buffer.
core::Status copy_file_bytes(int in, int out, const std::filesystem::path& from,
                             const std::filesystem::path& to);

// A new file `to` with the bytes of `from`; nothing left at `to` on failure (unless it was there
// before, which is refused).
core::Status copy_into_new_file(const std::filesystem::path& from,
                                const std::filesystem::path& to) {
  const support::UniqueFd in{::open(from.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!in.valid()) return std::unexpected(io_error("opening", from));
  const support::UniqueFd out{::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
  if (!out.valid()) return std::unexpected(io_error("creating", to));
  auto copied = copy_file_bytes(in.get(), out.get(), from, to);
  if (!copied) ::unlink(to.c_str());
  return copied;
}

core::Status copy_file_bytes(int in, int out, const std::filesystem::path& from,
                             const std::filesystem::path& to) {
  for (;;) {
    const auto n = ::copy_file_range(in, nullptr, out, nullptr, kBufferSize, 0);
    if (n > 0) continue;
    if (n == 0) return {};
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) {
      return std::unexpected(io_error("copying to", to));
    }
    break;
  }
  // No in-kernel copy between these files: the rest through a buffer, from where it stopped.
  const auto done = ::lseek(in, 0, SEEK_CUR);
  std::vector<std::byte> buffer(kBufferSize);
  for (auto at = done;;) {
    const auto n = ::pread(in, buffer.data(), buffer.size(), at);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(io_error("reading", from));
    }
    if (n == 0) return {};
    if (auto st = write_all(out, std::span{buffer.data(), static_cast<std::size_t>(n)}, to); !st) {
      return st;
    }
    at += n;
  }
}

class FdSink final : public core::ByteSink {
 public:
  FdSink(int fd, const std::filesystem::path& path) : fd_(fd), path_(path) {}
  core::Status write(std::span<const std::byte> data) override {
    return write_all(fd_, data, path_);
  }

 private:
  int fd_;
  const std::filesystem::path& path_;
};

}  // namespace

core::Result<core::ObjectInfo> InputStore::adopt(std::string_view key,
                                                 const std::filesystem::path& path) {
  auto digest = media::sha256_of_file(path);
  if (!digest) return std::unexpected(digest.error());
  core::ObjectInfo info;
  info.key = std::string(key);
  info.size = digest->bytes;
  info.etag = fmt::format("\"{}\"", digest->hex.substr(0, 32));
  info.content_type = "application/octet-stream";
  info.checksum_sha256 = digest->base64;
  std::error_code ec;
  const auto modified = std::filesystem::last_write_time(path, ec);
  if (!ec) {
    info.last_modified = std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::file_clock::to_sys(modified));
  }
  const std::scoped_lock lock(mutex_);
  adopted_.insert_or_assign(std::string(key), Adopted{path, info});
  return info;
}

std::optional<InputStore::Adopted> InputStore::adopted(std::string_view key) const {
  const std::scoped_lock lock(mutex_);
  const auto it = adopted_.find(key);
  if (it == adopted_.end()) return std::nullopt;
  return it->second;
}

core::Result<core::ObjectInfo> InputStore::put(std::string_view key, core::ByteSource& source,
                                               const core::PutOptions& options) {
  auto stored = scratch_.put(key, source, options);
  if (stored) {
    const std::scoped_lock lock(mutex_);
    if (const auto it = adopted_.find(key); it != adopted_.end()) adopted_.erase(it);
  }
  return stored;
}

core::Result<core::ObjectInfo> InputStore::get(std::string_view key, core::ByteSink& sink,
                                               std::optional<core::ByteRange> range) {
  const auto input = adopted(key);
  if (!input) return scratch_.get(key, sink, range);
  const auto size = input->info.size;
  std::int64_t first = 0;
  std::int64_t last = size - 1;
  if (range) {
    if (range->first >= size) {
      return core::fail(
          core::ErrorCode::kInvalidRange,
          fmt::format("range starts at {}, the object has {} bytes", range->first, size));
    }
    first = range->first;
    last = std::min(range->last.value_or(size - 1), size - 1);
  }
  const support::UniqueFd in{::open(input->path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!in.valid()) return std::unexpected(io_error("opening", input->path));
  if (auto streamed = stream_range(in.get(), first, last - first + 1, sink, input->path);
      !streamed) {
    return std::unexpected(streamed.error());
  }
  return input->info;
}

core::Result<std::optional<core::ObjectInfo>> InputStore::head(std::string_view key) {
  if (const auto input = adopted(key)) return std::optional<core::ObjectInfo>(input->info);
  return scratch_.head(key);
}

core::Status InputStore::remove(const std::vector<std::string>& keys) {
  {
    const std::scoped_lock lock(mutex_);
    for (const auto& key : keys) adopted_.erase(key);
  }
  return scratch_.remove(keys);
}

core::Result<core::ObjectInfo> InputStore::copy_to_file(std::string_view key,
                                                        const std::filesystem::path& path) {
  const auto input = adopted(key);
  if (!input) {
    const support::UniqueFd out{
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
    if (!out.valid()) return std::unexpected(io_error("creating", path));
    FdSink sink(out.get(), path);
    auto got = scratch_.get(key, sink);
    if (!got) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
    return got;
  }
  if (::link(input->path.c_str(), path.c_str()) == 0) return input->info;
  if (errno == EEXIST) return std::unexpected(io_error("linking to", path));
  if (auto copied = copy_into_new_file(input->path, path); !copied)
    return std::unexpected(copied.error());
  return input->info;
}

}  // namespace toq::cli
