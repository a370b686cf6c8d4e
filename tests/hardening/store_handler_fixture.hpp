#pragma once
// The embedded store with its S3 request handler, for the suites that make its disk fail (full,
// or EIO): PUTs through presigned URLs as the server would hand them over, and every failure the
// handler reports (cause, request id, what it was doing) kept for the test to check.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapter/storage/local_object_store.hpp"
#include "adapter/storage/storage_request_handler.hpp"
#include "storage/storage_test_support.hpp"
#include "support/io/byte_sources.hpp"
#include "support/manual_clock.hpp"
#include "support/result_matchers.hpp"

namespace toq::testing {

class StoreHandlerTest : public ::testing::Test {
 protected:
  // The traceparent every request of put() carries, to be found again in reported_.
  static constexpr const char* kTraceparent =
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  struct Reported {
    std::string request_id;
    std::string traceparent;
    std::string what;
    core::Error cause;
  };

  // The store at `root` (parts from 64 KiB) and its handler.
  void open_store(const std::filesystem::path& root) {
    store_ = open_local_store(root, "http://media.example:8080", clock_, 64 * 1024);
    storage::StorageHandlerConfig config;
    config.report_failure = [this](const core::Error& e, std::string_view id,
                                   std::string_view trace, std::string_view what) {
      reported_.push_back({std::string{id}, std::string{trace}, std::string{what}, e});
    };
    handler_.emplace(*store_, config);
  }

  static storage::StorageRequest request_for(const core::PresignedRequest& r, std::string id) {
    return storage_request_for(r.method, r.url, r.headers, "media.example:8080", std::move(id));
  }

  storage::StorageResponse put(const std::string& key, const std::string& data, std::string id) {
    auto url = must(store_->presign_put(key, {"video/mp4", static_cast<std::int64_t>(data.size()),
                                              std::nullopt, std::chrono::seconds{600}}));
    auto req = request_for(url, std::move(id));
    req.traceparent = kTraceparent;
    req.headers.emplace_back("Content-Length", std::to_string(data.size()));
    support::MemorySource body{data};
    return handler_->handle(req, body);
  }

  void expect_no_temp_files() {
    EXPECT_TRUE(files_under(store_->temp_dir()).empty())
        << "left in .tmp: " << files_under(store_->temp_dir()).size();
  }

  ManualClock clock_{pinned_now()};
  std::unique_ptr<storage::LocalObjectStore> store_;
  std::optional<storage::StorageRequestHandler> handler_;
  std::vector<Reported> reported_;
};

}  // namespace toq::testing
