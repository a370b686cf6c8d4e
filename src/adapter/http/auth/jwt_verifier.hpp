#pragma once
// Bearer-token authentication (api-contract "Authentication"): JWT verification with libjwt, and
// issuance of HS256 tokens for `toq-media token` and tests.
//
// Contract of JwtVerifier::verify:
// - Input is the Authorization header value: the scheme "Bearer" (case-insensitive), one or more
//   spaces, the token. Anything else, including a bare token, is rejected; verify_token() takes
//   a bare token.
// - The algorithm is pinned by configuration (HS256 or RS256). The token's header is decoded and
//   its "alg" compared with the pinned one BEFORE libjwt sees the key, so "none", HS512, RS256 on
//   an HS256 verifier and HS256 on an RS256 verifier (algorithm confusion) are all rejected; the
//   algorithm libjwt reports after verifying is checked again. A "crit" header is rejected.
// - Tokens longer than kMaxTokenBytes, or not three non-empty base64url segments, are rejected
//   before any decoding.
// - Claims, read only from a token whose signature verified: `exp` required and numeric, the
//   token is expired when now >= exp + leeway; `nbf` and `iat` optional, numeric when present,
//   rejected when later than now + leeway; the token's lifetime is at most max_lifetime: exp - iat
//   when `iat` is present, else exp - now (then with the leeway), so a stolen token cannot be one
//   minted for years; `sub` the canonical decimal spelling of a UserId > 0 (1..18 ASCII digits,
//   no leading zero: "0071" is refused, so one user has one spelling); `role` one of core::Role's
//   spellings; `iss` equal to the configured issuer when one is configured (missing = rejected);
//   `aud` equal to, or an array containing, the configured audience when one is configured.
// - Every failure is ErrorCode::kUnauthenticated with the public message kPublicMessage and an
//   internal message saying what was wrong. Neither ever contains the token or any of its claims'
//   values, so logs stay free of credentials.
// - Tokens that passed every check are remembered (verified_token_cache.hpp), by the SHA-256 of
//   their bytes, up to config.cache_entries of them. A remembered token skips the signature and
//   the parsing; its exp, nbf and iat (and the lifetime rule) are checked against the clock on
//   every use exactly as above, so it is refused once it expires.
// - Thread-safe: verify() is const; the cache is its only state, shared by copies of a verifier
//   (they have the same key and configuration).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/model/error.hpp"
#include "core/model/principal.hpp"
#include "core/model/time.hpp"

#include "adapter/http/auth/verified_token_cache.hpp"

namespace toq::http::auth {

enum class JwtAlgorithm : std::uint8_t { kHs256, kRs256 };

inline constexpr std::string_view kPublicMessage = "Missing, invalid or expired token.";
inline constexpr std::size_t kMaxTokenBytes = 8 * 1024;

struct JwtVerifierConfig {
  JwtAlgorithm algorithm = JwtAlgorithm::kHs256;
  // HS256: the shared secret's bytes (at least 32). RS256: an RSA public key in PEM
  // ("-----BEGIN PUBLIC KEY-----").
  std::string key;
  std::string issuer;    // empty = `iss` not checked
  std::string audience;  // empty = `aud` not checked
  std::chrono::seconds leeway{60};
  std::chrono::seconds max_lifetime{86400};
  // Verified tokens remembered (first in, first out beyond it); 0 remembers none.
  std::size_t cache_entries = 4096;
};

class JwtVerifier {
 public:
  // CONFIG_INVALID when the HS256 key is shorter than 32 bytes, the RS256 key is not an RSA public
  // key in PEM, the leeway is negative or over an hour, or max_lifetime is not positive.
  static core::Result<JwtVerifier> create(JwtVerifierConfig config, const core::Clock& clock);

  // See the contract above: "Bearer <jwt>" -> the principal, or UNAUTHENTICATED.
  [[nodiscard]] core::Result<core::Principal> verify(std::string_view authorization_header) const;
  // The same checks on a bare token (no scheme).
  [[nodiscard]] core::Result<core::Principal> verify_token(std::string_view token) const;

  [[nodiscard]] JwtAlgorithm algorithm() const { return config_.algorithm; }
  // Tokens remembered now (at most config.cache_entries).
  [[nodiscard]] std::size_t cached_tokens() const { return cache_->size(); }

 private:
  JwtVerifier(JwtVerifierConfig config, const core::Clock& clock)
      : config_(std::move(config)),
        clock_(&clock),
        cache_(std::make_shared<VerifiedTokenCache>(config_.cache_entries)) {}

  // Signature, header and claims: everything but the cache.
  [[nodiscard]] core::Result<VerifiedToken> verify_uncached(std::string_view token) const;

  JwtVerifierConfig config_;
  const core::Clock* clock_;
  std::shared_ptr<VerifiedTokenCache> cache_;
};

struct JwtIssuerConfig {
  std::string key;       // HS256 shared secret's bytes (at least 32)
  std::string issuer;    // empty = no `iss` claim
  std::string audience;  // empty = no `aud` claim
};

// Signs HS256 tokens with the claims JwtVerifier expects: sub, role, iat, exp (= now + ttl), and
// iss/aud when configured. RS256 issuance is not supported (the service only holds public keys).
class JwtIssuer {
 public:
  static constexpr std::chrono::seconds kMaxTtl{31536000};  // one year

  // CONFIG_INVALID when the key is shorter than 32 bytes.
  static core::Result<JwtIssuer> create(JwtIssuerConfig config, const core::Clock& clock);

  // INVALID_REQUEST when sub is not > 0 or ttl is outside 1 s .. kMaxTtl; INTERNAL when libjwt
  // fails.
  [[nodiscard]] core::Result<std::string> issue(core::UserId sub, core::Role role,
                                                std::chrono::seconds ttl) const;

 private:
  JwtIssuer(JwtIssuerConfig config, const core::Clock& clock)
      : config_(std::move(config)), clock_(&clock) {}

  JwtIssuerConfig config_;
  const core::Clock* clock_;
};

}  // namespace toq::http::auth
