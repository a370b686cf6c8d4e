#include "adapter/media/pipeline/file_digest.hpp"

#include <array>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "adapter/aws/crypto.hpp"

namespace toq::media {
namespace {

core::Error io_error(const std::filesystem::path& path, std::string_view what) {
  return core::make_error(core::ErrorCode::kStorageError,
                          fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
}

class FileSource final : public core::ByteSource {
 public:
  explicit FileSource(int fd) : fd_(fd) {}
  ~FileSource() override { ::close(fd_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  core::Result<std::size_t> read(std::span<std::byte> buf) override {
    for (;;) {
      const auto n = ::read(fd_, buf.data(), buf.size());
      if (n >= 0) {
        return static_cast<std::size_t>(n);
      }
      if (errno != EINTR) {
        return core::fail(core::ErrorCode::kStorageError,
                          fmt::format("reading an output file: {}", std::strerror(errno)));
      }
    }
  }

 private:
  int fd_;
};

}  // namespace

core::Result<std::unique_ptr<core::ByteSource>> open_file_source(
    const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return std::unexpected(io_error(path, "opening"));
  }
  return std::make_unique<FileSource>(fd);
}

core::Result<FileDigest> sha256_of_file(const std::filesystem::path& path) {
  auto source = open_file_source(path);
  if (!source) {
    return std::unexpected(source.error());
  }
  auto digest = aws::Digest::create(aws::Digest::Kind::kSha256);
  if (!digest) {
    return std::unexpected(digest.error());
  }
  std::array<std::byte, 1 << 16> buf{};
  FileDigest out;
  for (;;) {
    auto n = (*source)->read(buf);
    if (!n) {
      return std::unexpected(n.error());
    }
    if (*n == 0) {
      break;
    }
    if (auto ok = digest->update(std::span<const std::byte>(buf.data(), *n)); !ok) {
      return std::unexpected(ok.error());
    }
    out.bytes += static_cast<std::int64_t>(*n);
  }
  auto sum = digest->finish();
  if (!sum) {
    return std::unexpected(sum.error());
  }
  out.hex = aws::hex_lower(*sum);
  out.base64 = aws::base64_encode(std::span<const unsigned char>(*sum));
  return out;
}

}  // namespace toq::media
