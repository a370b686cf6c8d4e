// CheckOverdueExecutions on the real SQLite adapter, Step Functions behind its port as AWS
// documents it (aws_mode_support.hpp): a job whose execution ended without reporting (FAILED,
// TIMED_OUT, ABORTED, SUCCEEDED) or that Step Functions does not know fails with
// PROCESSING_TIMEOUT naming it; a RUNNING one gets more time; a failed describe changes nothing.

#include "core/service/job_outcome.hpp"

#include "service/aws_mode_support.hpp"
#include "service/committed_meanwhile.hpp"

namespace toq::testing {
namespace {

using core::AssetStatus;
using core::BatchStatus;
using core::ErrorCode;
using core::ExecutionStatus;
using core::JobStatus;
using End = core::OverdueJob::End;

class CheckOverdueExecutionsTest : public AwsServiceTest {
 protected:
  // A batch whose execution the relay started, then the report deadline passed.
  AwsBatch started_and_overdue(std::int64_t listing_id) {
    const auto b = completed_aws(listing_id);
    auto round = must(relay(sfn_, relay_options()).run_once());
    EXPECT_EQ(round.size(), 1u);
    EXPECT_EQ(job(b.job).status, JobStatus::kRunning);
    clock_.advance(kReportDeadline + std::chrono::seconds{1});
    return b;
  }
  std::string name_of(const AwsBatch& b) { return core::execution_name(b.job, 1); }

