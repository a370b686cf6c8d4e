// `toq-media serve`: the HTTP API, the embedded store's routes, the webhook delivery and the
// worker processes, or in the AWS mode the start relay and the pipeline's callback (serve_aws.hpp),
// composed (contract in commands.hpp). Each function below is one clause of
// that contract: configure and bind, open the adapters, mount the routes, start the background
// work, serve until a stop signal, stop within the grace period.

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include "adapter/http/api_routes.hpp"
#include "adapter/http/http_server.hpp"
#include "adapter/http/ops_routes.hpp"
#include "adapter/http/storage_routes.hpp"
#include "adapter/http/web_routes.hpp"
#include "app/aws_wiring.hpp"
#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/periodic_task.hpp"
#include "app/serve_aws.hpp"
#include "app/use_cases.hpp"
#include "app/wiring.hpp"
#include "app/worker_events.hpp"
#include "app/worker_supervisor.hpp"
#include "support/crypto/random.hpp"

namespace toq::app {
namespace {

// How often the outbox is looked at for due webhooks.
constexpr std::chrono::milliseconds kDeliveryPeriod{1000};
// How often the local store's leftovers are looked for (make_store_reaper).
constexpr std::chrono::milliseconds kReapPeriod{10 * 60 * 1000};

int report(const core::Error& e) {
  log::error("serve failed",
             {{"code", std::string{core::to_string(e.code)}}, {"error", e.message}});
  std::cerr << fmt::format("toq-media: {}: {}\n", core::to_string(e.code), e.message);
  if (!e.hint.empty()) std::cerr << fmt::format("hint: {}\n", e.hint);
  return 1;
}

std::string host_port_text(const std::string& host, int port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

// "host:0" / "[v6]:0" -> host; nullopt for any other port.
std::optional<std::string> ephemeral_host(std::string_view listen) {
  if (!listen.ends_with(":0")) return std::nullopt;
  std::string_view host = listen.substr(0, listen.size() - 2);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return std::nullopt;
  return std::string{host};
}

// Signals are taken by sigwait(); blocked before any thread starts, so every thread inherits the
// mask and none is interrupted by them.
sigset_t block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return stop_signals;
}

struct Bound {
  Config config;
  std::unique_ptr<http::HttpServer> server;
};

// The configuration, with --data-dir and --listen applied, and the server bound to its address.
// --listen HOST:0 binds before the configuration is loaded, so storage.publicBaseUrl sees the
// real port; its timeouts then come from a configuration read early (an error in it is the full
// load's to report).
core::Result<Bound> configure_and_bind(const cli::ServeOptions& options) {
  auto env = MapEnvironment::snapshot(ProcessEnvironment{});
  const auto& common = options.common;
  if (common.data_dir) env.set(std::string(kEnvPrefix) + "DATA_DIR", common.data_dir->string());
  std::unique_ptr<http::HttpServer> server;
  if (options.listen) {
    std::string listen = *options.listen;
    if (auto host = ephemeral_host(listen)) {
      const auto early = load_config(common.config_file, env);
      server = make_http_server(*host, 0, early ? &*early : nullptr);
      auto port = server->bind();
      if (!port) return std::unexpected(port.error());
      listen = host_port_text(*host, *port);
    }
    env.set(std::string(kEnvPrefix) + "SERVER_LISTEN", listen);
  }
  auto config = load_config(common.config_file, env);
  if (!config) return std::unexpected(config.error());
  init_logging(config->log);
  if (!server) {
    const auto hp = parse_host_port(config->server.listen);
    if (!hp) {
      return core::fail(core::ErrorCode::kConfigInvalid,
                        "server.listen is not HOST:PORT: " + config->server.listen);
    }
    server = make_http_server(hp->host, static_cast<int>(hp->port), &*config);
    if (auto port = server->bind(); !port) return std::unexpected(port.error());
  }
  return Bound{std::move(*config), std::move(server)};
}

// The queue and outbox gauges of /metrics, read from the database before each scrape.
void refresh_gauges(core::GetOperationalGauges& gauges, http::Metrics& metrics) {
  auto now = gauges.run();
  if (!now) {
    log::warn(
        "metrics: the database gauges could not be read",
        {{"code", std::string{core::to_string(now.error().code)}}, {"error", now.error().message}});
    return;
  }
  metrics.set_queue_gauges({.jobs_queued = now->jobs.queued,
                            .jobs_running = now->jobs.running,
                            .oldest_queued_age_seconds = now->oldest_queued_age_seconds,
                            .oldest_active_age_seconds = now->oldest_active_age_seconds,
                            .outbox_pending = now->outbox.pending,
                            .outbox_oldest_age_seconds = now->oldest_pending_event_age_seconds,
                            .starts_pending = now->starts.pending,
                            .starts_oldest_age_seconds = now->oldest_pending_start_age_seconds});
}

// Now as Unix seconds, for the sweeps' last-success gauges.
double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// One run of the sweep over abandoned uploads: each batch it closed is logged and counted, and so
// is the run when the database answered.
void sweep_expired_uploads(core::ExpireUploadBatches& expiry, http::Metrics& metrics) {
  auto swept = expiry.run();
  if (!swept) {
    log::warn("upload expiry sweep failed",
              {{"code", std::string{core::to_string(swept.error().code)}},
               {"error", swept.error().message}});
    return;
  }
  for (std::size_t i = 0; i < swept->expired.size(); ++i) {
    log::info("upload expired", {{"event", "batch_expired"},
                                 {"batch_id", swept->expired[i].value},
                                 {"traceparent", swept->expired_traces[i]}});
  }
  metrics.media_batches_expired(swept->expired.size());
  for (const auto id : swept->raw_removed) {
    log::info("abandoned uploads removed", {{"batch_id", id.value}});
  }
  metrics.media_housekeeping_removed("abandoned_uploads", swept->raw_removed.size());
  metrics.media_sweep_succeeded("upload_expiry", unix_now());
  for (const auto& e : swept->errors) {
    log::warn("upload expiry sweep: a batch failed",
              {{"code", std::string{core::to_string(e.code)}}, {"error", e.message}});
  }
}

// One run of the housekeeping sweep: what it removed is logged and counted, and so is the run when
// the database answered.
void sweep_housekeeping(core::SweepHousekeeping& housekeeping, http::Metrics& metrics) {
  auto swept = housekeeping.run();
  if (!swept) {
    log::warn("housekeeping sweep failed",
              {{"code", std::string{core::to_string(swept.error().code)}},
               {"error", swept.error().message}});
    return;
  }
  for (const auto id : swept->purged) {
    log::info("deleted batch's objects removed",
              {{"event", "batch_purged"}, {"batch_id", id.value}});
  }
  for (const auto id : swept->raw_removed) {
    log::info("raw uploads removed (retention)",
              {{"event", "raw_removed"}, {"batch_id", id.value}});
  }
  for (const auto id : swept->jobs_pruned) {
    log::info("superseded job removed (retention)",
              {{"event", "job_pruned"}, {"job_id", id.value}});
  }
  if (swept->outbox_pruned > 0) {
    log::info("delivered webhook events removed (retention)", {{"count", swept->outbox_pruned}});
  }
  metrics.media_housekeeping_removed("deleted_batch_objects", swept->purged.size());
  metrics.media_housekeeping_removed("ready_raw_uploads", swept->raw_removed.size());
  metrics.media_housekeeping_removed("jobs", swept->jobs_pruned.size());
  metrics.media_housekeeping_removed("outbox_events",
                                     static_cast<std::uint64_t>(swept->outbox_pruned));
  metrics.media_sweep_succeeded("housekeeping", unix_now());
  for (const auto& e : swept->errors) {
    log::warn("housekeeping sweep: an item failed",
              {{"code", std::string{core::to_string(e.code)}}, {"error", e.message}});
  }
}

// A request that failed on the server's side (a 5xx): its cause, logged with the request id the
// client was given (the API's X-Request-Id, the store's x-amz-request-id and XML RequestId).
void log_failure(const core::Error& e, std::string_view request_id, std::string_view what,
                 std::string_view traceparent) {
  LogFields fields{{"request_id", std::string{request_id}},
                   {"route", std::string{what}},
                   {"code", std::string{core::to_string(e.code)}},
                   {"error", e.message}};
  if (!traceparent.empty()) fields.emplace_back("traceparent", std::string{traceparent});
  log::error("request failed", fields);
}

// The API with its access log, the operational routes, the web pages, the embedded store's
// /storage/, and in the AWS mode the pipeline's callback.
void mount_routes(http::HttpServer& server, const Config& config, ApiUseCases& use_cases,
                  const http::auth::JwtVerifier& verifier, ServeRoutes& routes, AwsMode* aws) {
  http::ApiOptions api;
  api.services = use_cases.services();
  // The AWS mode: the pipeline's signed callback and its readiness probe.
  if (aws) aws->mount(api.services, routes.metrics);
  api.services.check_disk = make_disk_check(config);
  api.verifier = &verifier;
  api.max_body_bytes = config.server.max_body_bytes;
  api.hooks.access_log = [](const http::AccessLogEntry& e) {
    LogFields fields{{"method", e.method},
                     {"path", e.path},
                     {"query", e.query},
                     {"status", e.status},
                     {"duration_ms", e.duration_ms},
                     {"request_id", e.request_id},
                     {"traceparent", e.traceparent}};
    for (const auto& [name, value] : e.ids) fields.emplace_back(name, value);
    log::info("request", fields);
  };
  api.hooks.internal_error = [](const core::Error& e, const http::Request& req,
                                std::string_view what) {
    log_failure(e, req.request_id, what, req.traceparent);
  };
  api.cors = &routes.cors;
  api.metrics = &routes.metrics;
  api.route_templates = http::RouteTemplates{http::openapi_path_templates()};
  http::mount_api_routes(server, std::move(api));
  http::mount_ops_routes(server, routes.metrics, [&use_cases, &metrics = routes.metrics, aws] {
    refresh_gauges(use_cases.gauges(), metrics);
    if (aws) aws->refresh_metrics();
  });
  http::mount_web_routes(server, *routes.web);
  if (routes.storage) http::mount_storage_routes(server, *routes.storage);
}

// A worker's event line, counted in this process's /metrics (worker_events.hpp).
void count(http::Metrics& metrics, std::string_view line) {
  const auto event = decode_event(line);
  if (!event) return;
  if (std::holds_alternative<JobStarted>(*event)) {
    metrics.media_job_started();
  } else if (const auto* finished = std::get_if<JobFinished>(&*event)) {
    metrics.media_job_finished(finished->seconds);
    if (finished->end == "failed") metrics.media_batch_failed();
  } else if (const auto* failed = std::get_if<AssetFailed>(&*event)) {
    metrics.media_asset_failed(failed->code);
  } else if (const auto* done = std::get_if<AssetDone>(&*event)) {
    metrics.media_asset_processed(done->kind, done->seconds);
  }
}

void log_worker(const WorkerEvent& e) {
  LogFields fields{{"event", e.what}, {"slot", e.slot}, {"pid", e.pid}};
  if (e.exit_code >= 0) fields.emplace_back("exit_code", e.exit_code);
  if (e.signal != 0) fields.emplace_back("signal", e.signal);
  if (e.what == "exited") {
    log::warn("worker exited", fields);
  } else {
    log::info("worker", fields);
  }
}

// The embedded mode's worker processes (a crash in media code ends a worker, never the API);
// null when they run elsewhere.
core::Result<std::unique_ptr<WorkerSupervisor>> make_workers(const Config& config,
                                                             const cli::CommonOptions& common,
                                                             http::Metrics& metrics) {
  if (config.processing.mode != ProcessingMode::kLocal || !config.processing.start_workers) {
    return nullptr;
  }
  const int count_of_workers =
      config.processing.workers > 0
          ? config.processing.workers
          : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    return core::fail(core::ErrorCode::kInternal,
                      "cannot find the toq-media executable: " + ec.message());
  }
  std::vector<std::string> args = {"worker", "--data-dir",
                                   std::filesystem::absolute(config.data_dir).string()};
  if (common.config_file) {
    args.push_back("--config");
    args.push_back(std::filesystem::absolute(*common.config_file).string());
  }
  return std::make_unique<WorkerSupervisor>(
      SupervisorOptions{.executable = self.string(),
                        .args = std::move(args),
                        .count = count_of_workers,
                        .restart_delay = std::chrono::milliseconds(500),
                        .on_line = [&metrics](std::string_view line) { count(metrics, line); },
                        .on_event = log_worker});
}

// Serves until SIGTERM or SIGINT, then stops the background work (`tasks`: the webhook delivery,
// the upload expiry; in the AWS mode the relay) and lets requests in flight finish within
// server.shutdownGraceSeconds.
int serve_until_stopped(const Config& config, http::HttpServer& server,
                        const std::vector<PeriodicTask*>& tasks, WorkerSupervisor* workers,
                        AwsMode* aws, const sigset_t& stop_signals) {
  auto port = server.start();
  if (!port) return report(port.error());
  if (workers) workers->start();
  for (auto* task : tasks) task->start();
  if (aws) aws->start_relay();
  const std::string listen = host_port_text(server.options().host, *port);
  log::info("listening", {{"listen", listen},
                          {"port", *port},
                          {"url", "http://" + listen},
                          {"storage", std::string{to_string(config.storage.driver)}},
                          {"storage_public_base_url", config.storage.public_base_url},
                          {"database", std::string{to_string(config.database.driver)}},
                          {"workers", workers ? workers->count() : 0},
                          {"webhooks", !config.webhooks.url.empty()},
                          {"processing", std::string{to_string(config.processing.mode)}}});

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  log::info("stopping", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  // A client that keeps a request open past the grace period does not hold the process.
  const auto grace = std::chrono::seconds{config.server.shutdown_grace_seconds};
  for (auto* task : tasks) task->stop();
  if (aws) aws->stop_relay();
  // Workers finish the file in hand within the grace period, else they are killed: their jobs
  // stay in the database and resume at the next start (the lease expires).
  if (workers) workers->stop(grace);
  if (!server.stop_within(grace)) {
    log::warn("shutdown grace period expired",
              {{"shutdown_grace_seconds", config.server.shutdown_grace_seconds},
               {"note", "exiting with requests still open"}});
    std::fflush(nullptr);
    // The serving thread still runs: destroying the server (or anything it uses) is not safe.
    std::_Exit(0);
  }
  log::info("stopped");
  return 0;
}

// glibc gives the top of a thread's heap back to the kernel (madvise) whenever a free leaves more
// than M_TRIM_THRESHOLD there (128 KiB by default), and the next allocations fault those pages in
// again. SQLite does that for each row written into `assets`: its CHECK constraints' IN lists are
// evaluated through a temporary b-tree opened and closed per statement (tens of KiB), so a create
// of 100 files cost ~100 madvise calls and ~1,000 page faults, about a third of its CPU
// (docs/benchmarks.md, "Create batch of 100 files on a release build"). Up to 8 MiB now stay at
// a heap's top. (Setting it also stops glibc raising its mmap threshold on its own: blocks of
// 128 KiB and more stay mapped and unmapped one by one, as before any such raise.)
void keep_heap_tops() {
  constexpr int kTrimThresholdBytes = 8 * 1024 * 1024;
  (void)mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes);
}

}  // namespace

