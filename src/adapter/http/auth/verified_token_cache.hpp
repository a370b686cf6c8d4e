#pragma once
// The tokens a JwtVerifier has fully verified, so a client that sends the same token on every
// request pays for the signature, the header and the claims' parsing once.
//
// Contract:
// - Keyed by the SHA-256 of the token's exact bytes: a token that differs in any byte (a tampered
//   payload or signature) is another key, and the cache never holds a token itself.
// - Holds what verification concluded (the principal) and the time claims, which the verifier
//   checks again against its clock on every use: the cache says "this signature and these claims
//   verified", never "this token is valid now".
// - Only the verifier inserts, and only after every check passed; failures are never inserted.
// - At most `capacity` entries; inserting a new key into a full cache evicts the oldest inserted
//   one (first in, first out). capacity 0 keeps nothing.
// - Thread-safe (one mutex; find and insert copy a few words under it).
// - It belongs to the verifier built from one key and configuration: another key means another
//   verifier and an empty cache.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/model/principal.hpp"

#include "support/crypto/digest.hpp"

namespace toq::http::auth {

// The numeric dates of a verified token, whole seconds since the epoch.
struct TokenTimes {
  std::int64_t exp = 0;
  std::optional<std::int64_t> nbf;
  std::optional<std::int64_t> iat;
};

struct VerifiedToken {
  core::Principal principal;
  TokenTimes times;
};

class VerifiedTokenCache {
 public:
  explicit VerifiedTokenCache(std::size_t capacity) : capacity_(capacity) {}

  [[nodiscard]] std::optional<VerifiedToken> find(const support::Sha256Digest& key) const;
  void insert(const support::Sha256Digest& key, const VerifiedToken& token);
  [[nodiscard]] std::size_t size() const;

 private:
  // The digest is already uniform: its first bytes are the hash.
  struct KeyHash {
    std::size_t operator()(const support::Sha256Digest& key) const noexcept {
      std::size_t h = 0;
      std::memcpy(&h, key.data(), sizeof h);
      return h;
    }
  };

  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<support::Sha256Digest, VerifiedToken, KeyHash> entries_;
  std::vector<support::Sha256Digest> order_;  // keys by insertion, a ring once full
  std::size_t next_ = 0;                      // the ring's oldest slot once full
};

}  // namespace toq::http::auth
