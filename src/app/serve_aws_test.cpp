// What an AWS-mode processing report moves on /metrics (serve_aws.hpp, count_report), read back
// from the real Metrics' exposition text.

#include "app/serve_aws.hpp"

#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace toq::app {
namespace {

using core::ErrorCode;
using core::MediaGroup;
using Outcome = core::RecordProcessingResultOutput::Outcome;
using std::chrono::milliseconds;

// The value of `series` (name and labels exactly as exposed); -1 when it is not exposed.
double value(const std::string& text, const std::string& series) {
  std::istringstream lines{text};
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// A run of three assets: a photo that failed (its document gave 1.5 s), a video READY (40 s) and a
// project file READY whose document has no processingMs; the batch FAILED after 90 s.
core::RecordProcessingResultOutput failed_run(Outcome outcome) {
  core::RecordProcessingResultOutput out;
  out.outcome = outcome;
  out.batch_status = core::BatchStatus::kFailed;
  out.assets_ready = 2;
  out.assets_failed = 1;
  out.run_duration = std::chrono::seconds{90};
  out.observed = {
      {core::AssetId{1}, MediaGroup::kPhoto, ErrorCode::kCorruptMedia, milliseconds{1500}},
      {core::AssetId{2}, MediaGroup::kVideo, std::nullopt, milliseconds{40000}},
      {core::AssetId{3}, MediaGroup::kProject, std::nullopt, std::nullopt}};
  return out;
}

TEST(CountReport, AnAppliedFailedRunMovesEachFigureOnce) {
  http::Metrics metrics;
  metrics.expose_aws(false);
  count_report(failed_run(Outcome::kApplied), metrics);
  const auto text = metrics.expose();
  EXPECT_EQ(value(text, "media_assets_failed_total{code=\"CORRUPT_MEDIA\"}"), 1) << text;
  EXPECT_EQ(value(text, "media_batches_failed_total"), 1);
  EXPECT_EQ(value(text, "media_executions_failed_total{reason=\"reported\"}"), 1);
  EXPECT_EQ(value(text, "media_processing_duration_seconds_count"), 1);
  EXPECT_EQ(value(text, "media_processing_duration_seconds_sum"), 90);
  EXPECT_EQ(value(text, "media_processing_duration_seconds_bucket{le=\"60\"}"), 0);
  EXPECT_EQ(value(text, "media_processing_duration_seconds_bucket{le=\"120\"}"), 1);
  EXPECT_EQ(value(text, "media_asset_processing_duration_seconds_count{kind=\"photo\"}"), 1);
  EXPECT_EQ(value(text, "media_asset_processing_duration_seconds_sum{kind=\"photo\"}"), 1.5);
  EXPECT_EQ(value(text, "media_asset_processing_duration_seconds_count{kind=\"video\"}"), 1);
  EXPECT_EQ(value(text, "media_asset_processing_duration_seconds_sum{kind=\"video\"}"), 40);
  // The project file's document gave no duration: no observation (and no series) for it.
  EXPECT_EQ(value(text, "media_asset_processing_duration_seconds_count{kind=\"project\"}"), -1);
  // The run ran on AWS: nothing in this serve was in flight.
  EXPECT_EQ(value(text, "media_processing_inflight_jobs"), 0);
}

TEST(CountReport, AReadyRunMovesTheHistogramsButNoFailureCounter) {
  http::Metrics metrics;
  metrics.expose_aws(false);
  auto ready = failed_run(Outcome::kApplied);
  ready.batch_status = core::BatchStatus::kReady;
  ready.observed[0].failure = std::nullopt;
  count_report(ready, metrics);
  const auto text = metrics.expose();
  EXPECT_EQ(text.find("media_assets_failed_total{"), std::string::npos) << text;
  EXPECT_EQ(value(text, "media_batches_failed_total"), 0);
  EXPECT_EQ(value(text, "media_executions_failed_total{reason=\"reported\"}"), 0);
  EXPECT_EQ(value(text, "media_processing_duration_seconds_count"), 1);
  EXPECT_EQ(value(text, "media_asset_processing_duration_seconds_count{kind=\"photo\"}"), 1);
}

// A repeated delivery (already_applied) or an older run's report (stale) moves nothing, whatever
// the output holds.
TEST(CountReport, AReportNotAppliedMovesNothing) {
  http::Metrics metrics;
  metrics.expose_aws(false);
  const auto before = metrics.expose();
  count_report(failed_run(Outcome::kAlreadyApplied), metrics);
  count_report(failed_run(Outcome::kStale), metrics);
  EXPECT_EQ(metrics.expose(), before);
  count_report(failed_run(Outcome::kApplied), metrics);
  count_report(failed_run(Outcome::kAlreadyApplied), metrics);
  const auto text = metrics.expose();
  EXPECT_EQ(value(text, "media_assets_failed_total{code=\"CORRUPT_MEDIA\"}"), 1) << text;
  EXPECT_EQ(value(text, "media_batches_failed_total"), 1);
  EXPECT_EQ(value(text, "media_processing_duration_seconds_count"), 1);
}

}  // namespace
}  // namespace toq::app
