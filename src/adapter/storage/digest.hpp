#pragma once
// Streaming MD5 / SHA-256 over OpenSSL 3 EVP, base64 and hex: what the local store needs to compute
// S3-compatible ETags (MD5 hex) and x-amz-checksum-sha256 values (base64 SHA-256) while bytes
// stream through it. OpenSSL failures become INTERNAL errors here.

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

#include "core/model/error.hpp"

namespace toq::storage {

using core::Result;
using core::Status;

// One digest over a stream. Not copyable; not shared between threads.
class Digest {
 public:
  enum class Kind : unsigned char { kMd5, kSha256 };

  static Result<Digest> create(Kind kind);

  Status update(std::span<const std::byte> data);
  Status update(std::string_view data);
  // Finishes the stream; the digest must not be updated afterwards.
  Result<std::vector<unsigned char>> finish();

 private:
  struct CtxFree {
    void operator()(EVP_MD_CTX* ctx) const noexcept;
  };
  explicit Digest(std::unique_ptr<EVP_MD_CTX, CtxFree> ctx) : ctx_(std::move(ctx)) {}

  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx_;
};

std::string to_hex(std::span<const unsigned char> bytes);
std::string to_base64(std::span<const unsigned char> bytes);
// Strict standard base64 (with padding); nullopt for anything else.
std::optional<std::vector<unsigned char>> from_base64(std::string_view text);
// Lower- or upper-case hex; nullopt for anything else.
std::optional<std::vector<unsigned char>> from_hex(std::string_view text);

// True when `text` is the base64 of exactly 32 bytes: the shape of an x-amz-checksum-sha256.
bool is_sha256_base64(std::string_view text);

// "\"<hex>\"" <-> "<hex>": ETags are stored and returned quoted, compared without the quotes.
std::string quote_etag(std::string_view hex);
std::string_view unquote_etag(std::string_view etag);

// Random bytes from OpenSSL's CSPRNG as lower-case hex (2 * bytes characters).
Result<std::string> random_hex(std::size_t bytes);

}  // namespace toq::storage
