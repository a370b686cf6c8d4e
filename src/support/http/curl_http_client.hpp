#pragma once
// The libcurl implementation of HttpClient (contract in http_client.hpp).
//
// Connection reuse: a pool of easy handles. A request takes an idle handle (or makes one), uses it
// alone, and gives it back; curl_easy_reset() keeps a handle's live connections, so the next
// request to the same host reuses the TCP (and TLS) connection. This needs no CURLSH locking and
// lets any number of threads send at once (each on its own handle); at most max_idle_handles are
// kept. Redirects are never followed; only http and https are spoken.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "support/http/http_client.hpp"

namespace toq::support {

using SleepFunction = std::function<void(std::chrono::milliseconds)>;
using RandomFunction = std::function<double()>;  // uniform in [0, 1)

class CurlHttpClient final : public HttpClient {
 public:
  // sleep and random are injectable so tests can check the backoff without waiting.
  explicit CurlHttpClient(HttpClientOptions options = {}, SleepFunction sleep = {},
                          RandomFunction random = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  core::Result<HttpResponse> send(const HttpRequest& request) override;

  const HttpClientOptions& options() const { return options_; }

 private:
  struct Handle;
  struct HandleDeleter {
    void operator()(Handle* handle) const noexcept;
  };
  using HandlePtr = std::unique_ptr<Handle, HandleDeleter>;

  core::Result<HandlePtr> acquire();
  void release(HandlePtr handle);

  HttpClientOptions options_;
  SleepFunction sleep_;
  RandomFunction random_;
  std::mutex mutex_;  // guards idle_
  std::vector<HandlePtr> idle_;
};

}  // namespace toq::support
