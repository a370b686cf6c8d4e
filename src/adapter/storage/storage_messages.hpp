#pragma once
// The messages of the /storage/... routes, independent of any HTTP library: the request as the
// server received it, the response to send, and the consumer of an authorized upload's body.
// adapter/http translates them to and from its server's types.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

#include "support/uri.hpp"

namespace toq::storage {

struct StorageRequest {
  std::string method;       // "GET", "HEAD", "PUT", "OPTIONS", ...
  std::string raw_path;     // "/storage/listings/28/..." still percent-encoded, as received
  std::string raw_query;    // after '?', still percent-encoded
  support::Params headers;  // as received, any case; must include Host
  // The id the server gave this request (its X-Request-Id, in the access log): the answer's
  // x-amz-request-id and the RequestId of its XML error. Empty: the handler makes one.
  std::string request_id;
  // The W3C traceparent the server carries for this request ("" when none): reported with the
  // cause of a 5xx, so the failure's log line carries the request's trace.
  std::string traceparent;
};

struct StorageResponse {
  int status = 200;
  // Every header of the response, Content-Type and Content-Length included (they describe `body`
  // or `stream`; for HEAD, the object).
  support::Params headers;
  std::string body;  // an XML error document, or empty
  // GET: the body, pulled piece by piece after the handler returned: each call fills the buffer
  // with the next bytes and returns how many (0 once stream_length bytes were given), on any
  // thread but never two at once. Pulled, not pushed, so the server holds a worker only while a
  // piece is read from disk, never while a slow client takes it.
  std::function<core::Result<std::size_t>(std::span<std::byte>)> stream;
  std::int64_t stream_length = 0;
  // The request body was not read; the connection must not be reused for another request.
  bool close_connection = false;
  // An S3 error to render (stamp_request_id, s3_responses.hpp): its XML body is written with the
  // request's id when the handler hands the response out.
  std::optional<std::string> pending_error_code;
  std::string pending_error_message;
  support::Params pending_error_extra;
  bool error_body = true;  // false for HEAD: no XML body

  // The first value of a header (any case), or "" when absent.
  std::string_view header(std::string_view name) const;
};

// Consumes the body of an authorized PUT. Not thread-safe; one per request.
class UploadBody {
 public:
  virtual ~UploadBody() = default;
  // The next piece of the body. false: stop sending; finish() holds the error.
  virtual bool write(std::span<const std::byte> data) = 0;
  // The end of the body. `complete` is false when the connection ended before Content-Length
  // bytes arrived (or the body could not be read): nothing is stored then.
  virtual StorageResponse finish(bool complete) = 0;
};

// The first value of a header (any case) or of a query parameter (exact name), or nullopt.
std::optional<std::string_view> find_header(const support::Params& headers, std::string_view name);
std::optional<std::string_view> find_param(const support::Params& params, std::string_view name);

}  // namespace toq::storage
