#include "adapter/aws/sigv4.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <span>
#include <utility>

#include <fmt/format.h>
#include <openssl/crypto.h>

namespace toq::aws {

namespace {

using core::ErrorCode;

constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kParamAlgorithm = "X-Amz-Algorithm";
constexpr std::string_view kParamCredential = "X-Amz-Credential";
constexpr std::string_view kParamDate = "X-Amz-Date";
constexpr std::string_view kParamExpires = "X-Amz-Expires";
constexpr std::string_view kParamSignedHeaders = "X-Amz-SignedHeaders";
constexpr std::string_view kParamSecurityToken = "X-Amz-Security-Token";
constexpr std::string_view kParamSignature = "X-Amz-Signature";
constexpr std::array<std::string_view, 7> kAuthParams = {
    kParamAlgorithm,     kParamCredential,    kParamDate,     kParamExpires,
    kParamSignedHeaders, kParamSecurityToken, kParamSignature};

// Never signed by sign_headers(): hop-by-hop headers a proxy may rewrite, and headers HTTP stacks
// add or change on their own. Same spirit as botocore's SIGNED_HEADERS_BLACKLIST.
constexpr std::array<std::string_view, 6> kUnsignedHeaders = {
    "authorization", "connection", "expect", "transfer-encoding", "user-agent", "x-amzn-trace-id"};

bool is_s3_service(std::string_view service) {
  return service == "s3" || service == "s3-object-lambda" || service == "s3express";
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_lower(std::string_view text) {
  std::string out{text};
  std::ranges::transform(out, out.begin(), ascii_lower);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// RFC 9110 token: what a header name or a method may be made of.
bool is_token(std::string_view text) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::ranges::all_of(text, [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           kExtra.find(c) != std::string_view::npos;
  });
}

bool is_lower_hex(std::string_view text) {
  return std::ranges::all_of(
      text, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// SigV4 "Trimall": strip leading and trailing whitespace and squeeze inner runs to one space.
// Folded (multi-line) values collapse the same way, as botocore's ' '.join(value.split()) does.
std::string trim_all(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (const char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
    } else {
      if (pending_space) out.push_back(' ');
      pending_space = false;
      out.push_back(c);
    }
  }
  return out;
}

// The Host header's value when the request has one, else request.host.
std::string effective_host(const HttpRequest& request) {
  for (const auto& [name, value] : request.headers) {
    if (iequals(name, "host")) return trim_all(value);
  }
  return request.host;
}

std::string canonical_path(std::string_view wire_path, const PathRules& rules) {
  std::string path = rules.double_encode ? std::string{wire_path} : uri_decode(wire_path);
  if (rules.normalize) path = normalize_path(path);
  if (path.empty()) path = "/";
  return uri_encode(path, Slash::kKeep);
}

std::string canonical_query(const Params& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(uri_encode(name, Slash::kEncode), uri_encode(value, Slash::kEncode));
  }
  // Byte order of the encoded names, then of the encoded values for repeated names.
  std::ranges::sort(encoded);
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

// Lower-cases, sorts and de-duplicates header names; INVALID_REQUEST for a name that is not a
// token.
Result<std::vector<std::string>> normalize_header_names(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const auto& name : names) {
    if (!is_token(name)) {
      return core::fail(ErrorCode::kInvalidRequest,
                        fmt::format("invalid header name to sign: '{}'", name));
    }
    out.push_back(to_lower(name));
  }
  std::ranges::sort(out);
  const auto dup = std::ranges::unique(out);
  out.erase(dup.begin(), dup.end());
  return out;
}

std::string join(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out.push_back(separator);
    out += part;
  }
  return out;
}

// The canonical request, given lower-case, sorted, unique signed header names.
Result<std::string> build_canonical_request(const HttpRequest& request,
                                            const std::vector<std::string>& signed_names,
                                            const PathRules& rules) {
  if (!is_token(request.method)) {
    return core::fail(ErrorCode::kInvalidRequest,
                      fmt::format("invalid HTTP method '{}'", request.method));
  }
  const std::string_view payload =
      request.payload_sha256.empty() ? kEmptyPayloadSha256 : request.payload_sha256;
  if (std::ranges::any_of(payload, [](char c) { return is_space(c) || c == '\0'; })) {
    return core::fail(ErrorCode::kInvalidRequest, "payload hash contains whitespace");
  }

  std::string headers_block;
  for (const auto& name : signed_names) {
    std::string joined;
    bool found = false;
    for (const auto& [header, value] : request.headers) {
      if (!iequals(header, name)) continue;
      if (found) joined.push_back(',');
      joined += trim_all(value);
      found = true;
    }
    if (!found && name == "host" && !request.host.empty()) {
      joined = trim_all(request.host);
      found = true;
    }
    if (!found) {
      return core::fail(ErrorCode::kInvalidRequest,
                        fmt::format("header '{}' is to be signed but the request lacks it", name));
    }
    headers_block += name;
    headers_block.push_back(':');
    headers_block += joined;
    headers_block.push_back('\n');
  }

  std::string out;
  out.reserve(256 + request.path.size() * 3 + headers_block.size());
  out += request.method;
  out.push_back('\n');
  out += canonical_path(request.path, rules);
  out.push_back('\n');
  out += canonical_query(request.query);
  out.push_back('\n');
  out += headers_block;
  out.push_back('\n');
  out += join(signed_names, ';');
  out.push_back('\n');
  out += payload;
  return out;
}

std::string build_scope(std::string_view amz_date, std::string_view region,
                        std::string_view service) {
  return fmt::format("{}/{}/{}/{}", amz_date.substr(0, 8), region, service, kTerminator);
}

Result<std::string> build_string_to_sign(std::string_view amz_date, std::string_view scope,
                                         std::string_view canonical_request) {
  auto hash = sha256_hex(canonical_request);
  if (!hash) return std::unexpected(std::move(hash.error()));
  return fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, scope, *hash);
}

Result<std::string> compute_signature(const Sha256Digest& key, std::string_view string_to_sign) {
  auto mac = hmac_sha256(key, string_to_sign);
  if (!mac) return std::unexpected(std::move(mac.error()));
  return hex_lower(*mac);
}

void erase_headers(Params& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& header) { return iequals(header.first, name); });
}

