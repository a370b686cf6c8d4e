// RetryBatch on the real SQLite adapter: a FAILED or READY batch gets a new job (run + 1) and goes
// back to PROCESSING in one transaction; concurrent retries make exactly one job; every refusal.

#include <barrier>
#include <thread>

#include "service/service_fixture.hpp"

namespace toq::testing {
namespace {

using core::AssetStatus;
using core::BatchStatus;
using core::ErrorCode;
using core::JobStatus;
using core::Role;

class RetryBatchTest : public ServiceTest {
 protected:
  core::RetryBatchInput input(const core::CreateUploadBatchOutput& b,
                              core::Principal caller = photographer()) {
    return {caller, b.listing_id.value, b.batch_id.value, {}};
  }
  std::vector<core::Job> jobs_of(core::BatchId batch) {
    return must(tx([&](core::UnitOfWork& u) { return u.jobs().list_by_batch(batch); }));
  }
  core::Batch batch_row(core::BatchId batch) {
    return *must(tx([&](core::UnitOfWork& u) { return u.batches().find(batch); }));
  }
};

TEST_F(RetryBatchTest, FailedBatchGetsANewJobAndEveryAssetIsReprocessed) {
  listing(28);
  auto batch = processed_mixed(28, {.failed_client_ids = {"v-1"}});
  const auto first = jobs_of(batch.batch_id).at(0);
  clock_.advance(std::chrono::minutes{5});
  auto in = input(batch);
  in.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto out = must(retrier().run(in));
  EXPECT_EQ(out.batch_id, batch.batch_id);
  EXPECT_NE(out.job_id, first.id);
  EXPECT_EQ(out.run, 2);
  EXPECT_EQ(out.status, BatchStatus::kProcessing);
  ASSERT_EQ(out.input_keys.size(), 2u);
  for (const auto& key : out.input_keys) EXPECT_NE(key.find("/raw/"), std::string::npos);

  EXPECT_EQ(batch_row(batch.batch_id).status, BatchStatus::kProcessing);
  auto jobs = jobs_of(batch.batch_id);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[1].id, out.job_id);
  EXPECT_EQ(jobs[1].status, JobStatus::kQueued);
  EXPECT_EQ(jobs[1].created_at, clock_.now());
  EXPECT_EQ(jobs[1].traceparent, in.traceparent) << "the retry call's trace";
  auto assets =
      must(tx([&](core::UnitOfWork& u) { return u.assets().list_by_batch(batch.batch_id); }));
  for (const auto& a : assets) {
    EXPECT_EQ(a.status, AssetStatus::kProcessing);
    EXPECT_EQ(a.job_id, out.job_id);
    EXPECT_FALSE(a.failure.has_value());
  }
  // The new job runs like the first (the stand-in engine finishes it) and the batch is READY.
  must(run_job_stand_in(*db_, batch.batch_id, clock_.now()));
  EXPECT_EQ(batch_row(batch.batch_id).status, BatchStatus::kReady);
}

TEST_F(RetryBatchTest, ReadyBatchCanBeReprocessedToo) {
  listing(28);
  auto batch = processed_mixed(28);
  auto out = must(retrier().run(input(batch, as(Role::kOwner, kOwner))));
  EXPECT_EQ(out.run, 2);
  auto again = retrier().run(input(batch));
  ASSERT_TRUE(fails_with(again, ErrorCode::kBatchNotRetryable));
  const auto* d = std::get_if<core::ConflictDetails>(&again.error().details);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->what, "jobId");
  EXPECT_EQ(d->id, out.job_id.value);
}

TEST_F(RetryBatchTest, OnlyReadyOrFailedBatchesThatRan) {
  listing(28);
  auto batch = create_mixed(28);
  EXPECT_TRUE(fails_with(retrier().run(input(batch)), ErrorCode::kBatchNotRetryable));
  auto parts = upload(batch);
  must(completer().run(complete_input(batch, parts)));
  auto received = retrier().run(input(batch));  // RECEIVED with a QUEUED job
  ASSERT_TRUE(fails_with(received, ErrorCode::kBatchNotRetryable));
  EXPECT_NE(std::get_if<core::ConflictDetails>(&received.error().details), nullptr);
  // Abandoned during upload (PENDING_UPLOAD -> FAILED, no job): nothing to reprocess.
  listing(29);
  auto abandoned = create_mixed(29);
  must(tx([&](core::UnitOfWork& u) {
    return u.batches().transition(abandoned.batch_id, BatchStatus::kPendingUpload,
                                  BatchStatus::kFailed, clock_.now());
  }));
  auto r = retrier().run(input(abandoned));
  ASSERT_TRUE(fails_with(r, ErrorCode::kBatchNotRetryable));
  EXPECT_NE(r.error().message.find("never completed"), std::string::npos);
  // The client is told why, not "only a READY or FAILED batch": this one is FAILED.
  EXPECT_NE(r.error().public_message.find("cancelled or expired"), std::string::npos)
      << r.error().public_message;
  EXPECT_EQ(r.error().hint, "Upload the files again in a new batch.");
  EXPECT_TRUE(jobs_of(abandoned.batch_id).empty());
}

