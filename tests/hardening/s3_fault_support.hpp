#pragma once
// The S3 fault suites' world: the real s3rver of the CTest fixture behind a fault proxy
// (support/s3_fault_proxy.hpp), an S3 store that talks through the proxy with a short timeout and
// a small retry budget, and a second store that talks to s3rver directly to look at what is really
// there.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "adapter/aws/s3_object_store.hpp"
#include "s3/s3_test_support.hpp"
#include "support/http/curl_http_client.hpp"
#include "support/io/byte_sources.hpp"
#include "support/s3_fault_proxy.hpp"

namespace toq::testing {

// Attempts per request of the store under test, and how long it waits for an answer; the proxy's
// slow fault holds a request longer than that.
inline constexpr int kStoreAttempts = 3;
inline constexpr std::chrono::milliseconds kStoreTimeout{800};
inline constexpr std::chrono::milliseconds kSlowAnswer{1300};

inline std::unique_ptr<aws::S3ObjectStore> s3_store_at(const std::string& endpoint,
                                                       const core::Clock& clock) {
  support::HttpClientOptions http;
  http.request_timeout = kStoreTimeout;
  http.retry.max_attempts = kStoreAttempts;
  http.retry.base_delay = std::chrono::milliseconds{1};
  http.retry.max_delay = std::chrono::milliseconds{5};
  aws::S3StoreOptions options;
  options.bucket = s3_target().bucket;
  options.region = s3_target().region;
  options.endpoint = endpoint;
  options.path_style = true;
  options.credentials = std::make_shared<aws::StaticCredentialsProvider>(s3_target().credentials);
  auto made =
      aws::S3ObjectStore::create(options, std::make_shared<support::CurlHttpClient>(http), clock);
  if (!made) throw std::runtime_error(made.error().message);
  return std::move(*made);
}

// The stores sign with the wall clock (s3rver refuses a skewed X-Amz-Date), whatever clock the
// use cases under test are given.
class S3FaultWorld {
 public:
  S3FaultWorld()
      : proxy_(s3_target().endpoint, kSlowAnswer),
        faulty_(s3_store_at(proxy_.base_url(), clock_)),
        direct_(s3_store_at(s3_target().endpoint, clock_)) {}

  S3FaultProxy& proxy() { return proxy_; }
  aws::S3ObjectStore& faulty() { return *faulty_; }  // through the proxy
  aws::S3ObjectStore& direct() { return *direct_; }  // s3rver as it is

  bool exists(std::string_view key) {
    auto h = direct_->head(key);
    if (!h) throw std::runtime_error("direct head failed: " + h.error().message);
    return h->has_value();
  }
  std::string text(std::string_view key) {
    support::BufferSink sink;
    auto got = direct_->get(key, sink);
    if (!got) throw std::runtime_error("direct get failed: " + got.error().message);
    return sink.bytes;
  }
  void put_text(std::string_view key, std::string body) {
    support::MemorySource source{std::move(body)};
    auto put = direct_->put(key, source, {});
    if (!put) throw std::runtime_error("direct put failed: " + put.error().message);
  }

 private:
  core::SystemClock clock_;
  S3FaultProxy proxy_;
  std::unique_ptr<aws::S3ObjectStore> faulty_;
  std::unique_ptr<aws::S3ObjectStore> direct_;
};

}  // namespace toq::testing
