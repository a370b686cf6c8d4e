#include "adapter/http/auth/jwt_verifier.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <jwt.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "support/crypto/digest.hpp"
#include "support/text.hpp"

namespace toq::http::auth {
namespace {

using core::ErrorCode;
using Json = nlohmann::json;

constexpr std::size_t kMinHmacKeyBytes = 32;
constexpr std::int64_t kMaxNumericDate = 253402300799;  // 9999-12-31T23:59:59Z
constexpr std::size_t kMaxSubDigits = 18;               // always fits an int64

struct JwtDeleter {
  void operator()(jwt_t* jwt) const noexcept { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

struct MallocDeleter {
  void operator()(char* p) const noexcept { std::free(p); }
};
using MallocString = std::unique_ptr<char, MallocDeleter>;

struct BioDeleter {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};

// Every verification failure: one public text, a specific internal one (never the token).
std::unexpected<core::Error> reject(std::string_view why) {
  return core::fail(ErrorCode::kUnauthenticated, fmt::format("bearer token rejected: {}", why),
                    std::string(kPublicMessage));
}

std::string_view alg_name(JwtAlgorithm alg) {
  return alg == JwtAlgorithm::kHs256 ? "HS256" : "RS256";
}

jwt_alg_t libjwt_alg(JwtAlgorithm alg) {
  return alg == JwtAlgorithm::kHs256 ? JWT_ALG_HS256 : JWT_ALG_RS256;
}

bool is_base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  return c == '-' ? 62 : 63;
}

// Unpadded base64url (the caller has checked the alphabet); nullopt for an impossible length.
std::optional<std::string> base64url_decode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    acc = (acc << 6) | static_cast<std::uint32_t>(base64url_value(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFFu));
    }
  }
  return out;
}

// A JSON number as whole seconds since the epoch, within 0 .. year 9999.
std::optional<std::int64_t> numeric_date(const Json& value) {
  double seconds = 0;
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(kMaxNumericDate)) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  if (value.is_number_integer()) {
    const auto v = value.get<std::int64_t>();
    if (v < 0 || v > kMaxNumericDate) return std::nullopt;
    return v;
  }
  if (!value.is_number_float()) return std::nullopt;
  seconds = value.get<double>();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > static_cast<double>(kMaxNumericDate)) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(std::floor(seconds));
}

std::optional<core::UserId> parse_sub(const Json& value) {
  if (!value.is_string()) return std::nullopt;
  const auto& s = value.get_ref<const std::string&>();
  // One spelling per user: "0071" is not 71 (a leading zero is refused, "0" is not > 0 anyway).
  if (s.empty() || s.size() > kMaxSubDigits || s.front() == '0') return std::nullopt;
  std::int64_t id = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  if (id <= 0) return std::nullopt;
  return core::UserId{id};
}

std::int64_t epoch_seconds(core::Timestamp t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

core::Status check_rsa_public_key(const std::string& pem) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return core::fail(ErrorCode::kInternal, "BIO_new_mem_buf failed");
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  const char* hint = "Point auth.jwtPublicKeyFile at the RSA public key (PEM, BEGIN PUBLIC KEY).";
  if (!key) {
    return core::fail(ErrorCode::kConfigInvalid, "RS256 key is not a PEM public key", {}, hint);
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    return core::fail(ErrorCode::kConfigInvalid, "RS256 key is not an RSA key", {}, hint);
  }
  if (EVP_PKEY_get_bits(key.get()) < 2048) {
    return core::fail(ErrorCode::kConfigInvalid, "RS256 key is shorter than 2048 bits", {}, hint);
  }
  return {};
}

core::Status check_hmac_key(const std::string& key) {
  if (key.size() < kMinHmacKeyBytes) {
    return core::fail(ErrorCode::kConfigInvalid,
                      fmt::format("HS256 secret is {} bytes, at least {} are required", key.size(),
                                  kMinHmacKeyBytes),
                      {}, "Use a random secret of at least 32 characters for auth.jwtSecret.");
  }
  return {};
}

}  // namespace

core::Result<JwtVerifier> JwtVerifier::create(JwtVerifierConfig config, const core::Clock& clock) {
  auto key_ok = config.algorithm == JwtAlgorithm::kHs256 ? check_hmac_key(config.key)
                                                         : check_rsa_public_key(config.key);
  if (!key_ok) return std::unexpected(std::move(key_ok.error()));
  if (config.max_lifetime <= std::chrono::seconds{0}) {
    return core::fail(
        ErrorCode::kConfigInvalid,
        fmt::format("JWT max lifetime {} s is not positive", config.max_lifetime.count()));
  }
  if (config.leeway < std::chrono::seconds{0} || config.leeway > std::chrono::hours{1}) {
    return core::fail(ErrorCode::kConfigInvalid,
                      fmt::format("JWT leeway {} s is outside 0..3600", config.leeway.count()));
  }
  return JwtVerifier(std::move(config), clock);
}

