#pragma once
// `serve` in processing.mode aws (docs/aws-pipeline.md): the execution starters, what the use
// cases write into execution inputs, the callback route's use case and signature check, the
// readiness probe of the pipeline, and the background relay (starts and the overdue check).
//
// No silent trap: check_at_start() asks Step Functions (or SQS) and the bucket once and logs, and
// prints, what does not answer and what to do; serve keeps running (a dependency may come up
// later) and /readyz answers 503 with "pipeline" or "store" unavailable until it does.

#include <functional>
#include <memory>
#include <string>

#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/object_store.hpp"
#include "core/service/execution_runs.hpp"

#include "adapter/aws/pipeline/result_documents.hpp"
#include "adapter/http/handlers/api_handlers.hpp"
#include "adapter/webhook/webhook_secret.hpp"
#include "app/aws_wiring.hpp"
#include "app/config.hpp"
#include "app/periodic_task.hpp"
#include "app/use_cases.hpp"

namespace toq::app {

class AwsMode {
 public:
  struct MetricsHooks {
    std::function<void()> batch_failed;
  };

  // CONFIG_INVALID for a bad ARN, queue URL, endpoint or pipeline secret. The pipeline secret is
  // aws.callbackSecret, else <dataDir>/pipeline.secret (created on first start, mode 0600).
  static core::Result<std::unique_ptr<AwsMode>> open(const Config& config, core::Database& db,
                                                     core::ObjectStore& store,
                                                     const core::Clock& clock);

  // Logs (and prints to stderr) every dependency that does not answer, with a hint.
  void check_at_start(core::ObjectStore& store);
  // The callback route, its signature check, the pipeline's readiness probe.
  void mount(http::handlers::ApiServices& services, MetricsHooks metrics);
  void start_relay();
  void stop_relay();

  core::AwsProcessing processing;

 private:
  AwsMode(const Config& config, core::Database& db, core::ObjectStore& store,
          const core::Clock& clock, ExecutionStarters starters, webhook::WebhookSecret secret);

  const Config& config_;
  const core::Clock& clock_;
  ExecutionStarters starters_;
  webhook::WebhookSecret secret_;
  aws::pipeline::StoreProcessingResults results_;
  AwsUseCases use_cases_;
  // The relay every processing.pollMillis, the overdue check every minute (aws.relay).
  std::unique_ptr<PeriodicTask> relay_task_;
  std::unique_ptr<PeriodicTask> overdue_task_;
};

}  // namespace toq::app
