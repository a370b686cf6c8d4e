#pragma once
// What a route sees of one HTTP exchange, independent of the connection layer (no Asio, no Beast):
// the request as its headers arrived, the response it gives, and the plan it chooses for the body.
//
// A route runs on an I/O thread as soon as the request's headers are complete, before any byte of
// the body is read, and must not block: it inspects the headers (authentication, declared length,
// presigned signature) and returns a Plan. Whatever blocks (a database, a file) is in a function
// the Plan names, which the server runs on one of its bounded worker pools; while it runs, the
// connection reads nothing more from its client.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/port/object_store.hpp"

#include "support/uri.hpp"

namespace toq::http {

using Headers = support::Params;

struct Request {
  std::string method;          // as sent: "GET", "PUT", ...
  std::string target;          // the request-target as sent ("/storage/a%20b?X-Amz-...")
  std::string path;            // the target's path, percent-decoded
  std::string query;           // the target's query after '?', still encoded
  Headers headers;             // as sent, names in their case, in order
  std::string client_address;  // the peer's IP address
  std::string request_id;      // set by ServerHooks::identify, for the routes and the log
  // The W3C traceparent the exchange carries on (support/trace_context.hpp): the client's when
  // valid, else a new trace; set by ServerHooks::identify.
  std::string traceparent{};
  // The body's framing: a declared Content-Length, or chunked (length unknown), or neither (none).
  std::optional<std::int64_t> content_length;
  bool chunked = false;
  // The values of the matched pattern's {name} segments, in order (percent-decoded).
  std::vector<std::string> params;

  // The first value of a header (any case), "" when absent.
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  bool has_body() const { return chunked || content_length.value_or(0) > 0; }
};

struct Response {
  int status = 200;
  // Sent as given. Content-Length is added for `body` (or taken from `stream_length`) unless the
  // route set it (a HEAD answer describing the body it would have).
  Headers headers;
  std::string body;
  // A body pulled piece by piece: each call (on the storage pool, never two at once) fills the
  // buffer with the next bytes and returns how many; the server writes each piece from its I/O
  // threads before asking for the next, so a slow client holds a worker only while a piece is
  // read, never while it is sent (constant memory; the write deadline applies per piece). Exactly
  // `stream_length` bytes; an error or an early 0 closes the connection mid-body.
  std::function<core::Result<std::size_t>(std::span<std::byte>)> stream;
  std::int64_t stream_length = 0;
  // Close the connection after this response (the request body may be left unread).
  bool close = false;
  // Not sent: the ids the answer concerns ({"batch_id", 51}), for the access log.
  std::vector<std::pair<std::string, std::int64_t>> log_ids{};

  std::string_view header(std::string_view name) const;
  // Replaces every header of that name (any case).
  void set_header(std::string_view name, std::string value);
};

// Consumes a streamed request body on a worker pool, one piece at a time, never two at once.
class BodyConsumer {
 public:
  virtual ~BodyConsumer() = default;
  // false: stop reading; finish() holds the answer.
  virtual bool write(std::span<const std::byte> data) = 0;
  // The end: `complete` is false when the client stopped before the whole body arrived (closed,
  // or too slow: see the server's deadlines).
  virtual Response finish(bool complete) = 0;
};

// Which bounded worker pool runs a plan's blocking part: the use cases (database) and the store's
// file I/O have their own, so a burst of one never queues the other.
enum class Pool : unsigned char { kApi, kStorage };

// Answer without looking at the body: a Response. The body, if any, is drained (up to the
// server's drain limit) or the connection closed; "Expect: 100-continue" is never confirmed.
using Answer = Response;

// Run `handle` on `pool`; no body expected (one sent anyway is drained like Answer's).
struct Run {
  Pool pool = Pool::kApi;
  std::function<Response(const Request&)> handle;
};

// Read the whole body into memory (at most `max_bytes`), then run `handle` on `pool`.
struct ReadBody {
  std::int64_t max_bytes = 0;
  Pool pool = Pool::kApi;
  std::function<Response(const Request&, std::string body)> handle;
  // The answer to a body over max_bytes (declared, or counted while reading a chunked one).
  std::function<Response()> too_large;
  // The answer when the client stops before the end of the body (the connection then closes).
  std::function<Response()> incomplete;
};

// Open a consumer on `pool` (it may refuse with a Response, the body unread), then stream the
// body into it piece by piece on the same pool.
struct StreamBody {
  Pool pool = Pool::kStorage;
  std::function<std::variant<Response, std::unique_ptr<BodyConsumer>>(const Request&)> open;
};

using Plan = std::variant<Answer, Run, ReadBody, StreamBody>;

// A route: called on an I/O thread with the request's headers; must not block.
using Route = std::function<Plan(const Request&)>;

// Hooks around every exchange (all optional; called on I/O threads; must not block).
struct ServerHooks {
  // First, for every exchange, the connection layer's own answers (431, 400, 503) included:
  // sets request.request_id and request.traceparent from what the headers carry (the 503 of a
  // refused connection has none).
  std::function<void(Request& request)> identify;
  // Before routing: may answer at once (a CORS preflight).
  std::function<std::optional<Response>(Request& request)> before;
  // Every response, just before it is written (request id, traceparent, CORS headers); also
  // the connection layer's own answers.
  std::function<void(const Request&, Response&)> decorate;
  // After the response was written (or the connection failed while writing): access log, metrics;
  // also after the connection layer's own answers, so each has its log line under its request id.
  std::function<void(const Request&, const Response&, std::chrono::nanoseconds elapsed)> done;
  // No route matches the path and method.
  std::function<Response(const Request&)> not_found;
  // The header section is over the server's limit: only the request line is known (method,
  // target, path; no headers). Default: 431 HEADERS_TOO_LARGE. The connection then closes.
  std::function<Response(const Request&)> headers_too_large;
};

}  // namespace toq::http
