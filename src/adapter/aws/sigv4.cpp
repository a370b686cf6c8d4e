#include "adapter/aws/sigv4.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>

#include "support/http_syntax.hpp"
#include "support/text.hpp"

namespace toq::aws {

namespace {

using core::ErrorCode;
using support::iequals;
using support::to_lower;

// Never signed by sign_headers(): hop-by-hop headers a proxy may rewrite, and headers HTTP stacks
// add or change on their own. Same spirit as botocore's SIGNED_HEADERS_BLACKLIST.
constexpr std::array<std::string_view, 6> kUnsignedHeaders = {
    "authorization", "connection", "expect", "transfer-encoding", "user-agent", "x-amzn-trace-id"};

// The Host header's value when the request has one, else request.host.
std::string effective_host(const RequestToSign& request) {
  for (const auto& [name, value] : request.headers) {
    if (iequals(name, "host")) return trim_all(value);
  }
  return request.host;
}

// Lower-cases, sorts and de-duplicates header names; INVALID_REQUEST for a name that is not a
// token.
Result<std::vector<std::string>> normalize_header_names(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const auto& name : names) {
    if (!support::is_token(name)) {
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

void erase_headers(Params& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& header) { return iequals(header.first, name); });
}

}  // namespace

SigV4Signer::SigV4Signer(SignerConfig config, const core::Clock& clock)
    : config_(std::move(config)),
      rules_(config_.path_rules.value_or(default_path_rules(config_.service))),
      clock_(&clock) {}

Result<std::string> SigV4Signer::canonical_request(
    const RequestToSign& request, const std::vector<std::string>& signed_headers) const {
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

Result<SigningDetails> SigV4Signer::sign(const RequestToSign& request,
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

Result<SignedRequest> SigV4Signer::sign_headers(RequestToSign request,
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

Result<PresignedUrl> SigV4Signer::presign(const RequestToSign& request,
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
  RequestToSign signed_request = request;
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
    out.query += fmt::format("&{}={}", kParamSecurityToken,
                             support::uri_encode(*token, support::Slash::kEncode));
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

}  // namespace toq::aws
