// GetBatchStatus on the real SQLite adapter: the batch through its life (pending, received,
// processed, failed, retried), the latest batch by default, and every refusal.

#include "service/service_fixture.hpp"

namespace toq::testing {
namespace {

using core::AssetStatus;
using core::BatchStatus;
using core::ErrorCode;
using core::JobStatus;
using core::Role;

class GetBatchStatusTest : public ServiceTest {
 protected:
  core::GetBatchStatusInput input(std::int64_t listing_id, std::optional<std::int64_t> batch,
                                  core::Principal caller = photographer()) {
    return {caller, listing_id, batch};
  }
};

TEST_F(GetBatchStatusTest, PendingBatchHasNoJobAndEveryFileUnfinished) {
  listing(28);
  auto batch = create_mixed(28);
  auto out = must(status_reader().run(input(28, batch.batch_id.value)));
  EXPECT_EQ(out.listing_id.value, 28);
  EXPECT_EQ(out.batch.id, batch.batch_id);
  EXPECT_EQ(out.batch.status, BatchStatus::kPendingUpload);
  EXPECT_EQ(out.batch.created_at, clock_.now());
  EXPECT_FALSE(out.job.has_value());
  EXPECT_EQ(out.progress.total, 2);
  EXPECT_EQ(out.progress.ready, 0);
  EXPECT_EQ(out.progress.failed, 0);
  EXPECT_EQ(out.progress.processing, 2);
  ASSERT_EQ(out.assets.size(), 2u);
  EXPECT_EQ(out.assets[0].declared.client_id, "f-1");
  EXPECT_EQ(out.assets[1].declared.client_id, "v-1");
  EXPECT_FALSE(out.error.has_value());
}

TEST_F(GetBatchStatusTest, ReceivedThenReadyWithJobAndFacts) {
  listing(28);
  auto batch = completed_mixed(28);
  auto received = must(status_reader().run(input(28, std::nullopt)));  // latest batch
  EXPECT_EQ(received.batch.id, batch.batch_id);
  EXPECT_EQ(received.batch.status, BatchStatus::kReceived);
  ASSERT_TRUE(received.job.has_value());
  EXPECT_EQ(received.job->status, JobStatus::kQueued);
  EXPECT_FALSE(received.job->started_at.has_value());

  clock_.advance(std::chrono::seconds{40});
  must(run_job_stand_in(*db_, batch.batch_id, clock_.now()));
  auto ready = must(status_reader().run(input(28, batch.batch_id.value)));
  EXPECT_EQ(ready.batch.status, BatchStatus::kReady);
  EXPECT_EQ(ready.batch.updated_at, clock_.now());
  ASSERT_TRUE(ready.job.has_value());
  EXPECT_EQ(ready.job->status, JobStatus::kSucceeded);
  EXPECT_EQ(ready.job->attempt, 1);
  EXPECT_EQ(ready.job->started_at, clock_.now());
  EXPECT_EQ(ready.job->completed_at, clock_.now());
  EXPECT_EQ(ready.progress.ready, 2);
  EXPECT_EQ(ready.progress.processing, 0);
  EXPECT_EQ(ready.assets[0].facts.width, 6000);
  EXPECT_EQ(ready.assets[1].facts.duration_ms, 42500);
  EXPECT_FALSE(ready.error.has_value());
}

TEST_F(GetBatchStatusTest, FailedAssetsAndJobAreReportedWithCodes) {
  listing(28);
  auto batch = processed_mixed(28, {.failed_client_ids = {"v-1"}});
  auto out = must(status_reader().run(input(28, batch.batch_id.value)));
  EXPECT_EQ(out.batch.status, BatchStatus::kFailed);
  EXPECT_EQ(out.progress.ready, 1);
  EXPECT_EQ(out.progress.failed, 1);
  EXPECT_EQ(out.progress.processing, 0);
  EXPECT_EQ(out.assets[1].status, AssetStatus::kFailed);
  ASSERT_TRUE(out.assets[1].failure.has_value());
  EXPECT_EQ(out.assets[1].failure->code, ErrorCode::kCorruptMedia);
  EXPECT_FALSE(out.assets[1].failure->hint.empty());
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code, ErrorCode::kCorruptMedia);
  EXPECT_EQ(out.error->message, "The file is damaged and cannot be read.");  // public text only
}

TEST_F(GetBatchStatusTest, AnInternalCodeIsNeverShown) {
  listing(28);
  auto batch = completed_mixed(28);
  must(tx([&](core::UnitOfWork& u) -> core::Result<core::Job> {
    auto job = must(u.jobs().find_active(batch.batch_id));
    must(u.jobs().start(job->id, "w", clock_.now(), clock_.now()));
    return u.jobs().finish(job->id, JobStatus::kFailed,
                           core::make_error(ErrorCode::kDatabaseError, "disk I/O error at /var"),
                           clock_.now());
  }));
  auto out = must(status_reader().run(input(28, batch.batch_id.value)));
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code, ErrorCode::kInternal);
  EXPECT_EQ(out.error->message.find("/var"), std::string::npos);
}

TEST_F(GetBatchStatusTest, LatestIsTheNewestBatchAndOldOnesStayReadable) {
  listing(28);
  auto first = processed_mixed(28);
  auto second = create_mixed(28);
  EXPECT_EQ(must(status_reader().run(input(28, std::nullopt))).batch.id, second.batch_id);
  EXPECT_EQ(must(status_reader().run(input(28, first.batch_id.value))).batch.status,
            BatchStatus::kReady);
}

TEST_F(GetBatchStatusTest, WhoMaySeeIt) {
  listing(28);
  auto batch = create_mixed(28);
  for (auto caller :
       {photographer(), as(Role::kOwner, kOwner), as(Role::kAdmin, 99), as(Role::kService, 1)}) {
    EXPECT_TRUE(status_reader().run(input(28, std::nullopt, caller)).has_value())
        << core::to_string(caller.role);
  }
  for (auto caller : {as(Role::kPhotographer, 8), as(Role::kOwner, 12), as(Role::kClient, 7),
                      as(Role::kClient, kOwner)}) {
    EXPECT_TRUE(
        fails_with(status_reader().run(input(28, std::nullopt, caller)), ErrorCode::kForbidden))
        << core::to_string(caller.role) << " " << caller.user.value;
  }
  (void)batch;
}

TEST_F(GetBatchStatusTest, NotFoundCases) {
  EXPECT_TRUE(
      fails_with(status_reader().run(input(4242, std::nullopt)), ErrorCode::kListingNotFound));
  listing(28);
  listing(29);
  EXPECT_TRUE(fails_with(status_reader().run(input(28, std::nullopt)), ErrorCode::kBatchNotFound));
  auto batch = create_mixed(28);
  EXPECT_TRUE(fails_with(status_reader().run(input(28, 999999)), ErrorCode::kBatchNotFound));
  EXPECT_TRUE(
      fails_with(status_reader().run(input(29, batch.batch_id.value)), ErrorCode::kBatchNotFound));
  // A stranger learns nothing about batches: FORBIDDEN before the batch is looked up.
  EXPECT_TRUE(fails_with(status_reader().run(input(28, 999999, as(Role::kPhotographer, 8))),
                         ErrorCode::kForbidden));
}

}  // namespace
}  // namespace toq::testing
