#pragma once
// The ONE mapping from core::Error to an HTTP answer (api-contract: every error response is
// {"code": "UPPER_SNAKE", "message": "human text", "details": {...}} with `details` optional).
//
// Contract of map_error:
// - Contract codes keep their spelling and get their status: INVALID_MANIFEST 400, INVALID_REQUEST
//   400, UNAUTHENTICATED 401, FORBIDDEN 403, LISTING_NOT_FOUND / BATCH_NOT_FOUND 404,
//   OPEN_BATCH_EXISTS / LISTING_NOT_READY_FOR_UPLOAD / BATCH_NOT_PENDING / BATCH_NOT_RETRYABLE /
//   BATCH_NOT_DELETABLE 409,
//   FILE_TOO_LARGE 413, UNSUPPORTED_MEDIA_TYPE 415, UPLOAD_INCOMPLETE 422; their message is
//   Error::client_message() (the public text, or the code's generic one).
// - Transient infrastructure codes DATABASE_BUSY, DATABASE_UNAVAILABLE and STORE_UNAVAILABLE are
//   503 with their own code and client_message(), and `retry_after_seconds` is set (1).
// - INSUFFICIENT_STORAGE (the disk is full) is 503 with its code and message, Retry-After 60
//   (api_routes logs the cause of every 503 with the request id).
// - Every other code (database errors, store errors, state-machine invariants, INTERNAL ...) is
//   500 INTERNAL_ERROR with a generic message, never Error::message nor public_message, and
//   `internal` is true so the caller logs the real error.
// - details: FieldErrors -> {"fields": [{"field", "reason", "rule"}], "omittedFields"?: n} (n > 0:
//   that many more failures were found than listed); ConflictDetails ->
//   {"<what>": id} (OPEN_BATCH_EXISTS: {"batchId": 51}); UploadIncompleteDetails ->
//   {"missing": [clientId...], "mismatched": [{"clientId", "reason"}]}; no details -> absent.
//   Details are never written on a 500.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/model/error.hpp"

namespace toq::http {

struct HttpError {
  int status = 500;
  nlohmann::json body;          // {"code", "message", "details"?}
  bool internal = false;        // a server-side failure the caller must log
  int retry_after_seconds = 0;  // > 0: send Retry-After
};

HttpError map_error(const core::Error& error);

// 413 PAYLOAD_TOO_LARGE for a request body above server.maxBodyBytes (not a core error: the body
// is refused before any use case sees it).
HttpError payload_too_large(std::int64_t limit_bytes);

// 404 NOT_FOUND for a path no route serves.
HttpError route_not_found();

// The connection layer's own answers (no route saw the request):
// 400 INVALID_REQUEST: the request line or headers are not HTTP/1.1 (`what` says which part).
HttpError malformed_request(std::string_view what);
// 431 HEADERS_TOO_LARGE: the header section is above server.maxHeaderBytes.
HttpError headers_too_large(std::size_t limit_bytes);
// 503 SERVER_BUSY with Retry-After: the connection caps are reached (`what`: which cap).
HttpError server_busy(std::string_view what);

}  // namespace toq::http
