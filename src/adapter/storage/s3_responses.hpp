#pragma once
// The answers the /storage/... routes give in S3's words: the error to send (status, S3 code,
// message, extra elements), its XML document, and the request id every response carries.

#include <string>
#include <string_view>

#include "core/model/error.hpp"

#include "adapter/storage/storage_messages.hpp"
#include "support/uri.hpp"

namespace toq::storage {

// One S3 error answer before it is written out.
struct S3Error {
  int status = 500;
  std::string code;
  std::string message;
  support::Params extra{};  // extra elements of <Error>, in order
};

// S3's XML error document: <Error><Code/><Message/>(extra elements)<RequestId/><HostId/></Error>.
std::string s3_error_xml(std::string_view code, std::string_view message,
                         const support::Params& extra, std::string_view request_id);

// 16 upper-case hex characters, as S3's x-amz-request-id looks.
std::string new_request_id();

// The response for `error`: x-amz-request-id, and (with_body: not for HEAD) the XML document.
StorageResponse error_response(const S3Error& error, bool with_body = true);
// S3's InternalError, as an error and as a response.
S3Error internal_s3_error();
StorageResponse internal_error(bool with_body = true);
// S3's answer to a store error met while writing `key`.
StorageResponse write_error(const core::Error& error, std::string_view key);

}  // namespace toq::storage
