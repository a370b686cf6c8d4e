#include "adapter/storage/s3_responses.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "support/crypto/random.hpp"
#include "support/text.hpp"
#include "support/xml_escape.hpp"

namespace toq::storage {

namespace {

constexpr std::string_view kInternalErrorMessage =
    "We encountered an internal error. Please try again.";

}  // namespace

std::string s3_error_xml(std::string_view code, std::string_view message,
                         const support::Params& extra, std::string_view request_id) {
  using support::xml_escape;
  std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>)";
  xml += "\n<Error><Code>" + xml_escape(code) + "</Code><Message>" + xml_escape(message) +
         "</Message>";
  for (const auto& [name, value] : extra) {
    xml += "<" + name + ">" + xml_escape(value) + "</" + name + ">";
  }
  xml += "<RequestId>" + xml_escape(request_id) + "</RequestId><HostId>toq-media</HostId></Error>";
  return xml;
}

std::string new_request_id() {
  auto id = support::random_hex(8);
  std::string out = id ? *id : std::string(16, '0');
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

StorageResponse error_response(const S3Error& error, bool with_body) {
  StorageResponse response;
  response.status = error.status;
  response.pending_error_code = error.code;
  response.pending_error_message = error.message;
  response.pending_error_extra = error.extra;
  response.error_body = with_body;
  return response;
}

std::string request_id_of(const StorageRequest& request) {
  return request.request_id.empty() ? new_request_id() : request.request_id;
}

void stamp_request_id(StorageResponse& response, std::string_view request_id) {
  std::erase_if(response.headers,
                [](const auto& h) { return support::iequals(h.first, "x-amz-request-id"); });
  response.headers.emplace_back("x-amz-request-id", std::string{request_id});
  if (!response.pending_error_code) return;
  if (response.error_body) {
    response.body = s3_error_xml(*response.pending_error_code, response.pending_error_message,
                                 response.pending_error_extra, request_id);
    response.headers.emplace_back("Content-Type", "application/xml");
  }
  response.headers.emplace_back("Content-Length", std::to_string(response.body.size()));
  response.pending_error_code.reset();
}

S3Error internal_s3_error() {
  return {500, "InternalError", std::string{kInternalErrorMessage}};
}

StorageResponse internal_error(bool with_body) {
  return error_response(internal_s3_error(), with_body);
}

StorageResponse write_error(const core::Error& error, std::string_view key,
                            std::string_view request_id, const FailureReporter& report) {
  switch (error.code) {
    case core::ErrorCode::kChecksumMismatch:
      return error_response(
          {400, "BadDigest", "The SHA256 you specified did not match the calculated checksum."});
    case core::ErrorCode::kUploadNotFound:
      return error_response({404, "NoSuchUpload",
                             "The specified upload does not exist. The upload ID may be invalid, "
                             "or the upload may have been aborted or completed."});
    case core::ErrorCode::kInvalidRequest:
      return error_response(
          {400, "InvalidArgument", error.client_message(), {{"Key", std::string{key}}}});
    default: break;
  }
  if (report) report(error, request_id, fmt::format("PUT {:.300}", key));
  if (error.code == core::ErrorCode::kInsufficientStorage) {
    auto response = error_response({kInsufficientStorageStatus,
                                    std::string{kInsufficientStorageCode},
                                    error.client_message(),
                                    {{"Key", std::string{key}}, {"Hint", error.hint}}});
    response.headers.emplace_back("Retry-After", std::to_string(kInsufficientStorageRetrySeconds));
    return response;
  }
  return internal_error();
}

}  // namespace toq::storage