TEST_F(RetryBatchTest, AnotherOpenBatchOfTheListingBlocksTheRetry) {
  listing(28);
  auto old = processed_mixed(28, {.failed_client_ids = {"f-1"}});
  auto open = create_mixed(28);
  auto r = retrier().run(input(old));
  ASSERT_TRUE(fails_with(r, ErrorCode::kBatchNotRetryable));
  const auto* d = std::get_if<core::ConflictDetails>(&r.error().details);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->what, "openBatchId");
  EXPECT_EQ(d->id, open.batch_id.value);
  EXPECT_EQ(jobs_of(old.batch_id).size(), 1u);  // nothing written
  EXPECT_EQ(batch_row(old.batch_id).status, BatchStatus::kFailed);
}

TEST_F(RetryBatchTest, WhoMayRetry) {
  listing(28);
  auto batch = processed_mixed(28, {.failed_client_ids = {"f-1"}});
  for (auto caller : {as(Role::kPhotographer, 8), as(Role::kOwner, 12), as(Role::kClient, 7),
                      as(Role::kClient, kOwner)}) {
    EXPECT_TRUE(fails_with(retrier().run(input(batch, caller)), ErrorCode::kForbidden))
        << core::to_string(caller.role) << " " << caller.user.value;
  }
  EXPECT_EQ(jobs_of(batch.batch_id).size(), 1u);
  for (auto caller :
       {photographer(), as(Role::kOwner, kOwner), as(Role::kAdmin, 1), as(Role::kService, 1)}) {
    auto out = must(retrier().run(input(batch, caller)), "retry");
    // Finish it (failing again) so the next caller can retry too.
    must(run_job_stand_in(*db_, batch.batch_id, clock_.now(), {.failed_client_ids = {"f-1"}}));
    EXPECT_EQ(out.status, BatchStatus::kProcessing);
  }
  EXPECT_EQ(jobs_of(batch.batch_id).size(), 5u);
  EXPECT_EQ(jobs_of(batch.batch_id).back().run, 5);
}

TEST_F(RetryBatchTest, NotFoundCases) {
  listing(28);
  listing(29);
  auto batch = processed_mixed(28, {.failed_client_ids = {"f-1"}});
  auto in = input(batch);
  in.batch_id = 999999;
  EXPECT_TRUE(fails_with(retrier().run(in), ErrorCode::kBatchNotFound));
  in = input(batch);
  in.listing_identity_id = 29;
  EXPECT_TRUE(fails_with(retrier().run(in), ErrorCode::kBatchNotFound));
  in.listing_identity_id = 4242;
  EXPECT_TRUE(fails_with(retrier().run(in), ErrorCode::kBatchNotFound));
}

TEST_F(RetryBatchTest, ConcurrentRetriesMakeExactlyOneJob) {
  listing(28);
  auto batch = processed_mixed(28, {.failed_client_ids = {"v-1"}});
  constexpr int kCallers = 16;
  std::barrier start(kCallers);
  std::vector<core::Result<core::RetryBatchOutput>> results(
      kCallers, core::fail(ErrorCode::kInternal, "not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto& r = results[static_cast<std::size_t>(i)];
      do {
        r = retrier().run(input(batch));
      } while (!r && r.error().code == ErrorCode::kDatabaseBusy);
    });
  }
  for (auto& t : threads) t.join();
  int winners = 0;
  core::JobId winner;
  for (const auto& r : results) {
    if (r) {
      ++winners;
      winner = r->job_id;
    }
  }
  ASSERT_EQ(winners, 1);
  for (const auto& r : results) {
    if (r) continue;
    ASSERT_EQ(r.error().code, ErrorCode::kBatchNotRetryable) << r.error().message;
    const auto* d = std::get_if<core::ConflictDetails>(&r.error().details);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->id, winner.value);  // the losers are told which job runs
  }
  EXPECT_EQ(jobs_of(batch.batch_id).size(), 2u);
}

}  // namespace
}  // namespace toq::testing
