#pragma once
// `serve` in processing.mode aws (docs/aws-pipeline.md), composed on the adapters
// aws_wiring.hpp builds: the callback route's use case and signature check, the readiness probe
// of the pipeline, the background relay (starts and the overdue check) and the logging of what it
// did, and the AWS mode's metrics (executions, the start outbox, the start DLQ).
//
// No silent trap: check_at_start() asks Step Functions (or SQS) and the bucket once and logs, and
// prints, what does not answer and what to do; serve keeps running (a dependency may come up
// later) and /readyz answers 503 with "pipeline" or "store" unavailable until it does.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/object_store.hpp"
#include "core/service/execution_runs.hpp"
#include "core/service/record_processing_result.hpp"

#include "adapter/http/handlers/api_handlers.hpp"
#include "adapter/http/metrics.hpp"
#include "app/aws_wiring.hpp"
#include "app/config.hpp"
#include "app/periodic_task.hpp"
#include "app/use_cases.hpp"

namespace toq::app {

// What an applied processing report moves on /metrics: each failed asset by its code, each
// asset's processing time by kind (when its document gave one), the run's duration, and a FAILED
// batch (with the run counted failed, reason "reported"). A report that was not applied
// (already_applied, stale) moves nothing, so a repeated delivery never counts twice.
void count_report(const core::RecordProcessingResultOutput& report, http::Metrics& metrics);

class AwsMode {
 public:
  // On the adapters aws_wiring.hpp built (open_aws_serve_adapters); `config`, `db` and `clock`
  // must outlive it. `relay_owner` names this serve among the replicas that claim starts
  // (support::process_instance_id).
  AwsMode(const Config& config, core::Database& db, const core::Clock& clock,
          AwsServeAdapters adapters, std::string relay_owner);

  // Logs (and prints to stderr) every dependency that does not answer, with a hint.
  void check_at_start(core::ObjectStore& store);
  // The callback route, its signature check, the pipeline's readiness probe; the AWS families of
  // `metrics` (which must outlive this) turned on and counted: executions started, starts retried,
  // runs failed (reported, or overdue) and the batches they fail, and what each applied report
  // says (count_report).
  void mount(http::handlers::ApiServices& services, http::Metrics& metrics);
  void start_relay();  // after mount()
  void stop_relay();
  // Before a scrape: the start DLQ's depth (aws.startVia sqs with aws.startDeadLetterQueueUrl),
  // read at most every 15 s; a failed read is logged and the last value kept.
  void refresh_metrics();

  core::AwsProcessing processing;

 private:
  const Config& config_;
  AwsServeAdapters adapters_;
  http::Metrics* metrics_ = nullptr;
  std::mutex dlq_mutex_;
  std::optional<std::chrono::steady_clock::time_point> dlq_read_at_;
  AwsUseCases use_cases_;
  // The relay every processing.pollMillis, the overdue check every minute (aws.relay).
  std::unique_ptr<PeriodicTask> relay_task_;
  std::unique_ptr<PeriodicTask> overdue_task_;
};

}  // namespace toq::app
