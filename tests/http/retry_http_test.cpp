// POST /api/v2/listings/media/uploads/retry on the real `toq-media serve` (route_suite.hpp): each
// success shape of the contract and each error code.

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
constexpr std::int64_t kMiB = 1024 * 1024;

class RetryHttpTest : public RouteSuite<RetryHttpTest> {};

TEST_F(RetryHttpTest, RetryAFailedBatchOnceThenItIsNotRetryable) {
  api().register_listing(230, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const auto batch = api().completed_batch(230, photos(), photographer());
  const auto first = api().process(batch, {.failed_client_ids = {"f-2"}});
  auto r = api().post(kRetry, {{"listingIdentityId", 230}, {"batchId", batch}}, photographer());
  ASSERT_EQ(r.raw.status, 202) << r.raw.body;
  EXPECT_EQ(r.body.at("batchId"), batch);
  EXPECT_EQ(r.body.at("status"), "PROCESSING");
  const std::int64_t job = r.body.at("jobId");
  EXPECT_NE(job, first.id.value);
  auto status = api().post(kStatus, {{"listingIdentityId", 230}}, photographer());
  EXPECT_EQ(status.body.at("status"), "PROCESSING");
  EXPECT_EQ(status.body.at("job").at("jobId"), job);
  EXPECT_EQ(status.body.at("progress").at("processing"), 2);

  auto again = api().post(kRetry, {{"listingIdentityId", 230}, {"batchId", batch}}, owner());
  expect_error(again, 409, "BATCH_NOT_RETRYABLE");
  EXPECT_EQ(again.body.at("details").at("jobId"), job);

  // The new run finishes READY; a READY batch may be reprocessed again.
  api().process(batch);
  auto ready_retry =
      api().post(kRetry, {{"listingIdentityId", 230}, {"batchId", batch}}, api().token(1, "admin"));
  EXPECT_EQ(ready_retry.raw.status, 202) << ready_retry.raw.body;
}

TEST_F(RetryHttpTest, ConcurrentRetriesCreateOneJob) {
  api().register_listing(231, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const auto batch = api().completed_batch(231, photos(), photographer());
  api().process(batch, {.failed_client_ids = {"f-1"}});
  constexpr int kCallers = 20;
  std::vector<ApiReply> replies(kCallers);
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  const json body = {{"listingIdentityId", 231}, {"batchId", batch}};
  const std::string token = photographer();
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      replies[static_cast<std::size_t>(i)] = api().post(kRetry, body, token);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  int accepted = 0;
  std::set<std::int64_t> jobs;
  for (const auto& r : replies) {
    if (r.raw.status == 202) {
      ++accepted;
      jobs.insert(r.body.at("jobId").get<std::int64_t>());
    } else {
      ASSERT_EQ(r.raw.status, 409) << r.raw.body;
      EXPECT_EQ(r.body.at("code"), "BATCH_NOT_RETRYABLE");
      jobs.insert(r.body.at("details").at("jobId").get<std::int64_t>());
    }
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(jobs.size(), 1U);  // every loser names the winner's job
  auto rows = must(api().database().transact(
      [&](core::UnitOfWork& u) { return u.jobs().list_by_batch(core::BatchId{batch}); }));
  EXPECT_EQ(rows.size(), 2U);
}

TEST_F(RetryHttpTest, RetryErrors) {
  api().register_listing(232, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  api().register_listing(233, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  auto created = api().create(232, photos(), photographer());
  ASSERT_EQ(created.raw.status, 201);
  const std::int64_t batch = created.body.at("batchId");
  expect_error(api().post(kRetry, {{"listingIdentityId", 232}, {"batchId", batch}}, photographer()),
               409, "BATCH_NOT_RETRYABLE");  // still uploading
  expect_error(api().post(kRetry, {{"listingIdentityId", 233}, {"batchId", batch}}, photographer()),
               404, "BATCH_NOT_FOUND");
  expect_error(api().post(kRetry, {{"listingIdentityId", 232}, {"batchId", batch}}, client()), 403,
               "FORBIDDEN");
  expect_error(api().post(kRetry, {{"listingIdentityId", 232}, {"batchId", batch}}, ""), 401,
               "UNAUTHENTICATED");
  expect_error(api().post(kRetry, {{"listingIdentityId", 232}}, photographer()), 400,
               "INVALID_REQUEST");
}

}  // namespace
}  // namespace toq::testing