bool has_header(const Params& headers, std::string_view name) {
  return std::ranges::any_of(headers,
                             [&](const auto& header) { return iequals(header.first, name); });
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

VerifyResult verdict(VerifyStatus status, std::string detail) {
  VerifyResult result;
  result.status = status;
  result.detail = std::move(detail);
  return result;
}

}  // namespace

PathRules default_path_rules(std::string_view service) {
  if (is_s3_service(service)) return PathRules{.normalize = false, .double_encode = false};
  return PathRules{.normalize = true, .double_encode = true};
}

std::string format_amz_date(core::Timestamp at) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(at);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::optional<core::Timestamp> parse_amz_date(std::string_view text) {
  using namespace std::chrono;
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  const auto field = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
    int value = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const auto y = field(0, 4), mo = field(4, 2), d = field(6, 2);
  const auto h = field(9, 2), mi = field(11, 2), s = field(13, 2);
  if (!y || !mo || !d || !h || !mi || !s) return std::nullopt;
  const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)},
                           day{static_cast<unsigned>(*d)}};
  if (!ymd.ok() || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  return core::Timestamp{sys_days{ymd} + hours{*h} + minutes{*mi} + seconds{*s}};
}

// ---- SigningKeyCache ----

Result<Sha256Digest> derive_signing_key(std::string_view secret_access_key,
                                        const SigningKeyCache::Scope& scope) {
  const std::string seed = fmt::format("AWS4{}", secret_access_key);
  auto k_date = hmac_sha256(
      std::span{reinterpret_cast<const unsigned char*>(seed.data()), seed.size()}, scope.date);
  if (!k_date) return k_date;
  auto k_region = hmac_sha256(*k_date, scope.region);
  if (!k_region) return k_region;
  auto k_service = hmac_sha256(*k_region, scope.service);
  if (!k_service) return k_service;
  return hmac_sha256(*k_service, kTerminator);
}

SigningKeyCache::~SigningKeyCache() {
  for (auto& [scope, key] : keys_) OPENSSL_cleanse(key.data(), key.size());
}

Result<Sha256Digest> SigningKeyCache::get(std::string_view secret_access_key, const Scope& scope) {
  // '\n' cannot occur in a date, region or service, so the joined key is unambiguous.
  const std::string cache_key =
      fmt::format("{}\n{}\n{}\n{}", scope.date, scope.region, scope.service, secret_access_key);
  const std::lock_guard lock{mutex_};
  if (const auto it = keys_.find(cache_key); it != keys_.end()) return it->second;
  auto key = derive_signing_key(secret_access_key, scope);
  if (!key) return key;
  ++derivations_;
  if (keys_.size() >= capacity_) keys_.clear();
  keys_.emplace(cache_key, *key);
  return key;
}

std::size_t SigningKeyCache::derivations() const {
  const std::lock_guard lock{mutex_};
  return derivations_;
}

