// RecordProcessingResult on the real SQLite adapter and the real local store holding the result
// documents the asset tasks write (the pipeline's own writer and reader): a report delivered twice,
// or twice at once, finishes the batch once; a report of an older run, after a retry started a new
// one, changes nothing; an unknown job changes nothing; a job whose start was never marked begins
// and finishes in the same transaction.

#include "core/service/record_processing_result.hpp"

#include <barrier>
#include <thread>

#include "adapter/aws/pipeline/documents.hpp"
#include "adapter/aws/pipeline/result_documents.hpp"
#include "service/aws_mode_support.hpp"

namespace toq::testing {
namespace {

using core::AssetStatus;
using core::BatchStatus;
using core::ErrorCode;
using core::JobStatus;
using Outcome = core::RecordProcessingResultOutput::Outcome;

// Everything a report may change.
struct World {
  core::Batch batch;
  std::vector<core::Asset> assets;
  std::vector<core::Job> jobs;
  std::vector<core::OutboxEvent> webhooks;
  friend bool operator==(const World&, const World&) = default;
};

class RecordProcessingResultTest : public AwsServiceTest {
 protected:
  core::RecordProcessingResult recorder() {
    if (!results_) results_.emplace(*store_);
    return core::RecordProcessingResult({*db_, *results_, clock_}, {kReportDeadline});
  }

  World world(core::BatchId batch) {
    return {batch_row(batch), assets(batch),
            must(tx([&](core::UnitOfWork& u) { return u.jobs().list_by_batch(batch); })),
            webhooks()};
  }

  // The asset tasks of `job`'s execution each wrote a FAILED result document (CORRUPT_MEDIA at
  // the probe); the report that names them.
  core::ProcessingReport failed_run(core::JobId job) {
    const auto input = must(aws::pipeline::parse_execution_input(start_row(job).input), "input");
    const aws::pipeline::RunContext run{input.job,        input.batch,  input.listing,
                                        input.run,        input.bucket, input.output_prefix,
                                        input.traceparent};
    core::ProcessingReport report;
    report.job = input.job;
    report.batch = input.batch;
    report.run = input.run;
    for (const auto& asset : input.assets) {
      core::AssetWorkResult outcome;
      outcome.asset = asset.asset;
      outcome.failure = core::AssetFailure{.code = ErrorCode::kCorruptMedia,
                                           .message = "The file cannot be decoded.",
                                           .hint = "Export the file again and upload it.",
                                           .tool = std::nullopt};
      outcome.failed_step = "probe";
      const auto key = aws::pipeline::result_key(run, asset.asset);
      must(aws::pipeline::write_document(
               *store_, key,
               aws::pipeline::asset_result_document({run, asset}, outcome, "lambda", clock_.now())),
           "write result document");
      report.assets.push_back({asset.asset, false, key, "Media.InputInvalid"});
    }
    return report;
  }

  // A batch whose execution the relay started.
  AwsBatch started(std::int64_t listing_id) {
    const auto b = completed_aws(listing_id);
    EXPECT_EQ(must(relay(sfn_, relay_options()).run_once()).size(), 1u);
    EXPECT_EQ(job(b.job).status, JobStatus::kRunning);
    return b;
  }

  void expect_failed_once(const AwsBatch& b) {
    EXPECT_EQ(batch_row(b.id).status, BatchStatus::kFailed);
    const auto j = job(b.job);
    EXPECT_EQ(j.status, JobStatus::kFailed);
    for (const auto& a : assets(b.id)) {
      EXPECT_EQ(a.status, AssetStatus::kFailed);
      ASSERT_TRUE(a.failure.has_value());
      EXPECT_EQ(a.failure->code, ErrorCode::kCorruptMedia);
      EXPECT_EQ(a.job_id, b.job);
    }
    const auto events = webhooks();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type, "media.batch.failed");
  }

