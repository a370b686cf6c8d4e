#include "adapter/aws/s3_errors.hpp"

#include <fmt/format.h>

namespace toq::aws {

using core::ErrorCode;

std::string_view s3_public_message(ErrorCode code) {
  switch (code) {
    case ErrorCode::kObjectNotFound: return "The object does not exist.";
    case ErrorCode::kUploadNotFound: return "The multipart upload does not exist.";
    case ErrorCode::kInvalidPart: return "A part of the multipart upload is missing or differs.";
    case ErrorCode::kInvalidRange: return "The requested range is not satisfiable.";
    case ErrorCode::kEntityTooSmall: return "A part of the multipart upload is too small.";
    case ErrorCode::kAccessDenied: return "Access to the object store was denied.";
    case ErrorCode::kChecksumMismatch: return "The upload does not match its checksum.";
    case ErrorCode::kStoreUnavailable: return "The object store is not available right now.";
    default: return "";
  }
}

core::Error map_s3_error(int status, const std::optional<S3Error>& error,
                         std::string_view operation, std::string_view key) {
  const std::string code = error ? error->code : "";
  ErrorCode mapped = ErrorCode::kStorageError;
  if (code == "NoSuchKey") {
    mapped = ErrorCode::kObjectNotFound;
  } else if (code == "NoSuchUpload") {
    mapped = ErrorCode::kUploadNotFound;
  } else if (code == "InvalidPart" || code == "InvalidPartOrder") {
    mapped = ErrorCode::kInvalidPart;
  } else if (code == "InvalidRange") {
    mapped = ErrorCode::kInvalidRange;
  } else if (code == "EntityTooSmall") {
    mapped = ErrorCode::kEntityTooSmall;
  } else if (code == "AccessDenied" || code == "SignatureDoesNotMatch" ||
             code == "InvalidAccessKeyId" || code == "ExpiredToken" || code == "InvalidToken" ||
             code == "TokenRefreshRequired" || code == "RequestTimeTooSkewed") {
    mapped = ErrorCode::kAccessDenied;
  } else if (code == "BadDigest" || code == "XAmzContentSHA256Mismatch") {
    mapped = ErrorCode::kChecksumMismatch;
  } else if (code == "IncompleteBody" || code == "MissingContentLength" ||
             code == "InvalidDigest" || code == "InvalidArgument" || code == "InvalidRequest" ||
             code == "KeyTooLongError" || code == "EntityTooLarge" || code == "MalformedXML") {
    mapped = ErrorCode::kInvalidRequest;
  } else if (code == "NoSuchBucket") {
    mapped = ErrorCode::kConfigInvalid;
  } else if (code == "SlowDown" || code == "InternalError" || code == "ServiceUnavailable" ||
             code == "RequestTimeout") {
    mapped = ErrorCode::kStoreUnavailable;
  } else if (code.empty()) {
    // HEAD responses have no body; some proxies answer with HTML.
    if (status == 404) mapped = ErrorCode::kObjectNotFound;
    if (status == 403 || status == 401) mapped = ErrorCode::kAccessDenied;
    if (status == 416) mapped = ErrorCode::kInvalidRange;
  }
  if (code.empty() || mapped == ErrorCode::kStorageError) {
    if (status == 416) mapped = ErrorCode::kInvalidRange;
    if (status >= 500 || status == 429) mapped = ErrorCode::kStoreUnavailable;
  }
  std::string message = fmt::format("S3 {} '{:.200}': HTTP {}", operation, key, status);
  if (error) {
    message += fmt::format(" {}: {}", error->code, error->message);
    if (!error->request_id.empty()) message += fmt::format(" (request id {})", error->request_id);
  }
  return core::make_error(mapped, std::move(message), std::string{s3_public_message(mapped)});
}

std::unexpected<core::Error> unknown_upload(std::string_view key) {
  return core::fail(ErrorCode::kUploadNotFound,
                    fmt::format("empty multipart upload id for '{:.200}'", key),
                    "The multipart upload does not exist.");
}

}  // namespace toq::aws