// ---- SigV4Signer ----

SigV4Signer::SigV4Signer(SignerConfig config, const core::Clock& clock)
    : config_(std::move(config)),
      rules_(config_.path_rules.value_or(default_path_rules(config_.service))),
      clock_(&clock) {}

Result<std::string> SigV4Signer::canonical_request(
    const HttpRequest& request, const std::vector<std::string>& signed_headers) const {
  auto names = normalize_header_names(signed_headers);
  if (!names) return std::unexpected(std::move(names.error()));
  return build_canonical_request(request, *names, rules_);
}

std::string SigV4Signer::credential_scope(core::Timestamp at) const {
  return build_scope(format_amz_date(at), config_.region, config_.service);
}

Result<std::string> SigV4Signer::string_to_sign(core::Timestamp at,
                                                std::string_view canonical_request) const {
  const std::string amz_date = format_amz_date(at);
  return build_string_to_sign(amz_date, build_scope(amz_date, config_.region, config_.service),
                              canonical_request);
}

Result<Sha256Digest> SigV4Signer::signing_key(core::Timestamp at) const {
  const std::string date = format_amz_date(at).substr(0, 8);
  return cache_.get(config_.credentials.secret_access_key,
                    {.date = date, .region = config_.region, .service = config_.service});
}

Result<SigningDetails> SigV4Signer::sign(const HttpRequest& request,
                                         const std::vector<std::string>& signed_names,
                                         core::Timestamp now) const {
  SigningDetails details;
  details.amz_date = format_amz_date(now);
  details.credential_scope = credential_scope(now);
  details.signed_headers = join(signed_names, ';');
  auto canonical = build_canonical_request(request, signed_names, rules_);
  if (!canonical) return std::unexpected(std::move(canonical.error()));
  details.canonical_request = std::move(*canonical);
  auto sts =
      build_string_to_sign(details.amz_date, details.credential_scope, details.canonical_request);
  if (!sts) return std::unexpected(std::move(sts.error()));
  details.string_to_sign = std::move(*sts);
  auto key = signing_key(now);
  if (!key) return std::unexpected(std::move(key.error()));
  auto signature = compute_signature(*key, details.string_to_sign);
  if (!signature) return std::unexpected(std::move(signature.error()));
  details.signature = std::move(*signature);
  return details;
}

Result<SignedRequest> SigV4Signer::sign_headers(HttpRequest request,
                                                const SignOptions& options) const {
  const core::Timestamp now = clock_->now();
  const std::string amz_date = format_amz_date(now);
  const auto& token = config_.credentials.session_token;

  // A retried request must not carry the previous attempt's signature headers.
  erase_headers(request.headers, "authorization");
  erase_headers(request.headers, "x-amz-date");
  erase_headers(request.headers, "x-amz-security-token");
  if (options.add_content_sha256_header) erase_headers(request.headers, "x-amz-content-sha256");

  request.headers.emplace_back("X-Amz-Date", amz_date);
  if (token && options.sign_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", *token);
  }
  if (options.add_content_sha256_header) {
    request.headers.emplace_back("x-amz-content-sha256", request.payload_sha256.empty()
                                                             ? std::string{kEmptyPayloadSha256}
                                                             : request.payload_sha256);
  }

  std::vector<std::string> names{"host"};
  for (const auto& [name, value] : request.headers) {
    const std::string lower = to_lower(name);
    if (std::ranges::find(kUnsignedHeaders, lower) == kUnsignedHeaders.end()) {
      names.push_back(lower);
    }
  }
  auto signed_names = normalize_header_names(names);
  if (!signed_names) return std::unexpected(std::move(signed_names.error()));

  auto details = sign(request, *signed_names, now);
  if (!details) return std::unexpected(std::move(details.error()));

  if (token && !options.sign_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", *token);
  }
  request.headers.emplace_back(
      "Authorization",
      fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm,
                  config_.credentials.access_key_id, details->credential_scope,
                  details->signed_headers, details->signature));
  return SignedRequest{.request = std::move(request), .details = std::move(*details)};
}

