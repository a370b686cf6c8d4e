#include "adapter/storage/store_sigv4.hpp"

#include <fmt/format.h>

#include "adapter/aws/sigv4.hpp"
#include "adapter/aws/sigv4_verify.hpp"
#include "support/text.hpp"

namespace toq::storage {

struct StoreSigV4::State {
  State(AccessKey access_key, std::string region, BaseUrl base_url, const core::Clock& c)
      : key(std::move(access_key)),
        base(std::move(base_url)),
        clock(&c),
        signer(aws::SignerConfig{.credentials = {key.access_key_id, key.secret_access_key,
                                                 std::nullopt},
                                 .region = region,
                                 .service = "s3",
                                 .path_rules = std::nullopt},
               c) {
    verify.region = std::move(region);
    verify.service = "s3";
  }

  AccessKey key;
  BaseUrl base;
  const core::Clock* clock;
  aws::SigV4Signer signer;
  aws::VerifyConfig verify;
  aws::SigningKeyCache key_cache;  // for verification; the signer has its own
};

namespace {

// S3's answer to a verdict other than kOk.
S3Error refusal(const aws::VerifyResult& verdict, const StorageRequest& request,
                const core::Clock& clock) {
  switch (verdict.status) {
    case aws::VerifyStatus::kExpired: {
      const auto query = support::parse_query(request.raw_query);
      support::Params extra{
          {"X-Amz-Expires", std::string{find_param(query, "X-Amz-Expires").value_or("")}},
          {"ServerTime", core::format_rfc3339(clock.now())}};
      if (verdict.expires_at) {
        extra.emplace_back("Expires", core::format_rfc3339(*verdict.expires_at));
      }
      return {403, "AccessDenied", "Request has expired", std::move(extra)};
    }
    case aws::VerifyStatus::kNotYetValid: return {403, "AccessDenied", "Request is not valid yet"};
    case aws::VerifyStatus::kSignatureMismatch:
    case aws::VerifyStatus::kMissingSignedHeader:
      return {403,
              "SignatureDoesNotMatch",
              "The request signature we calculated does not match the signature you provided. "
              "Check your key and signing method.",
              {{"AWSAccessKeyId", verdict.access_key_id}}};
    case aws::VerifyStatus::kUnknownAccessKey:
      return {403,
              "InvalidAccessKeyId",
              "The AWS Access Key Id you provided does not exist in our records.",
              {{"AWSAccessKeyId", verdict.access_key_id}}};
    case aws::VerifyStatus::kMalformed:
    case aws::VerifyStatus::kOk: break;
  }
  return {400, "AuthorizationQueryParametersError", verdict.detail};
}

}  // namespace

StoreSigV4::StoreSigV4(AccessKey key, std::string region, BaseUrl base, const core::Clock& clock)
    : state_(std::make_unique<State>(std::move(key), std::move(region), std::move(base), clock)) {}

StoreSigV4::~StoreSigV4() = default;

core::Result<core::PresignedRequest> StoreSigV4::presign(const UrlToSign& url) const {
  if (url.expires < std::chrono::seconds{1} || url.expires > aws::kMaxPresignExpiry) {
    return core::fail(core::ErrorCode::kInvalidRequest,
                      fmt::format("URL lifetime {} s is outside 1..{} s", url.expires.count(),
                                  aws::kMaxPresignExpiry.count()));
  }
  aws::RequestToSign request{.method = url.method,
                             .host = state_->base.authority,
                             .path = url.path,
                             .query = url.query,
                             .headers = url.headers,
                             .payload_sha256 = {}};
  aws::PresignOptions options;
  options.expires = url.expires;
  options.extra_signed_headers = url.signed_headers;
  options.scheme = state_->base.scheme;
  auto signed_url = state_->signer.presign(request, options);
  if (!signed_url) return std::unexpected(std::move(signed_url.error()));
  const auto signed_at = aws::parse_amz_date(signed_url->details.amz_date);
  if (!signed_at) {
    return core::fail(core::ErrorCode::kInternal, "the signer made an unreadable date");
  }
  core::PresignedRequest out;
  out.method = url.method;
  out.url = std::move(signed_url->url);
  for (auto& [name, value] : signed_url->headers) {
    if (!support::iequals(name, "content-length")) out.headers.emplace_back(name, value);
  }
  out.expires_at = *signed_at + url.expires;
  return out;
}

core::Result<std::optional<S3Error>> StoreSigV4::check(const StorageRequest& request,
                                                       std::chrono::seconds max_clock_skew) const {
  aws::IncomingRequest incoming;
  incoming.method = request.method;
  incoming.host = std::string{find_header(request.headers, "Host").value_or("")};
  incoming.raw_path = request.raw_path;
  incoming.raw_query = request.raw_query;
  incoming.headers = request.headers;
  aws::VerifyConfig verify = state_->verify;
  verify.max_clock_skew = max_clock_skew;
  const AccessKey& key = state_->key;
  const auto lookup = [&key](std::string_view id) -> std::optional<aws::Credentials> {
    if (id != key.access_key_id) return std::nullopt;
    return aws::Credentials{key.access_key_id, key.secret_access_key, std::nullopt};
  };
  auto verdict =
      aws::verify_presigned(incoming, verify, lookup, *state_->clock, &state_->key_cache);
  if (!verdict) return std::unexpected(std::move(verdict.error()));
  if (verdict->ok()) return std::nullopt;
  return refusal(*verdict, request, *state_->clock);
}

}  // namespace toq::storage
