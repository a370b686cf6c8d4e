// `toq-media worker`: one worker process of the embedded mode (contract in commands.hpp). `serve`
// starts these as children (worker_supervisor.hpp); they can also run on their own.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include "core/service/run_job.hpp"

#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/use_cases.hpp"
#include "app/wiring.hpp"
#include "app/work_dirs.hpp"
#include "app/worker_events.hpp"
#include "app/worker_wake.hpp"
#include "support/crypto/random.hpp"

namespace toq::app {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int /*signal*/) {
  g_stop.store(true);
}

int report(const core::Error& e) {
  log::error("worker failed",
             {{"code", std::string{core::to_string(e.code)}}, {"error", e.message}});
  std::cerr << fmt::format("toq-media worker: {}: {}\n", core::to_string(e.code), e.message);
  if (!e.hint.empty()) {
    std::cerr << fmt::format("hint: {}\n", e.hint);
  }
  return 1;
}

bool stopping() {
  return g_stop.load();
}

// Sleeps up to `total`, waking early when a stop signal arrived.
void nap(std::chrono::milliseconds total) {
  const auto end = std::chrono::steady_clock::now() + total;
  while (!g_stop.load() && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// The events of this worker for the supervising serve (worker_events.hpp), on --events-fd.
class EventPipe {
 public:
  explicit EventPipe(int fd) : fd_(fd) {}
  void send(const JobEvent& event) const {
    if (fd_ < 0) {
      return;
    }
    const auto line = encode_event(event);
    // One write per line (< PIPE_BUF): lines from one worker never interleave.
    (void)!::write(fd_, line.data(), line.size());
  }

 private:
  int fd_;
};

std::string_view end_name(core::JobRunReport::End end) {
  switch (end) {
    case core::JobRunReport::End::kSucceeded: return "succeeded";
    case core::JobRunReport::End::kFailed: return "failed";
    case core::JobRunReport::End::kReleased: return "released";
    case core::JobRunReport::End::kLeaseLost: return "lease_lost";
    case core::JobRunReport::End::kHelped: return "helped";
  }
  return "unknown";
}

// What a worker process works with.
struct Worker {
  Config config;
  std::string id;  // host:pid:random, the lease owner
  std::filesystem::path work_root;
  std::unique_ptr<core::Database> db;
  ObjectStorage storage;
  std::unique_ptr<core::MediaProcessor> processor;
};

// Removes what dead workers left under data_dir/work once quiet for kDeadWorkDirQuiet
// (work_dirs.hpp: a live worker in another PID namespace sharing the data dir writes as it works);
// logged, never fatal. At the start and then whenever the worker falls idle, at most once per
// kDeadWorkDirQuiet.
void reap_dead_work_dirs(const Worker& worker) {
  for (const auto& dir :
       remove_dead_work_dirs(worker.work_root.parent_path(), "worker-", kDeadWorkDirQuiet)) {
    log::info("removed a dead worker's work directory",
              {{"worker", worker.id}, {"path", dir.string()}});
  }
}

// Stop signals, configuration, adapters and a fresh work directory under the data dir. `clock`
// must outlive the worker.
core::Result<Worker> start_worker(const cli::WorkerOptions& options, const core::Clock& clock) {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);

  auto env = MapEnvironment::snapshot(ProcessEnvironment{});
  if (options.common.data_dir) {
    env.set(std::string(kEnvPrefix) + "DATA_DIR", options.common.data_dir->string());
  }
  auto config = load_config(options.common.config_file, env);
  if (!config) return std::unexpected(config.error());
  init_logging(config->log);

  auto db = open_database(*config);
  if (!db) return std::unexpected(db.error());
  auto storage = open_object_storage(*config, clock);
  if (!storage) return std::unexpected(storage.error());
  auto id = support::process_instance_id();
  if (!id) return std::unexpected(id.error());
  Worker worker{.config = std::move(*config),
                .id = std::move(*id),
                .work_root = {},
                .db = std::move(*db),
                .storage = std::move(*storage),
                .processor = {}};
  worker.work_root = worker.config.data_dir / "work" / fmt::format("worker-{}", ::getpid());
  std::error_code ec;
  std::filesystem::remove_all(worker.work_root, ec);
  std::filesystem::create_directories(worker.work_root, ec);
  if (ec) {
    return core::fail(core::ErrorCode::kStorageError,
                      fmt::format("cannot create {}: {}", worker.work_root.string(), ec.message()));
  }
  worker.processor = make_media_processor(worker.config, worker.storage, worker.work_root);
  return worker;
}

// The fields of every line about the job in hand: its ids and its trace (the traceparent of the
// request that created it), so one grep follows an upload from the browser to the ZIP.
LogFields job_fields(const Worker& worker, const core::Job& job) {
  return {{"worker", worker.id},
          {"job_id", job.id.value},
          {"batch_id", job.batch_id.value},
          {"traceparent", job.traceparent}};
}

// A job claimed: logged before any work.
void on_claimed(const core::Job& job, const LogFields& fields) {
  LogFields line = fields;
  line.emplace_back("attempt", job.attempt);
  line.emplace_back("run", job.run);
  log::info("job claimed", line);
}

// One asset's result: logged, its time and a failure counted by serve. `since` is when the work
// on it began (the claim, or the previous asset's end).
void on_asset(const LogFields& job, const EventPipe& events, const core::Asset& asset,
              const core::AssetWorkResult& r, std::chrono::steady_clock::time_point since) {
  events.send(
      AssetDone{std::string(core::to_string(core::group_of(asset.declared.media_type))),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count()});
  LogFields fields = job;
  fields.insert(fields.end(), {{"asset_id", r.asset.value},
                               {"status", r.ready() ? "READY" : "FAILED"},
                               {"renditions", static_cast<std::int64_t>(r.renditions.size())}});
  if (r.failure) {
    events.send(AssetFailed{std::string(core::to_string(r.failure->code))});
    fields.emplace_back("code", std::string(core::to_string(r.failure->code)));
    fields.emplace_back("step", r.failed_step);
    fields.emplace_back("error", r.failure->message);
  }
  log::info("asset processed", fields);
}

// One run's end: logged, and counted by serve when the run held the job (a run that only helped
// another worker's job was never counted as started).
void on_job_end(const Worker& worker, const EventPipe& events, const core::JobRunReport& r,
                std::chrono::steady_clock::time_point started, bool held_job) {
  const auto took = std::chrono::steady_clock::now() - started;
  if (held_job) {
    events.send(
        JobFinished{std::string(end_name(r.end)), std::chrono::duration<double>(took).count()});
  }
  const LogFields ids{{"worker", worker.id},
                      {"job_id", r.job.value},
                      {"batch_id", r.batch.value},
                      {"listing_id", r.listing.value},
                      {"traceparent", r.traceparent}};
  if (r.archive) {
    LogFields zip = ids;
    zip.insert(zip.end(), {{"key", r.archive->key}, {"bytes", r.archive->bytes}});
    log::info("archive stored", zip);
  }
  LogFields fields = ids;
  fields.insert(fields.end(),
                {{"attempt", r.attempt},
                 {"end", std::string(end_name(r.end))},
                 {"assets_ready", r.assets_ready},
                 {"assets_failed", r.assets_failed},
                 {"duration_ms", std::chrono::duration<double, std::milli>(took).count()}});
  if (r.error) {
    fields.emplace_back("code", std::string(core::to_string(r.error->code)));
    fields.emplace_back("error", r.error->message);
  }
  log::info("job run ended", fields);
}

}  // namespace

