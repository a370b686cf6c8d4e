#include "adapter/aws/sigv4_verify.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "support/crypto/hmac.hpp"
#include "support/http_syntax.hpp"
#include "support/text.hpp"

namespace toq::aws {

namespace {

using std::chrono::seconds;

// The auth parameters of one request, each at most once.
class AuthParams {
 public:
  std::optional<std::string>& operator[](std::string_view name) {
    return values_[static_cast<std::size_t>(std::ranges::find(kAuthParams, name) -
                                            kAuthParams.begin())];
  }

 private:
  std::array<std::optional<std::string>, kAuthParams.size()> values_{};
};

// What the checks learnt about the request so far.
struct Checked {
  VerifyResult result;
  std::vector<std::string_view> scope;  // key id, date, region, service, terminator
  core::Timestamp signed_at{};
  std::vector<std::string> signed_names;
};

VerifyResult verdict(VerifyStatus status, std::string detail) {
  VerifyResult result;
  result.status = status;
  result.detail = std::move(detail);
  return result;
}

std::optional<VerifyResult> reject(Checked& checked, VerifyStatus status, std::string detail) {
  checked.result.status = status;
  checked.result.detail = std::move(detail);
  return checked.result;
}

bool is_lower_hex(std::string_view text) {
  return std::ranges::all_of(
      text, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool parse_uint(std::string_view text, std::int64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  if (!std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) return false;
  return std::from_chars(text.data(), text.data() + text.size(), out).ec == std::errc{};
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

// Each auth parameter at most once (a repeated one would make "which value counts" ambiguous),
// every one but the security token present, the algorithm ours and the credential a scope.
std::optional<VerifyResult> read_auth(const Params& params, AuthParams& auth, Checked& checked) {
  for (const auto& [name, value] : params) {
    if (std::ranges::find(kAuthParams, name) == kAuthParams.end()) continue;
    if (auth[name]) return verdict(VerifyStatus::kMalformed, fmt::format("{} appears twice", name));
    auth[name] = value;
  }
  for (const auto name : {kParamAlgorithm, kParamCredential, kParamDate, kParamExpires,
                          kParamSignedHeaders, kParamSignature}) {
    if (!auth[name]) return verdict(VerifyStatus::kMalformed, fmt::format("{} is missing", name));
  }
  if (*auth[kParamAlgorithm] != kAlgorithm) {
    return verdict(VerifyStatus::kMalformed,
                   fmt::format("unsupported algorithm '{}'", *auth[kParamAlgorithm]));
  }
  checked.scope = split(*auth[kParamCredential], '/');
  const auto& scope = checked.scope;
  if (scope.size() != 5 || scope[0].empty() || scope[4] != kScopeTerminator) {
    return verdict(VerifyStatus::kMalformed,
                   "X-Amz-Credential is not <key>/<date>/<region>/<service>/aws4_request");
  }
  checked.result.access_key_id = std::string{scope[0]};
  return std::nullopt;
}

// The date, the scope, the expiry and the shape of the signature.
std::optional<VerifyResult> check_scope(AuthParams& auth, const VerifyConfig& config,
                                        Checked& checked) {
  const std::string& amz_date = *auth[kParamDate];
  const auto& scope = checked.scope;
  const auto signed_at = parse_amz_date(amz_date);
  if (!signed_at)
    return reject(checked, VerifyStatus::kMalformed, "X-Amz-Date is not YYYYMMDDTHHMMSSZ");
  checked.signed_at = *signed_at;
  if (scope[1] != std::string_view{amz_date}.substr(0, 8)) {
    return reject(checked, VerifyStatus::kMalformed, "credential date differs from X-Amz-Date");
  }
  if (scope[2] != config.region || scope[3] != config.service) {
    return reject(checked, VerifyStatus::kMalformed,
                  fmt::format("credential scope is for {}/{}, expected {}/{}", scope[2], scope[3],
                              config.region, config.service));
  }
  std::int64_t expires = 0;
  if (!parse_uint(*auth[kParamExpires], expires) || expires < 1 ||
      expires > kMaxPresignExpiry.count()) {
    return reject(checked, VerifyStatus::kMalformed,
                  fmt::format("X-Amz-Expires must be 1..{}", kMaxPresignExpiry.count()));
  }
  checked.result.expires_at = *signed_at + seconds{expires};
  const std::string& signature = *auth[kParamSignature];
  if (signature.size() != 2 * support::kSha256Size || !is_lower_hex(signature)) {
    return reject(checked, VerifyStatus::kMalformed,
                  "X-Amz-Signature is not 64 lower-case hex digits");
  }
  return std::nullopt;
}

// Signed header names must be canonical already (lower case, sorted, unique, host among them),
// and every one of them sent.
std::optional<VerifyResult> check_signed_headers(AuthParams& auth, const IncomingRequest& request,
                                                 Checked& checked) {
  auto& names = checked.signed_names;
  for (const auto name : split(*auth[kParamSignedHeaders], ';')) {
    if (!support::is_token(name) || name != support::to_lower(name) ||
        (!names.empty() && names.back() >= name)) {
      return reject(checked, VerifyStatus::kMalformed, "X-Amz-SignedHeaders is not canonical");
    }
    names.emplace_back(name);
  }
  if (!std::ranges::binary_search(names, std::string{"host"})) {
    return reject(checked, VerifyStatus::kMalformed, "X-Amz-SignedHeaders does not include host");
  }
  for (const auto& name : names) {
    const bool present =
        has_header(request.headers, name) || (name == "host" && !request.host.empty());
    if (!present) {
      return reject(checked, VerifyStatus::kMissingSignedHeader,
                    fmt::format("signed header '{}' was not sent", name));
    }
  }
  return std::nullopt;
}

// The signature this request would carry if the owner of `credentials` had signed it; a
// Malformed verdict when the request cannot be canonicalised.
Result<std::variant<VerifyResult, std::string>> expected_signature(
    const IncomingRequest& request, const Params& params, const VerifyConfig& config,
    const Credentials& credentials, Checked& checked, AuthParams& auth, SigningKeyCache* cache) {
  RequestToSign canonical_input;
  canonical_input.method = request.method;
  canonical_input.host = request.host;
  canonical_input.path = request.raw_path;
  canonical_input.headers = request.headers;
  for (const auto& [name, value] : params) {
    if (name != kParamSignature) canonical_input.query.emplace_back(name, value);
  }
  canonical_input.payload_sha256 = request.payload_sha256.value_or(
      std::string{is_s3_service(config.service) ? kUnsignedPayload : kEmptyPayloadSha256});
  const PathRules rules = config.path_rules.value_or(default_path_rules(config.service));
  auto canonical = build_canonical_request(canonical_input, checked.signed_names, rules);
  if (!canonical) {
    return *reject(checked, VerifyStatus::kMalformed, canonical.error().message);
  }
  const std::string& amz_date = *auth[kParamDate];
  const std::string scope = build_scope(amz_date, config.region, config.service);
  auto sts = build_string_to_sign(amz_date, scope, *canonical);
  if (!sts) return std::unexpected(std::move(sts.error()));
  const SigningKeyCache::Scope key_scope{
      .date = checked.scope[1], .region = config.region, .service = config.service};
  auto key = cache != nullptr ? cache->get(credentials.secret_access_key, key_scope)
                              : derive_signing_key(credentials.secret_access_key, key_scope);
  if (!key) return std::unexpected(std::move(key.error()));
  auto expected = compute_signature(*key, *sts);
  if (!expected) return std::unexpected(std::move(expected.error()));
  return std::move(*expected);
}

}  // namespace

std::string_view to_string(VerifyStatus status) {
  switch (status) {
    case VerifyStatus::kOk: return "OK";
    case VerifyStatus::kExpired: return "EXPIRED";
    case VerifyStatus::kNotYetValid: return "NOT_YET_VALID";
    case VerifyStatus::kSignatureMismatch: return "SIGNATURE_MISMATCH";
    case VerifyStatus::kMalformed: return "MALFORMED";
    case VerifyStatus::kMissingSignedHeader: return "MISSING_SIGNED_HEADER";
    case VerifyStatus::kUnknownAccessKey: return "UNKNOWN_ACCESS_KEY";
  }
  return "UNKNOWN";
}

Result<VerifyResult> verify_presigned(const IncomingRequest& request, const VerifyConfig& config,
                                      const CredentialLookup& lookup, const core::Clock& clock,
                                      SigningKeyCache* cache) {
  const Params params = support::parse_query(request.raw_query);
  AuthParams auth;
  Checked checked;
  if (auto bad = read_auth(params, auth, checked)) return *bad;
  if (auto bad = check_scope(auth, config, checked)) return *bad;
  if (auto bad = check_signed_headers(auth, request, checked)) return *bad;

  const std::optional<Credentials> credentials = lookup(checked.result.access_key_id);
  if (!credentials) {
    return *reject(checked, VerifyStatus::kUnknownAccessKey, "unknown access key id");
  }
  const auto& sent_token = auth[kParamSecurityToken];
  if (credentials->session_token.has_value() != sent_token.has_value() ||
      (sent_token && !support::constant_time_equal(*sent_token, *credentials->session_token))) {
    return *reject(checked, VerifyStatus::kSignatureMismatch,
                   "security token does not match the key");
  }
  auto expected = expected_signature(request, params, config, *credentials, checked, auth, cache);
  if (!expected) return std::unexpected(std::move(expected.error()));
  if (auto* bad = std::get_if<VerifyResult>(&*expected)) return std::move(*bad);
  if (!support::constant_time_equal(std::get<std::string>(*expected), *auth[kParamSignature])) {
    return *reject(checked, VerifyStatus::kSignatureMismatch, "signature does not match");
  }

  // The signature is genuine: only now may the verdict speak of time.
  const core::Timestamp now = clock.now();
  if (now + config.max_clock_skew < checked.signed_at) {
    return *reject(checked, VerifyStatus::kNotYetValid,
                   fmt::format("signed for {} (future)", *auth[kParamDate]));
  }
  if (now > *checked.result.expires_at) {
    return *reject(checked, VerifyStatus::kExpired,
                   fmt::format("expired at {}", format_amz_date(*checked.result.expires_at)));
  }
  checked.result.status = VerifyStatus::kOk;
  checked.result.detail.clear();
  return checked.result;
}

}  // namespace toq::aws
