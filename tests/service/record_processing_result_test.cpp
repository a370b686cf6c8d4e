// RecordProcessingResult on the real SQLite adapter and the real local store holding the result
// documents the asset tasks write (the pipeline's own writer and reader): a report delivered twice,
// or twice at once, finishes the batch once; a report of an older run, after a retry started a new
// one, changes nothing; an unknown job changes nothing; a job whose start was never marked begins
// and finishes in the same transaction; a report whose begin loses to the relay looks again.

#include "core/service/record_processing_result.hpp"

#include <barrier>
#include <thread>

#include "adapter/aws/pipeline/documents.hpp"
#include "adapter/aws/pipeline/result_documents.hpp"
#include "service/aws_mode_support.hpp"
#include "service/committed_meanwhile.hpp"

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
  static constexpr std::chrono::milliseconds kPhotoProcessing{1500};

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
  // the probe): the photo's with processingMs (kPhotoProcessing), the video's without (a task
  // older than the field); the report that names them.
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
      const auto processing = core::group_of(asset.declared.media_type) == core::MediaGroup::kPhoto
                                  ? std::optional(kPhotoProcessing)
                                  : std::nullopt;
      must(aws::pipeline::write_document(
               *store_, key,
               aws::pipeline::asset_result_document({run, asset}, outcome, "lambda", clock_.now(),
                                                    processing)),
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
  clock_.advance(std::chrono::seconds{90});
  auto first = must(recorder().run(report));
  EXPECT_EQ(first.outcome, Outcome::kApplied);
  // What /metrics observes: the run from the relay's accepted start to the report, each asset's
  // code, and the processing time of the document that gives one (the video's does not, and its
  // asset is recorded all the same).
  EXPECT_EQ(first.run_duration, std::chrono::seconds{90});
  ASSERT_EQ(first.observed.size(), 2u);
  for (const auto& seen : first.observed) {
    EXPECT_EQ(seen.failure, ErrorCode::kCorruptMedia);
    if (seen.kind == core::MediaGroup::kPhoto) {
      EXPECT_EQ(seen.processing, kPhotoProcessing);
    } else {
      EXPECT_EQ(seen.kind, core::MediaGroup::kVideo);
      EXPECT_FALSE(seen.processing.has_value());
    }
  }
  EXPECT_EQ(first.batch_status, BatchStatus::kFailed);
  EXPECT_EQ(first.assets_failed, 2);
  EXPECT_EQ(first.assets_ready, 0);
  expect_failed_once(b);
  const auto after_first = world(b.id);

  clock_.advance(std::chrono::minutes{3});
  auto second = must(recorder().run(report));
  EXPECT_EQ(second.outcome, Outcome::kAlreadyApplied);
  EXPECT_EQ(second.batch_status, BatchStatus::kFailed);
  EXPECT_TRUE(second.observed.empty()) << "a repeated delivery is observed once";
  EXPECT_EQ(second.run_duration, std::chrono::milliseconds{0});
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
    EXPECT_EQ(out->observed.size(), out->outcome == Outcome::kApplied ? 2u : 0u);
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
  clock_.advance(std::chrono::seconds{40});
  auto out = must(recorder().run(failed_run(b.job)));
  EXPECT_EQ(out.outcome, Outcome::kApplied);
  // Its accepted start was never marked: the run is measured from the job's creation, not from
  // the start this transaction records (which would say it took no time).
  EXPECT_EQ(out.run_duration, std::chrono::seconds{40});
  const auto j = job(b.job);
  EXPECT_TRUE(j.started_at.has_value());
  expect_failed_once(b);
  EXPECT_TRUE(start_row(b.job).started_at.has_value());
}

// The report reads the job QUEUED, the relay begins it (RUNNING) before the report's own begin
// writes, and the report's compare-and-set loses. It must look again and apply itself: answered
// "already applied" instead, the batch would stay PROCESSING until the overdue check failed it.
TEST_F(RecordProcessingResultTest, AReportThatLosesItsBeginToTheRelayLooksAgainAndApplies) {
  const auto b = completed_aws(77);
  const auto queued = job(b.job);
  ASSERT_EQ(queued.status, JobStatus::kQueued);
  const auto report = failed_run(b.job);
  clock_.advance(std::chrono::seconds{20});  // the start waited in the outbox
  ASSERT_EQ(must(relay(sfn_, relay_options()).run_once()).size(), 1u);
  ASSERT_EQ(job(b.job).status, JobStatus::kRunning);
  clock_.advance(std::chrono::seconds{30});  // the run

  Meanwhile before;
  before.before = queued;
  CommittedMeanwhile db{*db_, std::move(before)};
  if (!results_) results_.emplace(*store_);
  auto out =
      must(core::RecordProcessingResult({db, *results_, clock_}, {kReportDeadline}).run(report));
  EXPECT_TRUE(db.snapshot().lost_begin);  // the interleaving really happened
  EXPECT_EQ(out.outcome, Outcome::kApplied);
  EXPECT_EQ(out.batch_status, BatchStatus::kFailed);
  EXPECT_EQ(out.assets_failed, 2);
  // Measured from the start the relay marked (which the second look sees), not from the job's
  // creation the first look had to fall back on.
  EXPECT_EQ(out.run_duration, std::chrono::seconds{30});
  expect_failed_once(b);
}

// A second delivery reads the job RUNNING and its assets PROCESSING; the first delivery then
// commits (READ COMMITTED), so the second's move of an asset finds it FAILED already. That lost
// race must end as "already applied", not as an error the caller would retry or report: what
// TwoDeliveriesAtOnceApplyOnce races, staged so that it happens every time.
TEST_F(RecordProcessingResultTest, ADeliveryOvertakenBetweenItsReadsAndItsWritesIsAlreadyApplied) {
  const auto b = started(78);
  const auto report = failed_run(b.job);
  Meanwhile before;
  before.before = job(b.job);
  before.assets_before = assets(b.id);
  ASSERT_EQ(before.before.status, JobStatus::kRunning);
  ASSERT_EQ(before.assets_before->size(), 2u);
  const auto first = must(recorder().run(report));
  ASSERT_EQ(first.outcome, Outcome::kApplied);
  const auto after_first = world(b.id);

  CommittedMeanwhile db{*db_, std::move(before)};
  if (!results_) results_.emplace(*store_);
  auto second =
      core::RecordProcessingResult({db, *results_, clock_}, {kReportDeadline}).run(report);
  EXPECT_TRUE(db.snapshot().refused_move);  // the interleaving really happened
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(second->outcome, Outcome::kAlreadyApplied);
  EXPECT_EQ(second->batch_status, BatchStatus::kFailed);
  EXPECT_TRUE(second->observed.empty());
  EXPECT_EQ(world(b.id), after_first);
  expect_failed_once(b);
}

}  // namespace
}  // namespace toq::testing
