#pragma once
// HTTP transport for the AWS adapters: one interface (HttpTransport) and its libcurl implementation
// (CurlTransport). It sends requests that are already built and signed; it knows nothing about S3
// or SigV4 (s3_requests.hpp builds, sigv4.hpp signs).
//
// Contract of HttpTransport::send():
// - Bodies stream both ways in bounded memory. The request body is pulled from a ByteSource as the
//   socket drains; a 2xx response body is pushed into the caller's ByteSink as it arrives. Any
//   other response body (S3's error XML) and the body of a sink-less call are kept in
//   HttpResponse::body, up to a cap.
// - With content_length set, the source must yield exactly that many bytes: a shorter or longer
//   source fails with INVALID_REQUEST and the request is aborted before its last byte is sent, so
//   the server never sees a complete body of the wrong length.
// - Retries: a network failure, a timeout, 429, 500, 502, 503 (S3's SlowDown) or 504 is tried
//   again, up to RetryPolicy::max_attempts in all, with full-jitter exponential backoff; but only
//   when the body can be replayed (no body, or a ReplayableSource, rewound before each retry) and
//   no byte of the response has reached the sink yet. The signed request is resent as is: a SigV4
//   signature stays valid for 15 minutes, far longer than the backoff.
// - Result: the final response, whatever its status (the caller maps statuses to errors), or
//   STORE_UNAVAILABLE for a network failure / timeout after the retries, CONFIG_INVALID for a URL
//   curl cannot use, INVALID_REQUEST for a body of the wrong length, or the error the source or the
//   sink returned. No exception escapes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

#include "adapter/aws/uri.hpp"

namespace toq::aws {

using core::Result;
using core::Status;

// A request as it goes on the wire.
struct TransportRequest {
  std::string method{};  // "GET", "HEAD", "PUT", "POST", "DELETE"
  std::string url{};     // scheme://authority/path?query, already percent-encoded
  Params headers{};      // sent as given; Host and Content-Length are the transport's own
  // With a body: its exact length. nullopt with a body sends it chunked (S3 refuses that).
  std::optional<std::int64_t> content_length{};
};

struct HttpResponse {
  int status = 0;
  Params headers;    // of the final response (not of a 100 Continue), names as received
  std::string body;  // non-2xx bodies, and 2xx bodies of calls without a sink
  int attempts = 0;  // how many times the request was sent

  // The first header of that name (any case), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

// A body the transport may send more than once: rewind() restarts it at byte 0.
class ReplayableSource : public core::ByteSource {
 public:
  virtual Status rewind() = 0;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // See the contract at the top of this file. `body` and `sink` may be null.
  virtual Result<HttpResponse> send(const TransportRequest& request, core::ByteSource* body,
                                    core::ByteSink* sink) = 0;
};

// Bounded retries with "full jitter" exponential backoff (AWS Architecture Blog, "Exponential
// Backoff and Jitter"): before retry n (1-based) sleep uniform(0, min(max_delay,
// base_delay*2^(n-1))). Full jitter spreads a burst of clients that failed together (a SlowDown)
// over the window instead of bringing them back in lockstep.
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

struct TransportOptions {
  std::chrono::milliseconds connect_timeout{5000};
  // Whole exchange, per attempt; 0 = no limit (multi-GiB bodies rely on the low-speed limit).
  std::chrono::milliseconds request_timeout{0};
  // An attempt slower than low_speed_bytes per second for low_speed_time is abandoned: a stalled
  // connection fails (and is retried) instead of hanging a worker forever.
  std::int64_t low_speed_bytes = 1;
  std::chrono::seconds low_speed_time{30};
  std::size_t max_idle_handles = 16;  // easy handles (and their connections) kept for reuse
  std::size_t max_buffered_body = 16U << 20U;  // sink-less 2xx bodies (XML listings)
  std::size_t max_error_body = 64U << 10U;     // non-2xx bodies, truncated beyond this
  std::string user_agent = "toq-media";
  bool verify_tls = true;
  std::string ca_file;  // empty: the system store
  RetryPolicy retry;
};

using SleepFunction = std::function<void(std::chrono::milliseconds)>;
using RandomFunction = std::function<double()>;  // uniform in [0, 1)

// libcurl implementation.
//
// Connection reuse: a pool of easy handles. A request takes an idle handle (or makes one), uses it
// alone, and gives it back; curl_easy_reset() keeps a handle's live connections, so the next
// request to the same host reuses the TCP (and TLS) connection. This needs no CURLSH locking and
// lets any number of threads send at once (each on its own handle); at most max_idle_handles are
// kept.
//
// sleep and random are injectable so tests can check the backoff without waiting.
class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(TransportOptions options = {}, SleepFunction sleep = {},
                         RandomFunction random = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> send(const TransportRequest& request, core::ByteSource* body,
                            core::ByteSink* sink) override;

  const TransportOptions& options() const { return options_; }

 private:
  struct Handle;
  struct HandleDeleter {
    void operator()(Handle* handle) const noexcept;
  };
  using HandlePtr = std::unique_ptr<Handle, HandleDeleter>;

  Result<HandlePtr> acquire();
  void release(HandlePtr handle);

  TransportOptions options_;
  SleepFunction sleep_;
  RandomFunction random_;
  std::mutex mutex_;  // guards idle_
  std::vector<HandlePtr> idle_;
};

}  // namespace toq::aws
