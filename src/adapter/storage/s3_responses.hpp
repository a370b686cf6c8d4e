#pragma once
// The answers the /storage/... routes give in S3's words: the error to send (status, S3 code,
// message, extra elements), its XML document, and the request id every response carries: the
// request's own (StorageRequest::request_id), stamped on by stamp_request_id when the handler hands
// a response out, so the x-amz-request-id, the XML RequestId, the X-Request-Id and the logged
// request_id are one id.

#include <functional>
#include <string>
#include <string_view>

#include "core/model/error.hpp"

#include "adapter/storage/storage_messages.hpp"
#include "support/uri.hpp"

namespace toq::storage {

// The store's disk is full: S3 has no code for it, so this store answers like S3's own "try again
// later" (503, Retry-After) with a code that says what happened (docs/storage.md).
inline constexpr int kInsufficientStorageStatus = 503;
inline constexpr std::string_view kInsufficientStorageCode = "InsufficientStorage";
inline constexpr int kInsufficientStorageRetrySeconds = 60;

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

// The response for `error`; stamp_request_id writes its XML document (with_body: not for HEAD).
StorageResponse error_response(const S3Error& error, bool with_body = true);
// S3's InternalError, as an error and as a response.
S3Error internal_s3_error();
StorageResponse internal_error(bool with_body = true);

// Where the handler reports the cause of a failure it answers with a 5xx: the store's error, the
// request's id and what was being done ("PUT <key>").
using FailureReporter = std::function<void(const core::Error& cause, std::string_view request_id,
                                           std::string_view what)>;

// S3's answer to a store error met while writing `key`. A full disk (INSUFFICIENT_STORAGE: ENOSPC
// or EDQUOT) is 503 InsufficientStorage with a Hint and Retry-After, never a bare InternalError;
// every 5xx reports its cause to `report` (when set) with the request id.
StorageResponse write_error(const core::Error& error, std::string_view key,
                            std::string_view request_id, const FailureReporter& report);

// The request id a handler answers with: the request's, or a new one when it has none.
std::string request_id_of(const StorageRequest& request);
// Gives `response` its request id: sets x-amz-request-id and writes a pending error's XML
// document (RequestId included), Content-Type and Content-Length. Idempotent.
void stamp_request_id(StorageResponse& response, std::string_view request_id);

}  // namespace toq::storage