  FakeStepFunctions sfn_;
};

class EndedExecutionTest : public CheckOverdueExecutionsTest,
                           public ::testing::WithParamInterface<ExecutionStatus> {};

TEST_P(EndedExecutionTest, FailsTheJobAndItsBatchWithProcessingTimeoutNamingTheExecution) {
  const auto b = started_and_overdue(61);
  const auto status = GetParam();
  if (status == ExecutionStatus::kNotFound) {
    sfn_.forget(name_of(b));
  } else {
    sfn_.set(name_of(b), {start_row(b.job).input, status,
                          status == ExecutionStatus::kSucceeded ? "" : "States.Runtime: boom"});
  }
  EXPECT_TRUE(webhooks().empty());
  auto round = must(overdue(sfn_).run_once());
  ASSERT_EQ(round.size(), 1u);
  EXPECT_EQ(round[0].job, b.job);
  EXPECT_EQ(round[0].execution, name_of(b));
  EXPECT_EQ(round[0].status, status);
  EXPECT_EQ(round[0].end, End::kFailed);

  const auto j = job(b.job);
  EXPECT_EQ(j.status, JobStatus::kFailed);
  EXPECT_EQ(j.error_code, ErrorCode::kProcessingTimeout);
  EXPECT_NE(j.error_message.find(name_of(b)), std::string::npos) << j.error_message;
  const std::string how = status == ExecutionStatus::kNotFound
                              ? std::string("does not exist on Step Functions")
                              : "ended " + std::string(core::to_string(status));
  EXPECT_NE(j.error_message.find(how), std::string::npos) << j.error_message;
  EXPECT_EQ(batch_row(b.id).status, BatchStatus::kFailed);
  for (const auto& a : assets(b.id)) {
    EXPECT_EQ(a.status, AssetStatus::kFailed);
    ASSERT_TRUE(a.failure.has_value());
    EXPECT_EQ(a.failure->code, ErrorCode::kProcessingTimeout);
    EXPECT_NE(a.failure->message.find(name_of(b)), std::string::npos);
    EXPECT_FALSE(a.failure->hint.empty());
  }
  const auto events = webhooks();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "media.batch.failed");
  // Checked once: the next round finds nothing overdue.
  EXPECT_TRUE(must(overdue(sfn_).run_once()).empty());
  EXPECT_EQ(webhooks().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Statuses, EndedExecutionTest,
                         ::testing::Values(ExecutionStatus::kFailed, ExecutionStatus::kTimedOut,
                                           ExecutionStatus::kAborted, ExecutionStatus::kSucceeded,
                                           ExecutionStatus::kNotFound),
                         [](const auto& param_info) {
                           return std::string(core::to_string(param_info.param));
                         });

TEST_F(CheckOverdueExecutionsTest, ARunningExecutionGetsAnotherDeadlineAndIsLeftAlone) {
  const auto b = started_and_overdue(62);
  const auto before = assets(b.id);
  auto round = must(overdue(sfn_).run_once());
  ASSERT_EQ(round.size(), 1u);
  EXPECT_EQ(round[0].status, ExecutionStatus::kRunning);
  EXPECT_EQ(round[0].end, End::kExtended);
  const auto j = job(b.job);
  EXPECT_EQ(j.status, JobStatus::kRunning);
  EXPECT_EQ(j.lease_expires_at, clock_.now() + kReportDeadline);
  EXPECT_EQ(batch_row(b.id).status, BatchStatus::kProcessing);
  EXPECT_EQ(assets(b.id), before);
  EXPECT_TRUE(webhooks().empty());
  // Not overdue again until the new deadline: no DescribeExecution meanwhile.
  const int describes = sfn_.describes();
  clock_.advance(kReportDeadline - std::chrono::seconds{1});
  EXPECT_TRUE(must(overdue(sfn_).run_once()).empty());
  EXPECT_EQ(sfn_.describes(), describes);
}

TEST_F(CheckOverdueExecutionsTest, NothingIsCheckedBeforeTheDeadline) {
  const auto b = completed_aws(63);
  must(relay(sfn_, relay_options()).run_once());
  clock_.advance(kReportDeadline - std::chrono::seconds{1});
  EXPECT_TRUE(must(overdue(sfn_).run_once()).empty());
  EXPECT_EQ(sfn_.describes(), 0);
  EXPECT_EQ(job(b.job).status, JobStatus::kRunning);
}

TEST_F(CheckOverdueExecutionsTest, AFailedDescribeLeavesTheJobForTheNextRound) {
  const auto b = started_and_overdue(64);
  sfn_.set(name_of(b), {start_row(b.job).input, ExecutionStatus::kFailed, "States.TaskFailed"});
  sfn_.fail_next(FakeStepFunctions::throttled());
  auto round = must(overdue(sfn_).run_once());
  ASSERT_EQ(round.size(), 1u);
  EXPECT_EQ(round[0].end, End::kLeftAlone);
  ASSERT_TRUE(round[0].error.has_value());
  EXPECT_EQ(round[0].error->code, ErrorCode::kPipelineUnavailable);
  EXPECT_EQ(job(b.job).status, JobStatus::kRunning);
  EXPECT_EQ(batch_row(b.id).status, BatchStatus::kProcessing);
  EXPECT_TRUE(webhooks().empty());
  // The next round reaches Step Functions and fails the job.
  round = must(overdue(sfn_).run_once());
  ASSERT_EQ(round.size(), 1u);
  EXPECT_EQ(round[0].end, End::kFailed);
  EXPECT_EQ(job(b.job).status, JobStatus::kFailed);
}

// The run's report lands between the check's reads (the job RUNNING, its assets PROCESSING) and
// its writes, so the check's moves lose to it (MariaDB, READ COMMITTED; staged here). The
// report's end stands, the check leaves the job alone saying why, and the round goes on instead
// of failing with "cannot go from FAILED to FAILED".
TEST_F(CheckOverdueExecutionsTest, AReportThatLandsBetweenTheChecksReadsAndWritesWins) {
  const auto b = started_and_overdue(66);
  sfn_.set(name_of(b), {start_row(b.job).input, ExecutionStatus::kFailed, "States.Runtime: boom"});
  Meanwhile before;
  before.before = job(b.job);
  before.assets_before = assets(b.id);
  ASSERT_EQ(before.before.status, JobStatus::kRunning);
  ASSERT_FALSE(before.assets_before->empty());
  for (const auto& a : *before.assets_before) ASSERT_EQ(a.status, AssetStatus::kProcessing);

  // The report's commit: every asset FAILED by the run, the job and the batch ended.
  const core::AssetFailure corrupt{.code = ErrorCode::kCorruptMedia,
                                   .message = "The file cannot be decoded.",
                                   .hint = "Export the file again and upload it.",
                                   .tool = std::nullopt};
  must(tx([&](core::UnitOfWork& u) -> core::Result<int> {
    for (const auto& a : *before.assets_before) {
      if (auto f =
              u.assets().mark_failed(a.id, AssetStatus::kProcessing, b.job, corrupt, clock_.now());
          !f) {
        return std::unexpected(f.error());
      }
    }
    auto ended = core::finish_job(u, before.before, batch_row(b.id), false,
                                  core::make_error(ErrorCode::kCorruptMedia, "2 of 2 files failed"),
                                  clock_.now());
    if (!ended) return std::unexpected(ended.error());
    return 0;
  }));
  ASSERT_EQ(webhooks().size(), 1u);

  CommittedMeanwhile db{*db_, std::move(before)};
  auto round = core::CheckOverdueExecutions(db, sfn_, clock_, {kReportDeadline, 20}).run_once();
  EXPECT_TRUE(db.snapshot().refused_move);  // the interleaving really happened
  ASSERT_TRUE(round.has_value()) << round.error().message;
  ASSERT_EQ(round->size(), 1u);
  EXPECT_EQ((*round)[0].end, End::kLeftAlone);
  ASSERT_TRUE((*round)[0].error.has_value());
  EXPECT_EQ((*round)[0].error->code, ErrorCode::kStaleState);

  const auto j = job(b.job);
  EXPECT_EQ(j.status, JobStatus::kFailed);
  EXPECT_EQ(j.error_code, ErrorCode::kCorruptMedia);  // the report's end, not PROCESSING_TIMEOUT
  for (const auto& a : assets(b.id)) {
    ASSERT_TRUE(a.failure.has_value());
    EXPECT_EQ(a.failure->code, ErrorCode::kCorruptMedia);
  }
  EXPECT_EQ(batch_row(b.id).status, BatchStatus::kFailed);
  EXPECT_EQ(webhooks().size(), 1u);
}

}  // namespace
}  // namespace toq::testing
