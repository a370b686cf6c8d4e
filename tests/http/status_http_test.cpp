// POST /api/v2/listings/media/status on the real `toq-media serve` (route_suite.hpp): each success
// shape of the contract and each error code.

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/route_suite.hpp"
#include "support/result_matchers.hpp"

namespace toq::testing {
namespace {

using nlohmann::json;

class StatusHttpTest : public RouteSuite<StatusHttpTest> {};

TEST_F(StatusHttpTest, StatusFollowsTheBatchFromUploadToReady) {
  api().register_listing(210, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const auto files = photos();
  auto created = api().create(210, files, photographer());
  ASSERT_EQ(created.raw.status, 201);
  const std::int64_t batch = created.body.at("batchId");

  auto pending = api().post(kStatus, {{"listingIdentityId", 210}}, photographer());
  ASSERT_EQ(pending.raw.status, 200) << pending.raw.body;
  EXPECT_EQ(pending.body.at("batchId"), batch);
  EXPECT_EQ(pending.body.at("status"), "PENDING_UPLOAD");
  EXPECT_TRUE(pending.body.at("job").is_null());
  EXPECT_EQ(pending.body.at("progress"),
            json({{"total", 2}, {"ready", 0}, {"failed", 0}, {"processing", 2}}));
  EXPECT_TRUE(pending.body.at("error").is_null());
  EXPECT_EQ(pending.raw.header("content-type"), "application/json");
  EXPECT_EQ(pending.raw.header("cache-control"), "no-store");
  // The access log names the batch the answer found (the request named only the listing).
  const auto line = server().await_log("request", "request_id", pending.raw.header("x-request-id"));
  ASSERT_TRUE(line) << server().log_text();
  EXPECT_EQ(line->at("listing_id"), 210);
  EXPECT_EQ(line->at("batch_id"), batch);

  MediaApi::upload_singles(created.body, files);
  ASSERT_EQ(api().complete(210, batch, photographer()).raw.status, 202);
  auto received = api().post(kStatus, {{"listingIdentityId", 210}, {"batchId", batch}}, owner());
  ASSERT_EQ(received.raw.status, 200) << received.raw.body;
  EXPECT_EQ(received.body.at("status"), "RECEIVED");
  EXPECT_EQ(received.body.at("job").at("status"), "QUEUED");
  EXPECT_TRUE(received.body.at("job").at("startedAt").is_null());

  const auto job = api().process(batch);
  auto ready = api().post(kStatus, {{"listingIdentityId", 210}, {"batchId", batch}},
                          api().token(1, "admin"));
  ASSERT_EQ(ready.raw.status, 200) << ready.raw.body;
  const json& b = ready.body;
  EXPECT_EQ(b.at("listingIdentityId"), 210);
  EXPECT_EQ(b.at("status"), "READY");
  EXPECT_TRUE(b.at("createdAt").is_string());
  EXPECT_TRUE(b.at("updatedAt").is_string());
  EXPECT_EQ(b.at("job").at("jobId"), job.id.value);
  EXPECT_EQ(b.at("job").at("status"), "SUCCEEDED");
  EXPECT_EQ(b.at("job").at("attempt"), 1);
  EXPECT_TRUE(b.at("job").at("startedAt").is_string());
  EXPECT_TRUE(b.at("job").at("completedAt").is_string());
  EXPECT_EQ(b.at("progress"), json({{"total", 2}, {"ready", 2}, {"failed", 0}, {"processing", 0}}));
  ASSERT_EQ(b.at("assets").size(), 2U);
  const json& a = b.at("assets")[0];
  EXPECT_TRUE(a.at("assetId").is_number_integer());
  EXPECT_EQ(a.at("clientId"), "f-1");
  EXPECT_EQ(a.at("mediaType"), "PHOTO_HORIZONTAL");
  EXPECT_EQ(a.at("filename"), "IMG_2907.jpg");
  EXPECT_EQ(a.at("title"), "Sala de estar");
  EXPECT_EQ(a.at("sequence"), 1);
  EXPECT_EQ(a.at("status"), "READY");
  EXPECT_EQ(a.at("width"), 6000);
  EXPECT_EQ(a.at("height"), 4000);
  EXPECT_TRUE(a.at("durationSeconds").is_null());
  EXPECT_TRUE(a.at("error").is_null());
  EXPECT_TRUE(b.at("error").is_null());
}

TEST_F(StatusHttpTest, StatusOfAFailedBatchCarriesTheCodes) {
  api().register_listing(211, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const std::vector<UploadFile> files = {{"f-1", "PHOTO_HORIZONTAL", test_bytes(100, 'a'), 1},
                                         {"v-2", "VIDEO_VERTICAL", test_bytes(300, 'v'), 2}};
  const auto batch = api().completed_batch(211, files, photographer());
  api().process(batch, {.failed_client_ids = {"v-2"}});
  auto r = api().post(kStatus, {{"listingIdentityId", 211}, {"batchId", batch}}, photographer());
  ASSERT_EQ(r.raw.status, 200) << r.raw.body;
  EXPECT_EQ(r.body.at("status"), "FAILED");
  EXPECT_EQ(r.body.at("progress"),
            json({{"total", 2}, {"ready", 1}, {"failed", 1}, {"processing", 0}}));
  const json& failed = r.body.at("assets")[1];
  EXPECT_EQ(failed.at("status"), "FAILED");
  EXPECT_EQ(failed.at("error").at("code"), "CORRUPT_MEDIA");
  EXPECT_FALSE(failed.at("error").at("message").get<std::string>().empty());
  EXPECT_FALSE(failed.at("error").at("hint").get<std::string>().empty());
  EXPECT_TRUE(failed.at("width").is_null());
  EXPECT_EQ(r.body.at("error").at("code"), "CORRUPT_MEDIA");
  EXPECT_EQ(r.body.at("job").at("status"), "FAILED");
}

TEST_F(StatusHttpTest, StatusErrors) {
  api().register_listing(212, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  expect_error(api().post(kStatus, {{"listingIdentityId", 212}}, photographer()), 404,
               "BATCH_NOT_FOUND");  // no batch yet
  expect_error(
      api().post(kStatus, {{"listingIdentityId", 212}, {"batchId", 987654}}, photographer()), 404,
      "BATCH_NOT_FOUND");
  expect_error(api().post(kStatus, {{"listingIdentityId", 987654}}, photographer()), 404,
               "LISTING_NOT_FOUND");
  expect_error(api().post(kStatus, {{"listingIdentityId", 212}}, client()), 403, "FORBIDDEN");
  expect_error(api().post(kStatus, {{"listingIdentityId", 212}}, ""), 401, "UNAUTHENTICATED");
  expect_error(api().post(kStatus, {{"batchId", 1}}, photographer()), 400, "INVALID_REQUEST");
  HttpCall garbage;
  garbage.method = "POST";
  garbage.url = server().base_url() + kStatus;
  garbage.headers = {{"Authorization", "Bearer " + photographer()},
                     {"Content-Type", "application/json"}};
  garbage.body = "{not json";
  const auto not_json = http(garbage);
  EXPECT_EQ(not_json.status, 400) << not_json.body;
  EXPECT_NE(not_json.body.find("INVALID_REQUEST"), std::string::npos);
}

}  // namespace
}  // namespace toq::testing
