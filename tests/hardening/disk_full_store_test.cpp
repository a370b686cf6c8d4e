// Disk full, for real: the embedded store on a small tmpfs (support/small_disk.hpp). A PUT, a part
// and a multipart complete that meet ENOSPC end in a clear, documented answer (503
// InsufficientStorage with a Hint and Retry-After; INSUFFICIENT_STORAGE through the store API),
// the cause is reported with the request's id, one id is everywhere in the answer, nothing
// partial is left, and once space is back the same request succeeds.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapter/http/handlers/api_handlers.hpp"
#include "adapter/storage/disk_space.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "adapter/storage/storage_request_handler.hpp"
#include "hardening/store_handler_fixture.hpp"
#include "storage/http_client.hpp"
#include "storage/storage_test_support.hpp"
#include "support/io/byte_sources.hpp"
#include "support/result_matchers.hpp"
#include "support/small_disk.hpp"

namespace toq::testing {
namespace {

using namespace std::chrono_literals;
constexpr std::int64_t kMiB = 1024 * 1024;

class DiskFullStore : public StoreHandlerTest {
 protected:
  void SetUp() override {
    TOQ_REQUIRE_SMALL_DISK(disk_);
    open_store(disk_ / "store");
  }

  SmallDisk disk_{8 * kMiB};
};

std::string header_of(const storage::StorageResponse& r, std::string_view name) {
  return std::string{r.header(name)};
}

TEST_F(DiskFullStore, PutOnAFullDiskIsInsufficientStorageWithOneRequestId) {
  disk_.fill_leaving(1 * kMiB);
  const std::string key = "listings/1/batches/2/raw/3";
  const std::string data = noise_bytes(3 * kMiB, 7);
  auto r = put(key, data, "req-disk-full-1");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(xml_element(r.body, "Code"), "InsufficientStorage") << r.body;
  EXPECT_FALSE(xml_element(r.body, "Message").empty());
  EXPECT_FALSE(xml_element(r.body, "Hint").empty()) << r.body;
  EXPECT_EQ(xml_element(r.body, "Key"), key);
  EXPECT_EQ(header_of(r, "Retry-After"), "60");
  // One id: the request's, in the header and the XML, and in the report of the cause.
  EXPECT_EQ(xml_element(r.body, "RequestId"), "req-disk-full-1");
  EXPECT_EQ(header_of(r, "x-amz-request-id"), "req-disk-full-1");
  ASSERT_EQ(reported_.size(), 1U);
  EXPECT_EQ(reported_[0].request_id, "req-disk-full-1");
  EXPECT_EQ(reported_[0].traceparent, kTraceparent);
  EXPECT_EQ(reported_[0].cause.code, core::ErrorCode::kInsufficientStorage);
  EXPECT_NE(reported_[0].cause.message.find("No space left on device"), std::string::npos)
      << reported_[0].cause.message;
  EXPECT_NE(reported_[0].what.find(key), std::string::npos);
  // Nothing partial: no object, no temp file; space back, the same upload succeeds.
  EXPECT_FALSE(must(store_->head(key)).has_value());
  expect_no_temp_files();
  disk_.free_filler();
  auto again = put(key, data, "req-disk-full-2");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(header_of(again, "x-amz-request-id"), "req-disk-full-2");
  support::BufferSink sink;
  must(store_->get(key, sink));
  EXPECT_EQ(sink.bytes, data);
}

// Every other answer carries the request's id too, and a request without one gets a fresh id
// that its header and XML share.
TEST_F(DiskFullStore, EveryAnswerCarriesTheRequestsId) {
  auto url = must(store_->presign_get("listings/1/none", {}));
  auto missing = handler_->begin(request_for(url, "req-get-1"));
  auto& r = std::get<storage::StorageResponse>(missing);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(xml_element(r.body, "RequestId"), "req-get-1");
  EXPECT_EQ(header_of(r, "x-amz-request-id"), "req-get-1");
  auto anonymous = handler_->begin(request_for(url, ""));
  auto& a = std::get<storage::StorageResponse>(anonymous);
  EXPECT_FALSE(header_of(a, "x-amz-request-id").empty());
  EXPECT_EQ(xml_element(a.body, "RequestId"), header_of(a, "x-amz-request-id"));
}

// A part that meets a full disk, and a complete whose assembled object does not fit: clean
// errors, the upload and its parts intact, nothing in .tmp; the retry after space is freed
// completes with the right bytes.
TEST_F(DiskFullStore, MultipartPartAndCompleteOnAFullDisk) {
  const std::string key = "listings/1/batches/2/raw/4";
  const auto id = must(store_->create_multipart(key, {"video/mp4", std::nullopt, std::nullopt}));
  const std::vector<std::string> data = {noise_bytes(2 * kMiB, 1), noise_bytes(1 * kMiB, 2)};
  std::vector<core::CompletedPart> parts;
  for (int n = 1; n <= 2; ++n) {
    support::MemorySource body{data[static_cast<std::size_t>(n - 1)]};
    auto part = must(store_->upload_part(key, id, n, body, std::nullopt));
    parts.push_back({n, part.etag});
  }
  disk_.fill_leaving(static_cast<std::int64_t>(1.5 * kMiB));
  // A third part larger than what is left.
  support::MemorySource big{noise_bytes(2 * kMiB, 3)};
  auto third = store_->upload_part(key, id, 3, big, std::nullopt);
  ASSERT_TRUE(fails_with(third, core::ErrorCode::kInsufficientStorage));
  EXPECT_FALSE(third.error().hint.empty());
  expect_no_temp_files();
  // The complete needs 3 MiB more for the object: it fails cleanly and the upload stays.
  auto done = store_->complete_multipart(key, id, parts);
  ASSERT_TRUE(fails_with(done, core::ErrorCode::kInsufficientStorage));
  EXPECT_FALSE(must(store_->head(key)).has_value());
  expect_no_temp_files();
  auto listed = must(store_->list_parts(key, id));
  ASSERT_EQ(listed.size(), 2U);
  disk_.free_filler();
  must(store_->complete_multipart(key, id, parts), "complete once space is back");
  support::BufferSink sink;
  must(store_->get(key, sink));
  EXPECT_EQ(sink.bytes, data[0] + data[1]);
}

// /readyz reports a data disk below its free-space floor (it said "ready" on a 100% full disk),
// and is ready again once space is back.
TEST_F(DiskFullStore, ReadinessReportsADiskBelowItsFloor) {
  http::handlers::ApiServices services;
  services.check_database = [] { return core::Status{}; };
  services.check_store = [] { return core::Status{}; };
  services.check_disk = [this] { return storage::check_free_space(disk_.path(), 2 * kMiB); };
  std::vector<std::string> failed;
  const auto on_failure = [&](std::string_view name, const core::Error& e) {
    failed.push_back(std::string{name});
    EXPECT_EQ(e.code, core::ErrorCode::kInsufficientStorage);
    EXPECT_NE(e.message.find("dataDirMinFreeBytes"), std::string::npos) << e.message;
  };
  auto ready = http::handlers::handle_readyz(services, on_failure);
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body.at("checks").at("disk"), "ok");
  disk_.fill_leaving(1 * kMiB);
  auto full = http::handlers::handle_readyz(services, on_failure);
  EXPECT_EQ(full.status, 503);
  EXPECT_EQ(full.body.at("checks").at("disk"), "unavailable");
  EXPECT_EQ(full.body.at("checks").at("database"), "ok");
  EXPECT_EQ(failed, std::vector<std::string>{"disk"});
  disk_.free_filler();
  EXPECT_EQ(http::handlers::handle_readyz(services, on_failure).status, 200);
  EXPECT_TRUE(
      fails_with(storage::check_free_space(disk_ / "missing", 1), core::ErrorCode::kStorageError));
}

}  // namespace
}  // namespace toq::testing
