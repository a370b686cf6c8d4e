#pragma once
// The service's Prometheus metrics and their text exposition (format 0.0.4), hand-written because
// Debian packages no Prometheus client library for C++.
//
// Contract:
// - Every method is thread-safe and never fails; counters only go up.
// - Label values are free text (escaped on output: backslash, double quote, newline); callers keep
//   their number bounded: `route` is always a route TEMPLATE (RouteTemplates below), never a raw
//   path, and `code` an error code from the fixed list of core::ErrorCode.
// - Every family is exposed from the start (HELP and TYPE lines; the unlabelled ones with 0), so
//   a scrape shows the full set before any event.
// - The media_* methods are the increment API for the processing code (workers, the AWS mode's
//   relay and its applied processing reports, the sweeps); nothing in the HTTP adapter calls
//   them.
// - The AWS mode's families (executions, the start outbox, the start DLQ) are exposed only after
//   expose_aws(); labelled counters with a fixed label set show every label from the start.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace toq::http {

class Metrics {
 public:
  // Upper bounds (seconds) of the histogram buckets; +Inf is implicit.
  static constexpr std::array<double, 11> kHttpBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                          0.5,   1,    2.5,   5,    10};
  static constexpr std::array<double, 10> kProcessingBuckets = {1,   5,   15,  30,   60,
                                                                120, 300, 600, 1800, 3600};
  static constexpr std::array<double, 11> kAssetBuckets = {0.25, 0.5, 1,   2.5, 5,  10,
                                                           30,   60,  120, 300, 900};

  // What the database says now, refreshed before each scrape (the same in every replica).
  struct QueueGauges {
    std::int64_t jobs_queued = 0;
    std::int64_t jobs_running = 0;
    double oldest_queued_age_seconds = 0;  // 0 when nothing is queued
    double oldest_active_age_seconds = 0;  // oldest QUEUED or RUNNING job; 0 when none
    std::int64_t outbox_pending = 0;
    double outbox_oldest_age_seconds = 0;  // 0 when nothing is pending
    std::int64_t starts_pending = 0;       // the AWS mode's start outbox: not started yet
    double starts_oldest_age_seconds = 0;  // 0 when none
  };

  // Label values of the fixed-set counters.
  static constexpr std::array<std::string_view, 2> kStartRetryReasons = {"unavailable", "refused"};
  static constexpr std::array<std::string_view, 2> kExecutionFailureReasons = {"reported",
                                                                               "overdue"};
  static constexpr std::array<std::string_view, 5> kHousekeepingItems = {
      "deleted_batch_objects", "ready_raw_uploads", "abandoned_uploads", "jobs", "outbox_events"};
  static constexpr std::array<std::string_view, 2> kSweeps = {"housekeeping", "upload_expiry"};

  // HTTP: one finished request (called once per response written).
  void http_request(std::string_view method, std::string_view route, int status,
                    double duration_seconds);

  // Media processing.
  void media_batch_created();
  void media_batch_failed();
  void media_batches_expired(std::uint64_t n);  // abandoned uploads the expiry sweep closed
  void media_asset_failed(std::string_view code);
  void media_job_started();                          // inflight + 1
  void media_job_finished(double duration_seconds);  // inflight - 1, duration observed
  // A job that ran elsewhere ended (the AWS mode's report): its duration observed, inflight as is.
  void media_job_observed(double duration_seconds);
  // One asset done; `kind` is photo | video | project (the media group).
  void media_asset_processed(std::string_view kind, double duration_seconds);
  void set_queue_gauges(const QueueGauges& gauges);

  // Sweeps: `what` one of kHousekeepingItems; `sweep` one of kSweeps, at `unix_seconds`.
  void media_housekeeping_removed(std::string_view what, std::uint64_t n);
  void media_sweep_succeeded(std::string_view sweep, double unix_seconds);

  // The AWS mode. expose_aws() turns its families on (the start DLQ's with `start_dlq`).
  void expose_aws(bool start_dlq);
  void media_execution_started();
  // A start that failed and was rescheduled: `reason` is unavailable (throttled, 5xx, network)
  // or refused (any other error).
  void media_execution_start_retried(std::string_view reason);
  // A run that ended FAILED: reported (the pipeline's report) or overdue (no report by the
  // deadline; DescribeExecution said it ended or does not exist).
  void media_execution_failed(std::string_view reason);
  void set_start_dlq_messages(std::int64_t n);

  // The exposition text (Content-Type: text/plain; version=0.0.4).
  std::string expose() const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;  // cumulative at exposition, per-bucket here
    std::uint64_t count = 0;
    double sum = 0;
  };

  void observe_job(double duration_seconds);  // under mutex_
  // Parts of expose(), under mutex_.
  void expose_sweeps(std::string& out) const;
  void expose_aws_families(std::string& out) const;

  mutable std::mutex mutex_;
  std::map<std::array<std::string, 3>, std::uint64_t> http_requests_;  // method, route, status
  std::map<std::array<std::string, 2>, Histogram> http_durations_;     // method, route
  std::uint64_t batches_created_ = 0;
  std::uint64_t batches_failed_ = 0;
  std::uint64_t batches_expired_ = 0;
  std::map<std::string, std::uint64_t> assets_failed_;
  std::int64_t inflight_ = 0;
  Histogram processing_;
  std::map<std::string, Histogram> asset_processing_;  // by kind
  QueueGauges queue_;
  std::map<std::string, std::uint64_t, std::less<>> housekeeping_removed_;  // by what
  std::map<std::string, double, std::less<>> sweep_success_;                // by sweep
  bool aws_ = false;
  bool start_dlq_ = false;
  std::uint64_t executions_started_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> start_retries_;      // by reason
  std::map<std::string, std::uint64_t, std::less<>> executions_failed_;  // by reason
  std::int64_t start_dlq_messages_ = 0;
};

// `value` as a Prometheus label value between double quotes: \ -> \\, " -> \", newline -> \n.
std::string escape_label_value(std::string_view value);

// Maps request paths to the route templates they belong to, for bounded metric labels.
// Templates are OpenAPI-style ("/api/v2/internal/listings/{listingIdentityId}"); a {name} segment
// matches one non-empty path segment. A path under /storage/ is "/storage/{key}". Anything else
// is "unmatched" (unknown paths never create new label values).
class RouteTemplates {
 public:
  RouteTemplates() = default;
  explicit RouteTemplates(std::vector<std::string> templates);
  std::string_view match(std::string_view path) const;

 private:
  std::vector<std::string> templates_;
};

}  // namespace toq::http