Result<PresignedUrl> SigV4Signer::presign(const HttpRequest& request,
                                          const PresignOptions& options) const {
  if (options.expires < std::chrono::seconds{1} || options.expires > kMaxPresignExpiry) {
    return core::fail(ErrorCode::kInvalidRequest,
                      fmt::format("presign expiry {}s is outside 1..{}s", options.expires.count(),
                                  kMaxPresignExpiry.count()));
  }
  for (const auto& [name, value] : request.query) {
    if (std::ranges::find(kAuthParams, name) != kAuthParams.end()) {
      return core::fail(ErrorCode::kInvalidRequest,
                        fmt::format("query already carries auth parameter {}", name));
    }
  }
  std::vector<std::string> names{"host"};
  for (const auto& name : options.extra_signed_headers) {
    if (!iequals(name, "host") && !has_header(request.headers, name)) {
      return core::fail(ErrorCode::kInvalidRequest,
                        fmt::format("header '{}' is to be signed but the request lacks it", name));
    }
    names.push_back(name);
  }
  auto signed_names = normalize_header_names(names);
  if (!signed_names) return std::unexpected(std::move(signed_names.error()));

  const core::Timestamp now = clock_->now();
  const std::string amz_date = format_amz_date(now);
  const auto& token = config_.credentials.session_token;
  HttpRequest signed_request = request;
  Params& query = signed_request.query;
  query.emplace_back(kParamAlgorithm, kAlgorithm);
  query.emplace_back(kParamCredential, fmt::format("{}/{}", config_.credentials.access_key_id,
                                                   credential_scope(now)));
  query.emplace_back(kParamDate, amz_date);
  query.emplace_back(kParamExpires, std::to_string(options.expires.count()));
  query.emplace_back(kParamSignedHeaders, join(*signed_names, ';'));
  if (token && options.sign_session_token) query.emplace_back(kParamSecurityToken, *token);
  if (options.payload_hash) {
    signed_request.payload_sha256 = *options.payload_hash;
  } else if (is_s3_service(config_.service)) {
    signed_request.payload_sha256 = kUnsignedPayload;
  }
  auto details = sign(signed_request, *signed_names, now);
  if (!details) return std::unexpected(std::move(details.error()));

  PresignedUrl out;
  out.query = canonical_query(query);
  if (token && !options.sign_session_token) {
    out.query += fmt::format("&{}={}", kParamSecurityToken, uri_encode(*token, Slash::kEncode));
  }
  out.query += fmt::format("&{}={}", kParamSignature, details->signature);
  // Under S3 rules the canonical path is the correctly encoded form of the caller's path, so it
  // is what goes on the wire; other services sign a re-encoding of the wire path as given.
  if (rules_.double_encode) {
    out.path = request.path.empty() ? "/" : request.path;
  } else {
    out.path = canonical_path(request.path, rules_);
  }
  out.url =
      fmt::format("{}://{}{}?{}", options.scheme, effective_host(request), out.path, out.query);
  for (const auto& [name, value] : request.headers) {
    const std::string lower = to_lower(name);
    if (lower != "host" && std::ranges::binary_search(*signed_names, lower)) {
      out.headers.emplace_back(name, value);
    }
  }
  out.details = std::move(*details);
  return out;
}

