// S3ObjectStore's UrlSigner side: presigned GET, PUT and UploadPart URLs.

#include <string>
#include <utility>

#include <fmt/format.h>

#include "adapter/aws/s3_errors.hpp"
#include "adapter/aws/s3_object_store.hpp"

namespace toq::aws {

using core::ErrorCode;

Result<core::PresignedRequest> S3ObjectStore::presign(
    const RequestToSign& request, const std::vector<std::string>& signed_headers,
    std::chrono::seconds expires) {
  auto s = signer();
  if (!s) return std::unexpected(std::move(s.error()));
  PresignOptions options;
  options.expires = expires;
  options.extra_signed_headers = signed_headers;
  options.scheme = builder_.endpoint().scheme;
  const core::Timestamp now = clock_->now();
  auto url = (*s)->presign(request, options);
  if (!url) return std::unexpected(std::move(url.error()));
  core::PresignedRequest out;
  out.method = request.method;
  out.url = std::move(url->url);
  out.headers = std::move(url->headers);
  out.expires_at = now + expires;
  return out;
}

Result<core::PresignedRequest> S3ObjectStore::presign_put(std::string_view key,
                                                          const core::PresignPut& p) {
  if (auto valid = core::validate_object_key(key); !valid) return std::unexpected(valid.error());
  if (p.content_length < 0)
    return core::fail(ErrorCode::kInvalidRequest, "negative content length");
  RequestToSign request =
      builder_.put_object(key, core::PutOptions{.content_type = p.content_type,
                                                .content_length = p.content_length,
                                                .checksum_sha256 = p.checksum_sha256});
  request.headers.emplace_back("Content-Length", std::to_string(p.content_length));
  std::vector<std::string> names;
  for (const auto& [name, value] : request.headers) names.push_back(name);
  return presign(request, names, p.expires);
}

Result<core::PresignedRequest> S3ObjectStore::presign_upload_part(std::string_view key,
                                                                  const core::PresignPart& p) {
  if (auto valid = core::validate_object_key(key); !valid) return std::unexpected(valid.error());
  if (p.upload_id.empty()) return unknown_upload(key);
  if (!core::is_valid_part_number(p.part_number)) {
    return core::fail(ErrorCode::kInvalidRequest, fmt::format("part number {} is outside 1..{}",
                                                              p.part_number, core::kMaxPartNumber));
  }
  RequestToSign request = builder_.upload_part(key, p.upload_id, p.part_number);
  std::vector<std::string> names;
  if (p.content_length) {
    request.headers.emplace_back("Content-Length", std::to_string(*p.content_length));
    names.emplace_back("Content-Length");
  }
  return presign(request, names, p.expires);
}

Result<core::PresignedRequest> S3ObjectStore::presign_get(std::string_view key,
                                                          const core::PresignGet& p) {
  if (auto valid = core::validate_object_key(key); !valid) return std::unexpected(valid.error());
  Params query;
  if (!p.response_content_disposition.empty()) {
    query.emplace_back("response-content-disposition", p.response_content_disposition);
  }
  return presign(builder_.object_request("GET", key, std::move(query)), {}, p.expires);
}

}  // namespace toq::aws
