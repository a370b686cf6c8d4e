#pragma once
// SHA-256, HMAC-SHA-256, hex and constant-time comparison over OpenSSL 3 EVP, with OpenSSL
// failures turned into toq::core::Error (INTERNAL) here. Everything is thread-safe: each call owns
// its EVP context; the fetched HMAC algorithm is shared read-only.

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <openssl/types.h>

#include "core/model/error.hpp"

namespace toq::aws {

using core::Result;
using core::Status;

inline constexpr std::size_t kSha256Size = 32;
using Sha256Digest = std::array<unsigned char, kSha256Size>;

// Lower-case hex, two characters per byte: what SigV4 puts on the wire.
std::string hex_lower(std::span<const unsigned char> bytes);

Result<Sha256Digest> sha256(std::string_view data);
// hex_lower(sha256(data)): payload hashes and the canonical request hash.
Result<std::string> sha256_hex(std::string_view data);

Result<Sha256Digest> hmac_sha256(std::span<const unsigned char> key, std::string_view data);

// True when a and b are the same bytes. Time depends only on the lengths, never on where they
// differ, so a signature check does not leak how many leading characters were right.
bool constant_time_equal(std::string_view a, std::string_view b);

// Incremental SHA-256 for bodies that arrive in pieces. One object per stream; not shared.
class Sha256Hasher {
 public:
  // INTERNAL when OpenSSL cannot set up a digest context.
  static Result<Sha256Hasher> create();

  Status update(std::string_view data);
  // Finishes the stream; the hasher must not be used afterwards.
  Result<Sha256Digest> finish();

 private:
  struct CtxFree {
    void operator()(EVP_MD_CTX* ctx) const noexcept;
  };
  explicit Sha256Hasher(std::unique_ptr<EVP_MD_CTX, CtxFree> ctx) : ctx_(std::move(ctx)) {}

  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx_;
};

}  // namespace toq::aws
