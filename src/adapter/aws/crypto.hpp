#pragma once
// The one home of the low-level byte helpers the AWS code, the S3 adapter and the embedded store
// share: MD5 / SHA-256 digests (one-shot and streaming), HMAC-SHA-256, random bytes, hex and
// base64, constant-time comparison and S3 ETag quoting. OpenSSL 3 EVP underneath; OpenSSL failures
// become toq::core::Error (INTERNAL) here. Everything is thread-safe: each call owns its EVP
// context; the fetched HMAC algorithm is shared read-only.

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

#include "core/model/error.hpp"

namespace toq::aws {

using core::Result;
using core::Status;

inline constexpr std::size_t kMd5Size = 16;
inline constexpr std::size_t kSha256Size = 32;
using Md5Digest = std::array<unsigned char, kMd5Size>;
using Sha256Digest = std::array<unsigned char, kSha256Size>;

// ---- digests ----

// One digest over a stream: bodies that arrive in pieces. Not copyable; not shared between
// threads.
class Digest {
 public:
  enum class Kind : unsigned char { kMd5, kSha256 };

  // INTERNAL when OpenSSL cannot set up a digest context.
  static Result<Digest> create(Kind kind);

  Status update(std::span<const std::byte> data);
  Status update(std::string_view data);
  // Finishes the stream (16 bytes for MD5, 32 for SHA-256); the digest must not be updated
  // afterwards.
  Result<std::vector<unsigned char>> finish();

 private:
  struct CtxFree {
    void operator()(EVP_MD_CTX* ctx) const noexcept;
  };
  Digest(Kind kind, std::unique_ptr<EVP_MD_CTX, CtxFree> ctx) : kind_(kind), ctx_(std::move(ctx)) {}

  Kind kind_;
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx_;
};

Result<Md5Digest> md5(std::string_view data);
Result<Sha256Digest> sha256(std::string_view data);
// hex_lower(sha256(data)): payload hashes and the canonical request hash.
Result<std::string> sha256_hex(std::string_view data);

Result<Sha256Digest> hmac_sha256(std::span<const unsigned char> key, std::string_view data);

// Random bytes from OpenSSL's CSPRNG as lower-case hex (2 * bytes characters).
Result<std::string> random_hex(std::size_t bytes);

// True when a and b are the same bytes. Time depends only on the lengths, never on where they
// differ, so a signature check does not leak how many leading characters were right.
bool constant_time_equal(std::string_view a, std::string_view b);

// ---- hex ----

// Lower-case hex, two characters per byte: what SigV4 puts on the wire, and the ETag spelling.
std::string hex_lower(std::span<const unsigned char> bytes);
// Lower- or upper-case hex; nullopt for anything else (odd length included).
std::optional<std::vector<unsigned char>> hex_decode(std::string_view text);
// The value of one hex digit (either case), or -1.
int hex_value(char c);

// ---- base64 ----

// Standard alphabet, padded (RFC 4648 section 4): Content-MD5 and x-amz-checksum-* values.
std::string base64_encode(std::span<const unsigned char> bytes);
std::string base64_encode(std::string_view bytes);
// Strict standard base64 (with padding, canonical: the bits the padding drops are zero); nullopt
// for anything else.
std::optional<std::vector<unsigned char>> base64_decode(std::string_view text);

// ---- S3 ETags ----

// "\"<hex>\"" <-> "<hex>": ETags are stored and returned quoted, compared without the quotes.
std::string quote_etag(std::string_view hex);
// Drops one pair of surrounding double quotes, if there is one; anything else is returned as is.
std::string_view unquote_etag(std::string_view etag);

}  // namespace toq::aws
