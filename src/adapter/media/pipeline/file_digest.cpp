#include "adapter/media/pipeline/file_digest.hpp"

#include <array>

#include "support/base64.hpp"
#include "support/crypto/digest.hpp"
#include "support/hex.hpp"
#include "support/io/byte_sources.hpp"

namespace toq::media {

core::Result<std::unique_ptr<core::ByteSource>> open_file_source(
    const std::filesystem::path& path) {
  auto source = support::FileSource::open(path);
  if (!source) return std::unexpected(std::move(source.error()));
  return std::unique_ptr<core::ByteSource>(std::move(*source));
}

core::Result<FileDigest> sha256_of_file(const std::filesystem::path& path) {
  auto source = open_file_source(path);
  if (!source) {
    return std::unexpected(source.error());
  }
  auto digest = support::Sha256::create();
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
  out.hex = support::hex_lower(*sum);
  out.base64 = support::base64_encode(std::span<const unsigned char>(*sum));
  return out;
}

}  // namespace toq::media