int command_worker(const cli::WorkerOptions& options) {
  const core::SystemClock clock;
  auto worker = start_worker(options, clock);
  if (!worker) return report(worker.error());
  // Watched before the first look at the database: a wake-up from then on is never lost.
  WorkerWake wake(worker->config.data_dir);
  const EventPipe events(options.events_fd);
  auto asset_since = std::chrono::steady_clock::now();
  LogFields current;         // job_fields of the job in hand, held or helped
  bool claimed_job = false;  // this run holds a job (not only helping another worker's)
  core::RunJob runner = make_job_runner(
      worker->config, *worker->db, *worker->processor, clock, worker->id,
      [&](const core::Job& job) {
        claimed_job = true;
        asset_since = std::chrono::steady_clock::now();
        current = job_fields(*worker, job);
        on_claimed(job, current);
        events.send(JobStarted{});
      },
      [&](const core::Job& job) {
        current = job_fields(*worker, job);
        log::info("helping job", current);
      },
      stopping, [&data_dir = worker->config.data_dir] { ring_workers(data_dir); },
      [&wake](std::chrono::milliseconds most) { (void)wake.wait(most, stopping); });
  log::info("worker started", {{"worker", worker->id},
                               {"once", options.once},
                               {"wake_file", wake.armed() ? wake.path().string() : ""}});
  const auto poll = std::chrono::milliseconds(worker->config.processing.poll_millis);
  bool idle = false;  // nothing was due at the last look
  reap_dead_work_dirs(*worker);
  auto reaped_at = std::chrono::steady_clock::now();
  while (!g_stop.load()) {
    const auto started = std::chrono::steady_clock::now();
    asset_since = started;
    claimed_job = false;
    auto ran = runner.run_next([&](const core::Asset& asset, const core::AssetWorkResult& r) {
      on_asset(current, events, asset, r, asset_since);
      asset_since = std::chrono::steady_clock::now();
    });
    if (!ran) {
      log::error("job run failed", {{"worker", worker->id},
                                    {"code", std::string(core::to_string(ran.error().code))},
                                    {"error", ran.error().message}});
      nap(std::chrono::seconds(1));
      continue;
    }
    if (!*ran) {
      if (options.once) {
        break;
      }
      if (!std::exchange(idle, true)) {
        log::debug("worker idle", {{"worker", worker->id},
                                   {"poll_millis", worker->config.processing.poll_millis},
                                   {"wake", wake.armed()}});
        if (std::chrono::steady_clock::now() - reaped_at >= kDeadWorkDirQuiet) {
          reap_dead_work_dirs(*worker);
          reaped_at = std::chrono::steady_clock::now();
        }
      }
      // Until work is due (worker_wake.hpp) or the poll, for what no wake-up announces: a job
      // released with a backoff, a lease that expired, a wake-up lost.
      (void)wake.wait(poll, stopping);
      continue;
    }
    idle = false;
    on_job_end(*worker, events, **ran, started, claimed_job);
  }
  std::error_code ec;
  std::filesystem::remove_all(worker->work_root, ec);
  log::info("worker stopped", {{"worker", worker->id}});
  return 0;
}

}  // namespace toq::app
