#include "app/use_cases.hpp"

#include "app/logging.hpp"
#include "app/worker_wake.hpp"
#include "support/json/log_ids.hpp"

namespace toq::app {

namespace {

core::CreateUploadBatchOptions upload_options(const Config& config) {
  core::CreateUploadBatchOptions options;
  options.limits = manifest_limits(config);
  options.multipart_threshold_bytes = config.storage.multipart_threshold_bytes;
  options.part_size_bytes = config.storage.part_size_bytes;
  options.url_ttl = std::chrono::seconds{config.storage.url_ttl_seconds};
  return options;
}

}  // namespace

ApiUseCases::ApiUseCases(const Config& config, core::Database& db, const ObjectStorage& storage,
                         const core::Clock& clock, const core::AwsProcessing* aws)
    : db_(db),
      store_(*storage.store),
      wake_dir_(config.processing.mode == ProcessingMode::kLocal ? std::optional(config.data_dir)
                                                                 : std::nullopt),
      listings_({db, clock}),
      create_batch_({db, *storage.multipart, *storage.signer, clock}, upload_options(config)),
      complete_batch_({db, *storage.store, *storage.multipart, clock, aws}),
      refresh_urls_({db, *storage.store, *storage.multipart, *storage.signer, clock},
                    upload_options(config)),
      batch_status_({db}),
      download_urls_({db, *storage.signer, clock, download_disposition},
                     {std::chrono::seconds{config.storage.url_ttl_seconds}}),
      hls_playlist_({db, *storage.store, *storage.signer, clock},
                    {std::chrono::seconds{config.storage.url_ttl_seconds}}),
      retry_batch_({db, clock, aws}),
      cancel_batch_({db, *storage.store, *storage.multipart, clock}),
      batch_history_({db}),
      delete_batch_({db, clock}),
      reprocess_batch_(retry_batch_),
      gauges_({db, clock}) {}

http::handlers::ApiServices ApiUseCases::services() {
  http::handlers::ApiServices services;
  services.listings = &listings_;
  services.create_batch = &create_batch_;
  services.complete_batch = &complete_batch_;
  services.refresh_urls = &refresh_urls_;
  services.batch_status = &batch_status_;
  services.download_urls = &download_urls_;
  services.hls_playlist = &hls_playlist_;
  services.retry_batch = &retry_batch_;
  services.cancel_batch = &cancel_batch_;
  services.batch_history = &batch_history_;
  services.delete_batch = &delete_batch_;
  services.reprocess_batch = &reprocess_batch_;
  // After the commit, so a worker that wakes finds the job. Also for workers that serve did not
  // start (processing.startWorkers false) but run on this data dir.
  if (wake_dir_) services.job_queued = [dir = *wake_dir_] { ring_workers(dir); };
  core::Database& database = db_;
  services.check_database = [&database]() -> core::Status {
    return database.run([](core::UnitOfWork& uow) -> core::Status {
      auto found = uow.listings().find(core::ListingId{0});
      if (!found) return std::unexpected(found.error());
      return {};
    });
  };
  core::ObjectStore& store = store_;
  services.check_store = [&store]() -> core::Status {
    auto head = store.head("toq-media/readyz-probe");
    if (!head) return std::unexpected(head.error());
    return {};
  };
  return services;
}

AwsUseCases::AwsUseCases(const Config& config, core::Database& db, core::ProcessingResults& results,
                         core::ExecutionStarter& starter, core::ExecutionStarter& step_functions,
                         const core::Clock& clock, std::string owner)
    : record_result({db, results, clock},
                    {std::chrono::seconds(config.aws.report_deadline_seconds)}),
      relay_starts(
          db, starter, clock,
          core::RelayStartOptions{
              .owner = std::move(owner),
              .claim = std::chrono::seconds(config.processing.lease_seconds),
              .report_deadline = std::chrono::seconds(config.aws.report_deadline_seconds)}),
      check_overdue(db, step_functions, clock,
                    core::OverdueOptions{.report_deadline = std::chrono::seconds(
                                             config.aws.report_deadline_seconds)}) {}

core::RunJob make_job_runner(const Config& config, core::Database& db,
                             core::MediaProcessor& processor, const core::Clock& clock,
                             std::string worker_id,
                             std::function<void(const core::Job&)> on_claimed,
                             std::function<void(const core::Job&)> on_helping,
                             std::function<bool()> stopping, std::function<void()> on_work_due,
                             std::function<void(std::chrono::milliseconds)> wait) {
  return core::RunJob(db, processor, clock,
                      core::RunJobOptions{
                          .worker_id = std::move(worker_id),
                          .lease = std::chrono::seconds(config.processing.lease_seconds),
                          .max_attempts = config.processing.max_attempts,
                          .backoff = {},  // RunJob's default: 10 s doubling to 5 min
                          .on_claimed = std::move(on_claimed),
                          .on_helping = std::move(on_helping),
                          // The items' end wakes the job's worker (worker_wake.hpp): the poll is
                          // only the fallback, as for an idle worker.
                          .item_poll = std::chrono::milliseconds(config.processing.poll_millis),
                          .stopping = std::move(stopping),
                          .on_work_due = std::move(on_work_due),
                          .wait = std::move(wait),
                      });
}

core::ExpireUploadBatches make_upload_expiry(const Config& config, core::Database& db,
                                             const ObjectStorage& storage,
                                             const core::Clock& clock) {
  return core::ExpireUploadBatches(
      {db, *storage.store, *storage.multipart, clock},
      {.expire_after = std::chrono::seconds{config.uploads.expire_after_seconds},
       .url_ttl = std::chrono::seconds{config.storage.url_ttl_seconds}});
}

core::SweepHousekeeping make_housekeeping(const Config& config, core::Database& db,
                                          const ObjectStorage& storage, const core::Clock& clock) {
  const auto& h = config.housekeeping;
  return core::SweepHousekeeping(
      {db, *storage.store, clock},
      {.delete_grace = std::chrono::seconds{h.delete_grace_seconds},
       .ready_raw_retention = std::chrono::seconds{h.ready_raw_retention_seconds},
       .outbox_retention = std::chrono::seconds{h.outbox_retention_seconds},
       .job_retention = std::chrono::seconds{h.job_retention_seconds}});
}

core::DeliverWebhooks make_webhook_delivery(core::Database& db, core::WebhookSender& sender,
                                            const core::Clock& clock) {
  return core::DeliverWebhooks(
      db, sender, clock,
      core::DeliverWebhooksOptions{.log = [](std::string_view what, const core::OutboxEvent& e,
                                             std::string_view detail) {
        LogFields fields{{"event_id", e.event_id},
                         {"type", e.type},
                         {"attempts", e.attempts},
                         {"detail", std::string(detail)},
                         {"traceparent", e.traceparent}};
        // The ids the payload names (api-contract.md "Webhooks out"), for the grep.
        for (auto& [name, id] : support::log_ids(nlohmann::json::parse(e.payload, nullptr, false)))
          fields.emplace_back(std::move(name), id);
        log::info(what, fields);
      }});
}

}  // namespace toq::app