// ---- Verification ----

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
  using std::chrono::seconds;
  const Params params = parse_query(request.raw_query);

  // Each auth parameter at most once: a repeated one would make "which value counts" ambiguous.
  std::array<std::optional<std::string>, kAuthParams.size()> auth{};
  for (const auto& [name, value] : params) {
    const auto it = std::ranges::find(kAuthParams, name);
    if (it == kAuthParams.end()) continue;
    auto& slot = auth[static_cast<std::size_t>(it - kAuthParams.begin())];
    if (slot) return verdict(VerifyStatus::kMalformed, fmt::format("{} appears twice", name));
    slot = value;
  }
  const auto param = [&](std::string_view name) -> const std::optional<std::string>& {
    return auth[static_cast<std::size_t>(std::ranges::find(kAuthParams, name) -
                                         kAuthParams.begin())];
  };
  for (const auto name : {kParamAlgorithm, kParamCredential, kParamDate, kParamExpires,
                          kParamSignedHeaders, kParamSignature}) {
    if (!param(name)) return verdict(VerifyStatus::kMalformed, fmt::format("{} is missing", name));
  }
  const std::string& algorithm = *param(kParamAlgorithm);
  const std::string& credential = *param(kParamCredential);
  const std::string& amz_date = *param(kParamDate);
  const std::string& signature = *param(kParamSignature);

  if (algorithm != kAlgorithm) {
    return verdict(VerifyStatus::kMalformed, fmt::format("unsupported algorithm '{}'", algorithm));
  }
  const auto scope_parts = split(credential, '/');
  if (scope_parts.size() != 5 || scope_parts[0].empty() || scope_parts[4] != kTerminator) {
    return verdict(VerifyStatus::kMalformed,
                   "X-Amz-Credential is not <key>/<date>/<region>/<service>/aws4_request");
  }
  VerifyResult result;
  result.access_key_id = std::string{scope_parts[0]};
  const auto fail_with = [&](VerifyStatus status, std::string detail) {
    result.status = status;
    result.detail = std::move(detail);
    return result;
  };

  const auto signed_at = parse_amz_date(amz_date);
  if (!signed_at) return fail_with(VerifyStatus::kMalformed, "X-Amz-Date is not YYYYMMDDTHHMMSSZ");
  if (scope_parts[1] != std::string_view{amz_date}.substr(0, 8)) {
    return fail_with(VerifyStatus::kMalformed, "credential date differs from X-Amz-Date");
  }
  if (scope_parts[2] != config.region || scope_parts[3] != config.service) {
    return fail_with(VerifyStatus::kMalformed,
                     fmt::format("credential scope is for {}/{}, expected {}/{}", scope_parts[2],
                                 scope_parts[3], config.region, config.service));
  }
  std::int64_t expires = 0;
  if (!parse_uint(*param(kParamExpires), expires) || expires < 1 ||
      expires > kMaxPresignExpiry.count()) {
    return fail_with(VerifyStatus::kMalformed,
                     fmt::format("X-Amz-Expires must be 1..{}", kMaxPresignExpiry.count()));
  }
  result.expires_at = *signed_at + seconds{expires};
  if (signature.size() != 2 * kSha256Size || !is_lower_hex(signature)) {
    return fail_with(VerifyStatus::kMalformed, "X-Amz-Signature is not 64 lower-case hex digits");
  }

  // Signed header names must be canonical already: lower case, sorted, unique, host among them.
  std::vector<std::string> signed_names;
  for (const auto name : split(*param(kParamSignedHeaders), ';')) {
    if (!is_token(name) || name != to_lower(name) ||
        (!signed_names.empty() && signed_names.back() >= name)) {
      return fail_with(VerifyStatus::kMalformed, "X-Amz-SignedHeaders is not canonical");
    }
    signed_names.emplace_back(name);
  }
  if (!std::ranges::binary_search(signed_names, std::string{"host"})) {
    return fail_with(VerifyStatus::kMalformed, "X-Amz-SignedHeaders does not include host");
  }
  for (const auto& name : signed_names) {
    const bool present =
        has_header(request.headers, name) || (name == "host" && !request.host.empty());
    if (!present) {
      return fail_with(VerifyStatus::kMissingSignedHeader,
                       fmt::format("signed header '{}' was not sent", name));
    }
  }

  const std::optional<Credentials> credentials = lookup(result.access_key_id);
  if (!credentials) return fail_with(VerifyStatus::kUnknownAccessKey, "unknown access key id");
  const auto& sent_token = param(kParamSecurityToken);
  if (credentials->session_token.has_value() != sent_token.has_value() ||
      (sent_token && !constant_time_equal(*sent_token, *credentials->session_token))) {
    return fail_with(VerifyStatus::kSignatureMismatch, "security token does not match the key");
  }

  HttpRequest canonical_input;
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

  auto canonical = build_canonical_request(canonical_input, signed_names, rules);
  if (!canonical) return fail_with(VerifyStatus::kMalformed, canonical.error().message);
  const std::string scope = build_scope(amz_date, config.region, config.service);
  auto sts = build_string_to_sign(amz_date, scope, *canonical);
  if (!sts) return std::unexpected(std::move(sts.error()));
  const SigningKeyCache::Scope key_scope{
      .date = scope_parts[1], .region = config.region, .service = config.service};
  auto key = cache != nullptr ? cache->get(credentials->secret_access_key, key_scope)
                              : derive_signing_key(credentials->secret_access_key, key_scope);
  if (!key) return std::unexpected(std::move(key.error()));
  auto expected = compute_signature(*key, *sts);
  if (!expected) return std::unexpected(std::move(expected.error()));
  if (!constant_time_equal(*expected, signature)) {
    return fail_with(VerifyStatus::kSignatureMismatch, "signature does not match");
  }

  const core::Timestamp now = clock.now();
  if (now + config.max_clock_skew < *signed_at) {
    return fail_with(VerifyStatus::kNotYetValid, fmt::format("signed for {} (future)", amz_date));
  }
  if (now > *result.expires_at) {
    return fail_with(VerifyStatus::kExpired,
                     fmt::format("expired at {}", format_amz_date(*result.expires_at)));
  }
  result.status = VerifyStatus::kOk;
  result.detail.clear();
  return result;
}

}  // namespace toq::aws