core::Result<core::Principal> JwtVerifier::verify(std::string_view header) const {
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size()) return reject("no Bearer credentials");
  if (!support::istarts_with(header, kScheme)) return reject("authorization scheme is not Bearer");
  std::string_view rest = header.substr(kScheme.size());
  if (rest.front() != ' ') return reject("authorization scheme is not Bearer");
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  if (rest.empty()) return reject("no Bearer credentials");
  return verify_token(rest);
}

namespace {

// Why a token's shape is refused: header.payload.signature, each non-empty base64url.
std::optional<std::string> shape_problem(std::string_view token,
                                         std::vector<std::string_view>& parts) {
  if (token.empty()) return "empty token";
  if (token.size() > kMaxTokenBytes) {
    return fmt::format("token longer than {} bytes", kMaxTokenBytes);
  }
  std::size_t start = 0;
  while (true) {
    const auto dot = token.find('.', start);
    parts.push_back(token.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 3) return "token is not three dot-separated segments";
  for (auto part : parts) {
    if (part.empty()) return "token has an empty segment (unsigned token?)";
    for (char c : part) {
      if (!is_base64url_char(c)) return "token segment is not base64url";
    }
  }
  return std::nullopt;
}

// The algorithm is pinned before the key is used for anything.
std::optional<std::string> header_problem(std::string_view encoded, JwtAlgorithm pinned) {
  const auto header_text = base64url_decode(encoded);
  if (!header_text) return "token header is not base64url";
  const Json header = Json::parse(*header_text, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return "token header is not a JSON object";
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return "token header has no alg";
  if (alg->get_ref<const std::string&>() != alg_name(pinned)) {
    return fmt::format("token algorithm is not the pinned {}", alg_name(pinned));
  }
  if (header.contains("crit")) return "token header has unsupported crit parameters";
  return std::nullopt;
}

// The numeric dates: exp required, nbf and iat when present.
std::expected<TokenTimes, std::string> token_times(const Json& claims) {
  TokenTimes times;
  const auto exp_it = claims.find("exp");
  if (exp_it == claims.end()) return std::unexpected("token has no exp");
  const auto exp = numeric_date(*exp_it);
  if (!exp) return std::unexpected("token exp is not a numeric date");
  times.exp = *exp;
  for (auto [name, field] : {std::pair{"nbf", &times.nbf}, std::pair{"iat", &times.iat}}) {
    const auto it = claims.find(name);
    if (it == claims.end()) continue;
    *field = numeric_date(*it);
    if (!*field) return std::unexpected(fmt::format("token {} is not a numeric date", name));
  }
  return times;
}

// Against `now`, on every use of a token (remembered or not): exp, nbf and iat within the leeway;
// the lifetime (exp - iat, or exp - now without iat) at most max_lifetime.
std::optional<std::string> time_problem(const TokenTimes& times, std::int64_t now,
                                        std::int64_t leeway, std::int64_t max_lifetime) {
  if (now >= times.exp + leeway) return "token expired";
  if (times.nbf && *times.nbf > now + leeway) return "token nbf is in the future";
  if (times.iat && *times.iat > now + leeway) return "token iat is in the future";
  if (times.iat ? times.exp - *times.iat > max_lifetime : times.exp - now > max_lifetime + leeway) {
    return fmt::format("token lifetime is above the {} s accepted", max_lifetime);
  }
  return std::nullopt;
}

// iss and aud, when the configuration names them.
std::optional<std::string> audience_problem(const Json& claims, const JwtVerifierConfig& config) {
  if (!config.issuer.empty()) {
    const auto iss = claims.find("iss");
    if (iss == claims.end()) return "token has no iss";
    if (!iss->is_string() || iss->get_ref<const std::string&>() != config.issuer) {
      return "token iss is not the configured issuer";
    }
  }
  if (!config.audience.empty()) {
    const auto aud = claims.find("aud");
    if (aud == claims.end()) return "token has no aud";
    bool ours = false;
    if (aud->is_string()) {
      ours = aud->get_ref<const std::string&>() == config.audience;
    } else if (aud->is_array()) {
      for (const auto& a : *aud) {
        if (a.is_string() && a.get_ref<const std::string&>() == config.audience) ours = true;
      }
    }
    if (!ours) return "token aud does not include the configured audience";
  }
  return std::nullopt;
}

core::Result<core::Principal> principal_of(const Json& claims) {
  const auto sub_it = claims.find("sub");
  if (sub_it == claims.end()) return reject("token has no sub");
  const auto user = parse_sub(*sub_it);
  if (!user) return reject("token sub is not a positive decimal user id");
  const auto role_it = claims.find("role");
  if (role_it == claims.end() || !role_it->is_string()) return reject("token has no role");
  const auto role = core::parse_role(role_it->get_ref<const std::string&>());
  if (!role) return reject("token role is not one of the known roles");
  return core::Principal{*user, *role};
}

}  // namespace

core::Result<core::Principal> JwtVerifier::verify_token(std::string_view token) const {
  // Oversized tokens are refused before hashing; a digest failure only means no cache.
  std::optional<support::Sha256Digest> key;
  if (token.size() <= kMaxTokenBytes) {
    if (auto digest = support::sha256(token)) key = *digest;
  }
  if (key) {
    if (const auto known = cache_->find(*key)) {
      if (auto why = time_problem(known->times, epoch_seconds(clock_->now()),
                                  config_.leeway.count(), config_.max_lifetime.count())) {
        return reject(*why);
      }
      return known->principal;
    }
  }
  auto verified = verify_uncached(token);
  if (!verified) return std::unexpected(std::move(verified.error()));
  if (key) cache_->insert(*key, *verified);
  return verified->principal;
}

core::Result<VerifiedToken> JwtVerifier::verify_uncached(std::string_view token) const {
  std::vector<std::string_view> parts;
  if (auto why = shape_problem(token, parts)) return reject(*why);
  if (auto why = header_problem(parts[0], config_.algorithm)) return reject(*why);

  // Signature, by libjwt, with the pinned algorithm's key.
  const std::string token_z(token);
  jwt_t* raw = nullptr;
  const int rc =
      jwt_decode(&raw, token_z.c_str(), reinterpret_cast<const unsigned char*>(config_.key.data()),
                 static_cast<int>(config_.key.size()));
  JwtPtr jwt(raw);
  if (rc != 0 || !jwt) return reject("signature verification failed or token malformed");
  if (jwt_get_alg(jwt.get()) != libjwt_alg(config_.algorithm)) {
    return reject("libjwt reports an algorithm other than the pinned one");
  }

  // Claims, from the verified token only.
  MallocString grants(jwt_get_grants_json(jwt.get(), nullptr));
  if (!grants) return reject("token has no claims");
  const Json claims = Json::parse(grants.get(), nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return reject("token claims are not an object");
  auto times = token_times(claims);
  if (!times) return reject(times.error());
  if (auto why = time_problem(*times, epoch_seconds(clock_->now()), config_.leeway.count(),
                              config_.max_lifetime.count())) {
    return reject(*why);
  }
  if (auto why = audience_problem(claims, config_)) return reject(*why);
  auto principal = principal_of(claims);
  if (!principal) return std::unexpected(std::move(principal.error()));
  return VerifiedToken{*principal, *times};
}

core::Result<JwtIssuer> JwtIssuer::create(JwtIssuerConfig config, const core::Clock& clock) {
  auto key_ok = check_hmac_key(config.key);
  if (!key_ok) return std::unexpected(std::move(key_ok.error()));
  return JwtIssuer(std::move(config), clock);
}

core::Result<std::string> JwtIssuer::issue(core::UserId sub, core::Role role,
                                           std::chrono::seconds ttl) const {
  if (sub.value <= 0) {
    return core::fail(ErrorCode::kInvalidRequest, fmt::format("sub {} is not > 0", sub.value));
  }
  if (ttl < std::chrono::seconds{1} || ttl > kMaxTtl) {
    return core::fail(ErrorCode::kInvalidRequest,
                      fmt::format("ttl {} s is outside 1..{}", ttl.count(), kMaxTtl.count()));
  }
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0 || raw == nullptr) {
    return core::fail(ErrorCode::kInternal, "jwt_new failed");
  }
  JwtPtr jwt(raw);
  const std::int64_t now = epoch_seconds(clock_->now());
  const std::string sub_text = std::to_string(sub.value);
  const std::string role_text(core::to_string(role));
  int rc = jwt_set_alg(jwt.get(), JWT_ALG_HS256,
                       reinterpret_cast<const unsigned char*>(config_.key.data()),
                       static_cast<int>(config_.key.size()));
  if (rc == 0) rc = jwt_add_grant(jwt.get(), "sub", sub_text.c_str());
  if (rc == 0) rc = jwt_add_grant(jwt.get(), "role", role_text.c_str());
  if (rc == 0) rc = jwt_add_grant_int(jwt.get(), "iat", static_cast<long>(now));
  if (rc == 0) rc = jwt_add_grant_int(jwt.get(), "exp", static_cast<long>(now + ttl.count()));
  if (rc == 0 && !config_.issuer.empty())
    rc = jwt_add_grant(jwt.get(), "iss", config_.issuer.c_str());
  if (rc == 0 && !config_.audience.empty()) {
    rc = jwt_add_grant(jwt.get(), "aud", config_.audience.c_str());
  }
  if (rc != 0) return core::fail(ErrorCode::kInternal, fmt::format("libjwt: error {}", rc));
  MallocString encoded(jwt_encode_str(jwt.get()));
  if (!encoded) return core::fail(ErrorCode::kInternal, "jwt_encode_str failed");
  return std::string(encoded.get());
}

}  // namespace toq::http::auth