  FakeStepFunctions sfn_;
  std::optional<aws::pipeline::StoreProcessingResults> results_;
};

TEST_F(RecordProcessingResultTest, AReportDeliveredTwiceFinishesTheBatchOnce) {
  const auto b = started(71);
  const auto report = failed_run(b.job);
  auto first = must(recorder().run(report));
  EXPECT_EQ(first.outcome, Outcome::kApplied);
  EXPECT_EQ(first.batch_status, BatchStatus::kFailed);
  EXPECT_EQ(first.assets_failed, 2);
  EXPECT_EQ(first.assets_ready, 0);
  expect_failed_once(b);
  const auto after_first = world(b.id);

  clock_.advance(std::chrono::minutes{3});
  auto second = must(recorder().run(report));
  EXPECT_EQ(second.outcome, Outcome::kAlreadyApplied);
  EXPECT_EQ(second.batch_status, BatchStatus::kFailed);
  EXPECT_EQ(world(b.id), after_first);
}

TEST_F(RecordProcessingResultTest, TwoDeliveriesAtOnceApplyOnce) {
  const auto b = started(72);
  const auto report = failed_run(b.job);
  std::barrier go(2);
  std::vector<core::Result<core::RecordProcessingResultOutput>> outs(
      2, core::fail(ErrorCode::kInternal, "not run"));
  auto deliver = [&](std::size_t i) {
    go.arrive_and_wait();
    outs[i] = recorder().run(report);
  };
  std::thread t0(deliver, 0);
  std::thread t1(deliver, 1);
  t0.join();
  t1.join();
  int applied = 0;
  for (const auto& out : outs) {
    ASSERT_TRUE(out.has_value()) << out.error().message;
    EXPECT_NE(out->outcome, Outcome::kStale);
    applied += out->outcome == Outcome::kApplied ? 1 : 0;
  }
  EXPECT_EQ(applied, 1);
  expect_failed_once(b);
}

// Run 1 never reported and was failed by the overdue check; the batch was retried and run 2 is
// running. Run 1's report then arrives: it is ignored and changes nothing, and run 2 still
// finishes the batch.
TEST_F(RecordProcessingResultTest, AReportOfAnOlderRunAfterARetryChangesNothing) {
  const auto b = started(73);
  const auto late = failed_run(b.job);
  sfn_.set(core::execution_name(b.job, 1),
           {start_row(b.job).input, core::ExecutionStatus::kTimedOut, "States.Timeout"});
  clock_.advance(kReportDeadline + std::chrono::seconds{1});
  ASSERT_EQ(must(overdue(sfn_).run_once()).size(), 1u);
  ASSERT_EQ(batch_row(b.id).status, BatchStatus::kFailed);
  auto retried =
      must(core::RetryBatch({*db_, clock_, &aws_})
               .run({photographer(), b.listing.value, b.id.value, std::string(kTraceparent)}),
           "retry (aws)");
  ASSERT_EQ(retried.run, 2);
  ASSERT_EQ(must(relay(sfn_, relay_options()).run_once()).size(), 1u);
  ASSERT_EQ(job(retried.job_id).status, JobStatus::kRunning);
  const auto before = world(b.id);
  ASSERT_EQ(before.batch.status, BatchStatus::kProcessing);

  auto out = recorder().run(late);
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_NE(out->outcome, Outcome::kApplied);
  EXPECT_EQ(out->batch_status, BatchStatus::kProcessing);
  EXPECT_EQ(world(b.id), before);
  // The new job's report saying it is run 1: another run of that job, refused.
  const auto fresh = failed_run(retried.job_id);
  auto misnamed = fresh;
  misnamed.run = 1;
  EXPECT_TRUE(fails_with(recorder().run(misnamed), ErrorCode::kInvalidRequest));
  EXPECT_EQ(world(b.id), before);

  // Run 2's own report is applied.
  auto current = must(recorder().run(fresh));
  EXPECT_EQ(current.outcome, Outcome::kApplied);
  EXPECT_EQ(job(retried.job_id).status, JobStatus::kFailed);
  EXPECT_EQ(job(b.job).error_code, ErrorCode::kProcessingTimeout);  // run 1 as the check left it
}

TEST_F(RecordProcessingResultTest, AnUnknownJobChangesNothing) {
  const auto b = started(74);
  const auto other = started(75);
  const auto before = world(b.id);
  auto report = failed_run(b.job);
  auto unknown = report;
  unknown.job = core::JobId{b.job.value + 1000};
  EXPECT_TRUE(fails_with(recorder().run(unknown), ErrorCode::kJobNotFound));
  auto elsewhere = report;
  elsewhere.job = other.job;  // a job of another batch
  EXPECT_TRUE(fails_with(recorder().run(elsewhere), ErrorCode::kJobNotFound));
  EXPECT_EQ(world(b.id), before);
  EXPECT_EQ(job(other.job).status, JobStatus::kRunning);
}

// The relay died after StartExecution and before marking its row, and the execution finished:
// the report begins the job and finishes it in one transaction.
TEST_F(RecordProcessingResultTest, AJobWhoseStartWasNeverMarkedBeginsAndFinishes) {
  const auto b = completed_aws(76);
  ASSERT_EQ(job(b.job).status, JobStatus::kQueued);
  auto out = must(recorder().run(failed_run(b.job)));
  EXPECT_EQ(out.outcome, Outcome::kApplied);
  const auto j = job(b.job);
  EXPECT_TRUE(j.started_at.has_value());
  expect_failed_once(b);
  EXPECT_TRUE(start_row(b.job).started_at.has_value());
}

}  // namespace
}  // namespace toq::testing
