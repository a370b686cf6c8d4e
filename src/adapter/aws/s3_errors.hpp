#pragma once
// S3's answers as the ports' errors: which S3 error code (or, without a body, which HTTP status)
// becomes which core::ErrorCode, with the message a caller may be shown.

#include <expected>
#include <optional>
#include <string_view>

#include "core/model/error.hpp"

#include "adapter/aws/s3_xml.hpp"

namespace toq::aws {

// A 2xx status: the request did what it asked.
inline bool ok_status(int status) {
  return status >= 200 && status < 300;
}

// The port error for an S3 error response (status and, when the body had one, S3's <Error>).
core::Error map_s3_error(int status, const std::optional<S3Error>& error,
                         std::string_view operation, std::string_view key);

// UPLOAD_NOT_FOUND for a multipart call with an empty upload id: no upload has that id.
std::unexpected<core::Error> unknown_upload(std::string_view key);

// What a caller may be shown for an error code the S3 adapter reports ("" for the others).
std::string_view s3_public_message(core::ErrorCode code);

}  // namespace toq::aws
