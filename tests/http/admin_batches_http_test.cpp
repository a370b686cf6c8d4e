// The admin routes on the real `toq-media serve` (route_suite.hpp): POST
// /api/v2/admin/listings/media/batches (a page of the history), .../batches/delete and
// .../batches/reprocess, each success shape of the contract and each error code (the
// authorization matrix has who may call them).

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/route_suite.hpp"

namespace toq::testing {
namespace {

using nlohmann::json;

constexpr const char* kHistory = "/api/v2/admin/listings/media/batches";
constexpr const char* kDelete = "/api/v2/admin/listings/media/batches/delete";
constexpr const char* kReprocess = "/api/v2/admin/listings/media/batches/reprocess";

class AdminBatchesHttpTest : public RouteSuite<AdminBatchesHttpTest> {
 protected:
  static const std::string& admin() { return api().token(1, "admin"); }
};

TEST_F(AdminBatchesHttpTest, HistoryDeleteAndReprocessAsTheContractSays) {
  api().register_listing(240, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const auto first = api().completed_batch(240, photos(), photographer());
  api().process(first, {.failed_client_ids = {"f-2"}});
  const auto second = api().completed_batch(240, photos(), photographer());
  api().process(second);

  // Deleting while PROCESSING is refused with code, message and hint; nothing changes.
  auto rerun = api().post(kReprocess, {{"listingIdentityId", 240}, {"batchId", first}}, admin());
  ASSERT_EQ(rerun.raw.status, 202) << rerun.raw.body;
  EXPECT_EQ(rerun.body.at("status"), "PROCESSING");
  auto refused = api().post(kDelete, {{"listingIdentityId", 240}, {"batchId", first}}, admin());
  expect_error(refused, 409, "BATCH_NOT_DELETABLE");
  EXPECT_NE(refused.body.at("message").get<std::string>().find("PROCESSING"), std::string::npos);
  api().process(first);

  auto deleted = api().post(kDelete, {{"listingIdentityId", 240}, {"batchId", second}}, admin());
  ASSERT_EQ(deleted.raw.status, 200) << deleted.raw.body;
  EXPECT_EQ(deleted.body.at("batchId"), second);
  EXPECT_EQ(deleted.body.at("status"), "READY");
  EXPECT_TRUE(deleted.body.at("deletedAt").is_string());
  auto status =
      api().post(kStatus, {{"listingIdentityId", 240}, {"batchId", second}}, photographer());
  expect_error(status, 404, "BATCH_NOT_FOUND");
  auto downloads = api().post(kDownloads, {{"listingIdentityId", 240}}, photographer());
  ASSERT_EQ(downloads.raw.status, 200) << downloads.raw.body;
  EXPECT_EQ(downloads.body.at("batchId"), first);  // the deleted one is no longer served

  auto page = api().post(kHistory, {{"listingIdentityId", 240}, {"limit", 1}}, admin());
  ASSERT_EQ(page.raw.status, 200) << page.raw.body;
  ASSERT_EQ(page.body.at("batches").size(), 1u);
  const auto& newest = page.body.at("batches")[0];
  EXPECT_EQ(newest.at("batchId"), second);
  EXPECT_EQ(newest.at("deleted"), true);
  EXPECT_EQ(newest.at("assets").at("total"), 2);
  EXPECT_EQ(page.body.at("nextCursor"), second);
  auto rest =
      api().post(kHistory, {{"listingIdentityId", 240}, {"cursor", second}, {"limit", 1}}, admin());
  ASSERT_EQ(rest.raw.status, 200) << rest.raw.body;
  const auto& older = rest.body.at("batches")[0];
  EXPECT_EQ(older.at("batchId"), first);
  EXPECT_EQ(older.at("deleted"), false);
  ASSERT_EQ(older.at("jobs").size(), 2u);
  EXPECT_EQ(older.at("jobs")[0].at("status"), "FAILED");
  EXPECT_EQ(older.at("jobs")[0].at("error").at("code"), "CORRUPT_MEDIA");
  EXPECT_EQ(older.at("jobs")[1].at("run"), 2);
  EXPECT_EQ(older.at("jobs")[1].at("status"), "SUCCEEDED");
  EXPECT_TRUE(rest.body.at("nextCursor").is_null());

  expect_error(api().post(kHistory, {{"listingIdentityId", 240}, {"limit", 101}}, admin()), 400,
               "INVALID_REQUEST");
  expect_error(api().post(kHistory, {{"limit", 5}}, admin()), 400, "INVALID_REQUEST");
  expect_error(api().post(kDelete, {{"listingIdentityId", 240}}, admin()), 400, "INVALID_REQUEST");
  expect_error(api().post(kReprocess, {{"listingIdentityId", 240}, {"batchId", second}}, admin()),
               404, "BATCH_NOT_FOUND");
}

}  // namespace
}  // namespace toq::testing
