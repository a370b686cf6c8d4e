// The hand-written Prometheus exposition: label escaping, cumulative buckets, bounded route
// labels. (The real /metrics output is also checked with `promtool check metrics` in
// tests/http/ops_http_test.cpp.)

#include "adapter/http/metrics.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace toq::http {
namespace {

TEST(MetricsEscape, EscapesBackslashQuoteAndNewlineOnly) {
  EXPECT_EQ(escape_label_value(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(escape_label_value(R"(say "hi")"), R"(say \"hi\")");
  EXPECT_EQ(escape_label_value("two\nlines"), R"(two\nlines)");
  EXPECT_EQ(escape_label_value("tab\tand {braces} = ok"), "tab\tand {braces} = ok");
  EXPECT_EQ(escape_label_value("\\\"\n"), R"(\\\"\n)");
  EXPECT_EQ(escape_label_value(""), "");
}

TEST(MetricsExpose, EveryFamilyIsPresentBeforeAnyEvent) {
  const Metrics m;
  const std::string text = m.expose();
  for (const char* family :
       {"http_requests_total", "http_request_duration_seconds", "media_batches_created_total",
        "media_batches_failed_total", "media_processing_duration_seconds",
        "media_processing_inflight_jobs", "media_assets_failed_total"}) {
    EXPECT_NE(text.find(std::string{"# TYPE "} + family + " "), std::string::npos) << family;
  }
  EXPECT_NE(text.find("media_batches_created_total 0\n"), std::string::npos);
  EXPECT_NE(text.find("media_processing_duration_seconds_bucket{le=\"+Inf\"} 0\n"),
            std::string::npos);
}

TEST(MetricsExpose, CountsAndEscapesLabels) {
  Metrics m;
  m.http_request("GET", "/healthz", 200, 0.003);
  m.http_request("GET", "/healthz", 200, 0.2);
  m.http_request("POST", "/x\"y\\z\nw", 404, 20);
  const std::string text = m.expose();
  EXPECT_NE(text.find("http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(route="/x\"y\\z\nw",status="404"} 1)"), std::string::npos) << text;
  // Buckets are cumulative: 0.003 is in every bucket, 0.2 from le=0.25 on.
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\","
                      "le=\"0.005\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\","
                      "le=\"0.25\"} 2\n"),
            std::string::npos);
  // 20 s is above every bound: only +Inf counts it.
  EXPECT_NE(text.find("le=\"10\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("le=\"+Inf\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 2\n"),
            std::string::npos);
}

TEST(MetricsExpose, MediaCountersAndInflightGauge) {
  Metrics m;
  m.media_batch_created();
  m.media_batch_created();
  m.media_batch_failed();
  EXPECT_NE(m.expose().find("media_batches_expired_total 0\n"), std::string::npos);
  m.media_batches_expired(2);
  m.media_batches_expired(1);
  m.media_asset_failed("CORRUPT_MEDIA");
  m.media_asset_failed("CORRUPT_MEDIA");
  m.media_job_started();
  m.media_job_started();
  m.media_job_finished(42);
  const std::string text = m.expose();
  EXPECT_NE(text.find("media_batches_created_total 2\n"), std::string::npos);
  EXPECT_NE(text.find("media_batches_failed_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("media_batches_expired_total 3\n"), std::string::npos);
  EXPECT_NE(text.find("media_assets_failed_total{code=\"CORRUPT_MEDIA\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("media_processing_inflight_jobs 1\n"), std::string::npos);
  EXPECT_NE(text.find("media_processing_duration_seconds_bucket{le=\"30\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("media_processing_duration_seconds_bucket{le=\"60\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("media_processing_duration_seconds_sum 42\n"), std::string::npos);
}

// A job that ran elsewhere (the AWS mode's report) is observed in the same histogram and leaves
// the in-flight gauge, this replica's workers' own, as it is.
TEST(MetricsExpose, AJobObservedFromAReportLeavesTheInflightGauge) {
  Metrics m;
  m.media_job_started();
  m.media_job_observed(90);
  m.media_job_observed(2);
  const std::string text = m.expose();
  EXPECT_NE(text.find("media_processing_inflight_jobs 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("media_processing_duration_seconds_count 2\n"), std::string::npos);
  EXPECT_NE(text.find("media_processing_duration_seconds_sum 92\n"), std::string::npos);
  EXPECT_NE(text.find("media_processing_duration_seconds_bucket{le=\"5\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("media_processing_duration_seconds_bucket{le=\"120\"} 2\n"),
            std::string::npos);
}

TEST(MetricsExpose, SweepFamiliesShowEveryLabelFromTheStartAndMove) {
  Metrics m;
  std::string text = m.expose();
  for (const auto what : Metrics::kHousekeepingItems) {
    EXPECT_NE(text.find(fmt::format("media_housekeeping_removed_total{{what=\"{}\"}} 0\n", what)),
              std::string::npos)
        << text;
  }
  EXPECT_NE(text.find("media_sweep_last_success_timestamp_seconds{sweep=\"housekeeping\"} 0\n"),
            std::string::npos);
  m.media_housekeeping_removed("jobs", 2);
  m.media_housekeeping_removed("jobs", 3);
  m.media_housekeeping_removed("outbox_events", 0);
  m.media_sweep_succeeded("upload_expiry", 1765000000.5);
  text = m.expose();
  EXPECT_NE(text.find("media_housekeeping_removed_total{what=\"jobs\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("media_housekeeping_removed_total{what=\"outbox_events\"} 0\n"),
            std::string::npos);
  EXPECT_NE(
      text.find(
          "media_sweep_last_success_timestamp_seconds{sweep=\"upload_expiry\"} 1765000000.5\n"),
      std::string::npos)
      << text;
}

TEST(MetricsExpose, AwsFamiliesOnlyInAwsModeAndTheDlqOnlyWhenRead) {
  Metrics m;
  m.media_execution_started();
  EXPECT_EQ(m.expose().find("media_executions_started_total"), std::string::npos);
  m.expose_aws(false);
  std::string text = m.expose();
  EXPECT_NE(text.find("media_executions_started_total 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("media_execution_start_retries_total{reason=\"unavailable\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("media_executions_failed_total{reason=\"overdue\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("media_execution_starts_pending 0\n"), std::string::npos);
  EXPECT_EQ(text.find("media_start_dlq_messages"), std::string::npos);
  m.expose_aws(true);
  m.media_execution_start_retried("unavailable");
  m.media_execution_start_retried("unavailable");
  m.media_execution_start_retried("refused");
  m.media_execution_failed("reported");
  m.set_start_dlq_messages(4);
  m.set_queue_gauges({.starts_pending = 3, .starts_oldest_age_seconds = 12.5});
  text = m.expose();
  EXPECT_NE(text.find("media_execution_start_retries_total{reason=\"unavailable\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("media_execution_start_retries_total{reason=\"refused\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("media_executions_failed_total{reason=\"reported\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("media_execution_starts_pending 3\n"), std::string::npos);
  EXPECT_NE(text.find("media_execution_starts_oldest_pending_age_seconds 12.5\n"),
            std::string::npos);
  EXPECT_NE(text.find("media_start_dlq_messages 4\n"), std::string::npos) << text;
}

// Prometheus' own parser and linter on an exposition whose label values need every escape.
TEST(MetricsExpose, HostileLabelValuesPassPromtool) {
  Metrics m;
  m.http_request("GET", "/quote\"back\\slash\nnewline{}=,", 200, 0.01);
  m.http_request("POST", "unmatched", 404, 1e-7);
  m.media_asset_failed("CODE\"WITH\\ODD\nCHARS");
  m.media_job_started();
  m.media_job_finished(7200);
  m.expose_aws(true);  // every family, the AWS mode's included
  const auto file = std::filesystem::temp_directory_path() /
                    ("toq-metrics-" + std::to_string(::getpid()) + ".txt");
  std::ofstream{file} << m.expose();
  const std::string command =
      std::string{TOQ_PROMTOOL} + " check metrics < " + file.string() + " 2>&1";
  std::string output;
  int status = -1;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buf[4096];
    while (const auto n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
    status = ::pclose(pipe);
  }
  std::filesystem::remove(file);
  EXPECT_EQ(status, 0) << output << "\n" << m.expose();
}

TEST(RouteTemplatesTest, MapsPathsToTemplatesAndEverythingElseToUnmatched) {
  const RouteTemplates t{{"/api/v2/internal/listings/{listingIdentityId}", "/healthz",
                          "/api/v2/listings/media/uploads"}};
  EXPECT_EQ(t.match("/api/v2/internal/listings/28"),
            "/api/v2/internal/listings/{listingIdentityId}");
  EXPECT_EQ(t.match("/api/v2/internal/listings/abc"),
            "/api/v2/internal/listings/{listingIdentityId}");
  EXPECT_EQ(t.match("/api/v2/internal/listings/"), "unmatched");
  EXPECT_EQ(t.match("/api/v2/internal/listings/28/x"), "unmatched");
  EXPECT_EQ(t.match("/healthz"), "/healthz");
  EXPECT_EQ(t.match("/healthz/"), "unmatched");
  EXPECT_EQ(t.match("/api/v2/listings/media/uploads"), "/api/v2/listings/media/uploads");
  EXPECT_EQ(t.match("/storage/toq-media/a/b/c"), "/storage/{key}");
  EXPECT_EQ(t.match("/random/1234"), "unmatched");
  EXPECT_EQ(t.match(""), "unmatched");
}

}  // namespace
}  // namespace toq::http
