#pragma once
// The HTTP client toq-media calls other services with: S3, webhook receivers, the ECS credentials
// endpoint, and the AWS JSON APIs (SQS, Step Functions) and Lambda Runtime API of the AWS mode.
// One interface (HttpClient) and its libcurl implementation (curl_http_client.hpp). It sends
// requests that are already built, and signed where the service wants that; it knows nothing of
// S3, SigV4 or webhooks.
//
// Contract of HttpClient::send():
// - Bodies stream both ways in bounded memory. The request body is pulled from request.body as the
//   socket drains; a 2xx response body is pushed into request.sink as it arrives. Any other
//   response body (an error document) and the body of a sink-less request are kept in
//   HttpResponse::body, up to a cap.
// - With content_length set, the body must yield exactly that many bytes: a shorter or longer one
//   fails with INVALID_REQUEST and the request is aborted before its last byte is sent, so the
//   server never sees a complete body of the wrong length.
// - Time, per attempt: the connection within connect_timeout, the whole exchange within
//   request.timeout (unset: the client's request_timeout), and a stalled transfer (slower than
//   low_speed_bytes per second for low_speed_time) is abandoned. kNoTimeout lifts both limits, for
//   a long poll that waits as long as the server holds it.
// - Retries: a network failure, a timeout, 429, 500, 502, 503 or 504 is tried again, up to
//   request.max_attempts (unset: the policy's) in all, with full-jitter exponential backoff; but
//   only when the body can be replayed (no body, or a ReplayableSource, rewound before each retry)
//   and no byte of the response has reached the sink yet. A signed request is resent as is.
// - Result: the final response, whatever its status (the caller maps statuses to errors), or the
//   client's unreachable_code for a network failure or timeout after the retries, CONFIG_INVALID
//   for a URL it cannot use, INVALID_REQUEST for a body of the wrong length, or the error the body
//   or the sink returned. No exception escapes.
// - Thread-safe: any number of threads may send at once.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

#include "support/uri.hpp"

namespace toq::support {

// HttpRequest::timeout for a request that may wait as long as the server holds it.
inline constexpr std::chrono::milliseconds kNoTimeout = std::chrono::milliseconds::max();

// A request as it goes on the wire.
struct HttpRequest {
  std::string method = "GET";  // "GET", "HEAD", "PUT", "POST", "DELETE"
  std::string url{};           // scheme://authority/path?query, already percent-encoded
  Params headers{};            // sent as given; Host and Content-Length are the client's own
  // The body, or null for none. A ReplayableSource (byte_sources.hpp) may be resent on a retry.
  core::ByteSource* body = nullptr;
  // With a body: its exact length. nullopt with a body sends it chunked (S3 refuses that).
  std::optional<std::int64_t> content_length{};
  // Where a 2xx response body goes; null keeps it in HttpResponse::body.
  core::ByteSink* sink = nullptr;
  // The whole exchange, per attempt; unset: the client's request_timeout. kNoTimeout: no limit.
  std::optional<std::chrono::milliseconds> timeout{};
  // Attempts in all, the first included; unset: the client's retry policy.
  std::optional<int> max_attempts{};
};

struct HttpResponse {
  int status = 0;
  Params headers;    // of the final response (not of a 100 Continue), names as received
  std::string body;  // non-2xx bodies, and 2xx bodies of requests without a sink
  int attempts = 0;  // how many times the request was sent

  // The first header of that name (any case), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // See the contract at the top of this file.
  virtual core::Result<HttpResponse> send(const HttpRequest& request) = 0;
};

// Bounded retries with "full jitter" exponential backoff (AWS Architecture Blog, "Exponential
// Backoff and Jitter"): before retry n (1-based) sleep uniform(0, min(max_delay,
// base_delay*2^(n-1))). Full jitter spreads a burst of clients that failed together (S3's
// SlowDown) over the window instead of bringing them back in lockstep.
struct RetryPolicy {
  int max_attempts = 4;  // the first try included; 1 = never retry
  std::chrono::milliseconds base_delay{50};
  std::chrono::milliseconds max_delay{2000};

  // The backoff ceiling before retry `retry` (1-based).
  std::chrono::milliseconds ceiling(int retry) const;
  // The sleep before retry `retry`, given a uniform random number in [0, 1).
  std::chrono::milliseconds delay(int retry, double unit_random) const;
  // 429, 500, 502, 503 (S3's SlowDown), 504.
  static bool retryable_status(int status);
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  // Whole exchange, per attempt; 0 = no limit (multi-GiB bodies rely on the stall check).
  std::chrono::milliseconds request_timeout{0};
  // An attempt slower than low_speed_bytes per second for low_speed_time is abandoned: a stalled
  // connection fails (and is retried) instead of hanging a worker forever. 0 bytes: no check.
  std::int64_t low_speed_bytes = 1;
  std::chrono::seconds low_speed_time{30};
  std::size_t max_idle_handles = 16;           // connections kept for reuse
  std::size_t max_buffered_body = 16U << 20U;  // sink-less 2xx bodies (XML listings)
  std::size_t max_error_body = 64U << 10U;     // non-2xx bodies, truncated beyond this
  std::string user_agent = "toq-media";
  bool verify_tls = true;
  std::string ca_file{};  // empty: the system store
  RetryPolicy retry{};
  // What a network failure or timeout becomes, in the caller's vocabulary: the code (the error
  // mapper answers STORE_UNAVAILABLE with 503) and the public message a client may be shown.
  core::ErrorCode unreachable_code = core::ErrorCode::kStoreUnavailable;
  std::string unreachable_message = "The service is not reachable right now.";
};

}  // namespace toq::support