int command_serve(const cli::ServeOptions& options) {
  keep_heap_tops();
  const sigset_t stop_signals = block_stop_signals();
  auto bound = configure_and_bind(options);
  if (!bound) return report(bound.error());
  const Config& config = bound->config;
  http::HttpServer& server = *bound->server;

  const core::SystemClock clock;
  auto db = open_database(config);
  if (!db) return report(db.error());
  auto storage = open_object_storage(config, clock);
  if (!storage) return report(storage.error());
  auto verifier = make_jwt_verifier(config, clock);
  if (!verifier) return report(verifier.error());
  auto sender = open_webhook_sender(config);
  if (!sender) return report(sender.error());

  // The AWS mode: starts relayed to Step Functions (or SQS), the pipeline's signed callback.
  std::unique_ptr<AwsMode> aws;
  if (config.processing.mode == ProcessingMode::kAws) {
    auto adapters = open_aws_serve_adapters(config, *storage->store, clock);
    if (!adapters) return report(adapters.error());
    auto relay_owner = support::process_instance_id();
    if (!relay_owner) return report(relay_owner.error());
    aws = std::make_unique<AwsMode>(config, **db, clock, std::move(*adapters),
                                    std::move(*relay_owner));
    aws->check_at_start(*storage->store);
  }

  ApiUseCases use_cases(config, **db, *storage, clock, aws ? &aws->processing : nullptr);
  auto routes = make_serve_routes(
      config, *storage,
      [](const core::Error& e, std::string_view request_id, std::string_view traceparent,
         std::string_view what) { log_failure(e, request_id, what, traceparent); });
  mount_routes(server, config, use_cases, *verifier, *routes, aws.get());

  // Outbound webhooks, from the outbox, when a receiver is configured.
  std::optional<core::DeliverWebhooks> delivery;
  std::unique_ptr<PeriodicTask> delivery_task;
  if (*sender) {
    delivery.emplace(make_webhook_delivery(**db, **sender, clock));
    delivery_task =
        std::make_unique<PeriodicTask>(kDeliveryPeriod, [&delivery] { delivery->run_once(); });
  }
  // What crashed or abandoned uploads leave in the local store is removed while serving.
  std::unique_ptr<PeriodicTask> reaping;
  if (auto reap = make_store_reaper(*storage)) {
    reaping = std::make_unique<PeriodicTask>(kReapPeriod, [reap = std::move(reap)] {
      const auto r = reap();
      if (r.temp_files == 0 && r.uploads == 0) return;
      log::info("local store reaped",
                {{"temp_files", static_cast<std::int64_t>(r.temp_files)},
                 {"abandoned_uploads", static_cast<std::int64_t>(r.uploads)}});
    });
    reaping->start();
  }
  // Abandoned uploads: every replica sweeps (the use case is safe to run concurrently).
  auto expiry = make_upload_expiry(config, **db, *storage, clock);
  PeriodicTask expiry_task(
      std::chrono::seconds{config.uploads.expiry_sweep_seconds},
      [&expiry, &metrics = routes->metrics] { sweep_expired_uploads(expiry, metrics); });
  // Housekeeping (deleted batches, retention): every replica sweeps, safely at once.
  auto housekeeping = make_housekeeping(config, **db, *storage, clock);
  PeriodicTask housekeeping_task(
      std::chrono::seconds{config.housekeeping.sweep_seconds},
      [&housekeeping, &metrics = routes->metrics] { sweep_housekeeping(housekeeping, metrics); });
  std::vector<PeriodicTask*> tasks = {&expiry_task, &housekeeping_task};
  if (delivery_task) tasks.push_back(delivery_task.get());
  auto workers = make_workers(config, options.common, routes->metrics);
  if (!workers) return report(workers.error());
  return serve_until_stopped(config, server, tasks, workers->get(), aws.get(), stop_signals);
}

}  // namespace toq::app
