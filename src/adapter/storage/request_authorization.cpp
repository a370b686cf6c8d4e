// StorageRequestHandler::authorize(): everything a /storage/ request must get right before the
// store is touched, in the order S3 checks it: the target, the signature (store_sigv4.hpp), the
// x-amz-* headers, the sub-resources of the query, and an upload's own headers.

#include <algorithm>
#include <charconv>
#include <exception>

#include <fmt/format.h>

#include "core/model/manifest.hpp"

#include "adapter/storage/storage_request_handler.hpp"
#include "support/http_syntax.hpp"
#include "support/text.hpp"

namespace toq::storage {

namespace {

// x-amz-* headers this store understands (when signed).
bool supported_amz_header(std::string_view lower, std::string_view value) {
  return lower == "x-amz-checksum-sha256" || lower == "x-amz-date" ||
         lower == "x-amz-security-token" ||
         (lower == "x-amz-sdk-checksum-algorithm" && value == "SHA256") ||
         (lower == "x-amz-content-sha256" && value == "UNSIGNED-PAYLOAD");
}

}  // namespace

std::optional<S3Error> StorageRequestHandler::check_target(const StorageRequest& request,
                                                           Authorized& auth) const {
  if (request.method != "GET" && request.method != "HEAD" && request.method != "PUT") {
    return S3Error{405,
                   "MethodNotAllowed",
                   "The specified method is not allowed against this resource.",
                   {{"Method", request.method}, {"ResourceType", "OBJECT"}}};
  }
  if (!request.raw_path.starts_with(kRoutePrefix)) {
    return S3Error{400, "InvalidRequest", "The path is not under /storage/."};
  }
  auth.key = support::uri_decode(std::string_view{request.raw_path}.substr(kRoutePrefix.size()));
  if (!core::validate_object_key(auth.key)) {
    return S3Error{400, "InvalidArgument", "The object key is not valid."};
  }
  auth.query = support::parse_query(request.raw_query);
  return std::nullopt;
}

std::optional<S3Error> StorageRequestHandler::check_signature(const StorageRequest& request,
                                                              const Authorized& auth) const {
  const bool has_query_auth = find_param(auth.query, "X-Amz-Signature").has_value() ||
                              find_param(auth.query, "X-Amz-Credential").has_value() ||
                              find_param(auth.query, "X-Amz-Algorithm").has_value();
  if (!has_query_auth) {
    if (find_header(request.headers, "Authorization")) {
      return S3Error{403, "AccessDenied",
                     "This store accepts presigned URLs (query authentication) only."};
    }
    return S3Error{403, "AccessDenied", "Access Denied"};
  }
  auto refusal = store_->sigv4().check(request, config_.max_clock_skew);
  if (!refusal) return internal_s3_error();
  return std::move(*refusal);
}

// x-amz-* headers change what S3 does; on a presigned request they must have been signed.
std::optional<S3Error> StorageRequestHandler::check_amz_headers(const StorageRequest& request,
                                                                Authorized& auth) const {
  const auto signed_list = find_param(auth.query, "X-Amz-SignedHeaders").value_or("");
  std::size_t start = 0;
  while (start <= signed_list.size()) {
    const auto end = std::min(signed_list.find(';', start), signed_list.size());
    if (end > start) auth.signed_headers.emplace_back(signed_list.substr(start, end - start));
    start = end + 1;
  }
  std::string unsigned_headers;
  for (const auto& [name, value] : request.headers) {
    const std::string lower = support::to_lower(name);
    if (!lower.starts_with("x-amz-")) continue;
    if (!std::ranges::binary_search(auth.signed_headers, lower)) {
      unsigned_headers += unsigned_headers.empty() ? lower : ", " + lower;
      continue;
    }
    if (!supported_amz_header(lower, value)) {
      return S3Error{501,
                     "NotImplemented",
                     "A header you provided implies functionality that is not implemented.",
                     {{"Header", lower}}};
    }
  }
  if (!unsigned_headers.empty()) {
    return S3Error{403,
                   "AccessDenied",
                   "There were headers present in the request which were not signed",
                   {{"HeadersNotSigned", unsigned_headers}}};
  }
  if (find_header(request.headers, "Content-MD5")) {
    return S3Error{501,
                   "NotImplemented",
                   "Content-MD5 is not supported by this store; sign x-amz-checksum-sha256.",
                   {{"Header", "Content-MD5"}}};
  }
  return std::nullopt;
}

// Sub-resources: only object PUT/GET/HEAD and part PUT exist here.
std::optional<S3Error> StorageRequestHandler::check_subresources(const StorageRequest& request,
                                                                 Authorized& auth) const {
  for (const auto& [name, value] : auth.query) {
    const bool known = name.starts_with("X-Amz-") || name == "partNumber" || name == "uploadId" ||
                       name.starts_with("response-") || name == "x-id";
    if (!known) {
      return S3Error{501,
                     "NotImplemented",
                     "A header or query you provided implies functionality that is not "
                     "implemented.",
                     {{"Parameter", name}}};
    }
    if (name.starts_with("response-") && !is_header_safe(value)) {
      return S3Error{400, "InvalidArgument", "A response header override is not valid."};
    }
  }
  const auto part_number = find_param(auth.query, "partNumber");
  const auto upload_id = find_param(auth.query, "uploadId");
  if (!part_number && !upload_id) return std::nullopt;
  if (request.method != "PUT") {
    return S3Error{501, "NotImplemented",
                   "Reading parts or listing uploads is not implemented by this store."};
  }
  if (!part_number || !upload_id) {
    return S3Error{400, "InvalidArgument", "partNumber and uploadId go together."};
  }
  const auto n = support::parse_decimal<int>(*part_number);
  if (!n || !core::is_valid_part_number(*n)) {
    return S3Error{400,
                   "InvalidArgument",
                   "Part number must be an integer between 1 and 10000, inclusive",
                   {{"ArgumentName", "partNumber"}, {"ArgumentValue", std::string{*part_number}}}};
  }
  auth.part_number = *n;
  auth.upload_id = *upload_id;
  return std::nullopt;
}

std::optional<S3Error> StorageRequestHandler::check_upload_headers(const StorageRequest& request,
                                                                   Authorized& auth) const {
  const auto length = find_header(request.headers, "Content-Length");
  if (!length || find_header(request.headers, "Transfer-Encoding")) {
    return S3Error{411, "MissingContentLength", "You must provide the Content-Length HTTP header."};
  }
  const auto n = support::parse_decimal<std::int64_t>(support::trim_ows(*length));
  if (!n) return S3Error{400, "InvalidArgument", "Content-Length is not a number."};
  if (*n > kMaxPutSize) {
    return S3Error{
        400,
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
        {{"ProposedSize", std::to_string(*n)}, {"MaxSizeAllowed", std::to_string(kMaxPutSize)}}};
  }
  auth.content_length = *n;
  if (const auto checksum = find_header(request.headers, "x-amz-checksum-sha256")) {
    const auto value = support::trim_ows(*checksum);
    if (!core::is_base64_sha256(value)) {
      return S3Error{400, "InvalidRequest", "Value for x-amz-checksum-sha256 header is invalid."};
    }
    auth.checksum_sha256 = std::string{value};
  }
  auth.content_type = std::string{
      find_header(request.headers, "Content-Type").value_or("application/octet-stream")};
  if (auth.content_type.size() > kMaxContentTypeSize || !is_header_safe(auth.content_type)) {
    return S3Error{400, "InvalidArgument", "The Content-Type header is not valid."};
  }
  return std::nullopt;
}

std::variant<StorageResponse, StorageRequestHandler::Authorized> StorageRequestHandler::authorize(
    const StorageRequest& request) const {
  const bool head = request.method == "HEAD";
  Authorized auth;
  std::optional<S3Error> refusal = check_target(request, auth);
  if (!refusal) refusal = check_signature(request, auth);
  if (!refusal) refusal = check_amz_headers(request, auth);
  if (!refusal) refusal = check_subresources(request, auth);
  if (!refusal && request.method == "PUT") refusal = check_upload_headers(request, auth);
  if (refusal) return error_response(*refusal, !head);
  return auth;
}

}  // namespace toq::storage
