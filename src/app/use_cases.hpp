#pragma once
// The use cases of the service, built in one place on the adapters wiring.hpp picked. A
// subcommand takes what it runs from here and only adds the process around it (signals, threads,
// logging).

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/port/database.hpp"
#include "core/port/execution_starter.hpp"
#include "core/port/media_processor.hpp"
#include "core/port/processing_results.hpp"
#include "core/port/webhook_sender.hpp"
#include "core/service/cancel_upload_batch.hpp"
#include "core/service/check_overdue_executions.hpp"
#include "core/service/complete_upload_batch.hpp"
#include "core/service/create_upload_batch.hpp"
#include "core/service/delete_batch.hpp"
#include "core/service/deliver_webhooks.hpp"
#include "core/service/execution_runs.hpp"
#include "core/service/expire_upload_batches.hpp"
#include "core/service/get_batch_status.hpp"
#include "core/service/get_operational_gauges.hpp"
#include "core/service/list_batch_history.hpp"
#include "core/service/list_download_urls.hpp"
#include "core/service/record_processing_result.hpp"
#include "core/service/refresh_upload_urls.hpp"
#include "core/service/register_listing.hpp"
#include "core/service/relay_execution_starts.hpp"
#include "core/service/reprocess_batch.hpp"
#include "core/service/retry_batch.hpp"
#include "core/service/run_job.hpp"
#include "core/service/sweep_housekeeping.hpp"

#include "adapter/http/handlers/api_handlers.hpp"
#include "app/config.hpp"
#include "app/wiring.hpp"

namespace toq::app {

// Everything the HTTP API calls, and its readiness probes. `db`, `storage` and `clock` must
// outlive it; so must `aws`, set in processing.mode aws (complete and retry then also write the
// job's execution start).
class ApiUseCases {
 public:
  ApiUseCases(const Config& config, core::Database& db, const ObjectStorage& storage,
              const core::Clock& clock, const core::AwsProcessing* aws = nullptr);
  ApiUseCases(const ApiUseCases&) = delete;
  ApiUseCases& operator=(const ApiUseCases&) = delete;

  // The handlers' view: the use cases, probes that ask the database and the store, and in
  // processing.mode local the wake-up of idle workers after a new job (worker_wake.hpp).
  http::handlers::ApiServices services();
  // What /metrics reads from the database at each scrape.
  core::GetOperationalGauges& gauges() { return gauges_; }

 private:
  core::Database& db_;
  core::ObjectStore& store_;
  std::optional<std::filesystem::path> wake_dir_;  // the data dir whose workers a new job wakes
  core::RegisterListing listings_;
  core::CreateUploadBatch create_batch_;
  core::CompleteUploadBatch complete_batch_;
  core::RefreshUploadUrls refresh_urls_;
  core::GetBatchStatus batch_status_;
  core::ListDownloadUrls download_urls_;
  core::GetHlsPlaylist hls_playlist_;
  core::RetryBatch retry_batch_;
  core::CancelUploadBatch cancel_batch_;
  core::ListBatchHistory batch_history_;
  core::DeleteBatch delete_batch_;
  core::ReprocessBatch reprocess_batch_;
  core::GetOperationalGauges gauges_;
};

// The AWS mode's use cases in serve: the callback's, the start relay's (as relay `owner`, on
// processing.leaseSeconds) and the overdue check's (on aws.reportDeadlineSeconds). Every reference
// must outlive it.
class AwsUseCases {
 public:
  AwsUseCases(const Config& config, core::Database& db, core::ProcessingResults& results,
              core::ExecutionStarter& starter, core::ExecutionStarter& step_functions,
              const core::Clock& clock, std::string owner);
  AwsUseCases(const AwsUseCases&) = delete;
  AwsUseCases& operator=(const AwsUseCases&) = delete;

  core::RecordProcessingResult record_result;
  core::RelayExecutionStarts relay_starts;
  core::CheckOverdueExecutions check_overdue;
};

// The job runner of one worker process, on processing.leaseSeconds and processing.maxAttempts;
// `on_claimed` is told of each job it claims, `on_helping` of each job whose items it helps with
// (another worker holds it); `stopping` says when the worker was asked to stop; `on_work_due`
// and `wait` are RunJobOptions' (the job's worker waits for other workers' items up to
// processing.pollMillis each time, or until woken). `db`, `processor` and `clock` must outlive it.
core::RunJob make_job_runner(const Config& config, core::Database& db,
                             core::MediaProcessor& processor, const core::Clock& clock,
                             std::string worker_id,
                             std::function<void(const core::Job&)> on_claimed,
                             std::function<void(const core::Job&)> on_helping,
                             std::function<bool()> stopping, std::function<void()> on_work_due,
                             std::function<void(std::chrono::milliseconds)> wait);

// The sweep over abandoned uploads, on uploads.expireAfterSeconds; storage.urlTtlSeconds is how
// long an upload URL handed out may still work.
core::ExpireUploadBatches make_upload_expiry(const Config& config, core::Database& db,
                                             const ObjectStorage& storage,
                                             const core::Clock& clock);

// The housekeeping sweep on housekeeping.* (deleted batches' objects, raw retention, outbox and
// job history).
core::SweepHousekeeping make_housekeeping(const Config& config, core::Database& db,
                                          const ObjectStorage& storage, const core::Clock& clock);

// The delivery of the outbox's webhooks through `sender`, logging what happens to each event.
core::DeliverWebhooks make_webhook_delivery(core::Database& db, core::WebhookSender& sender,
                                            const core::Clock& clock);

}  // namespace toq::app
