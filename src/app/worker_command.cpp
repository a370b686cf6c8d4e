// `toq-media worker`: one worker process of the embedded mode (contract in commands.hpp). `serve`
// starts these as children (worker_supervisor.hpp); they can also run on their own.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <unistd.h>

#include "core/service/run_job.hpp"

#include "adapter/media/pipeline/pipeline.hpp"
#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/wiring.hpp"
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

// Sleeps up to `total`, waking early when a stop signal arrived.
void nap(std::chrono::milliseconds total) {
  const auto end = std::chrono::steady_clock::now() + total;
  while (!g_stop.load() && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Event lines for the supervising serve (its /metrics), one JSON object per line on --events-fd.
class EventLine {
 public:
  explicit EventLine(int fd) : fd_(fd) {}
  void send(const nlohmann::json& event) const {
    if (fd_ < 0) {
      return;
    }
    const auto line = event.dump() + "\n";
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
  }
  return "unknown";
}

}  // namespace

media::PipelineLimits pipeline_limits(const Config& config) {
  media::PipelineLimits limits;
  limits.photo.max_pixels = config.processing.max_pixels;
  limits.video.max_duration = std::chrono::seconds(config.processing.max_video_seconds);
  limits.photo_timeout = std::chrono::seconds(config.processing.asset_timeout_seconds);
  limits.video.transcode_timeout = std::chrono::seconds(config.processing.asset_timeout_seconds);
  return limits;
}

int command_worker(const cli::WorkerOptions& options) {
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
  if (!config) {
    return report(config.error());
  }
  init_logging(config->log);

  const core::SystemClock clock;
  auto db = open_database(*config);
  if (!db) {
    return report(db.error());
  }
  auto storage = open_object_storage(*config, clock);
  if (!storage) {
    return report(storage.error());
  }
  auto suffix = support::random_hex(4);
  if (!suffix) {
    return report(suffix.error());
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const auto worker_id = fmt::format("{}:{}:{}", host, ::getpid(), *suffix);
  const auto work_root = config->data_dir / "work" / fmt::format("worker-{}", ::getpid());
  std::error_code ec;
  std::filesystem::remove_all(work_root, ec);
  std::filesystem::create_directories(work_root, ec);
  if (ec) {
    return report(
        core::make_error(core::ErrorCode::kStorageError,
                         fmt::format("cannot create {}: {}", work_root.string(), ec.message())));
  }

  media::PipelineProcessor processor(media::PipelineContext{.store = storage->store.get(),
                                                            .multipart = storage->multipart.get(),
                                                            .work_root = work_root,
                                                            .limits = pipeline_limits(*config)});
  const EventLine events(options.events_fd);
  core::RunJob runner(*db.value(), processor, clock,
                      core::RunJobOptions{
                          .worker_id = worker_id,
                          .lease = std::chrono::seconds(config->processing.lease_seconds),
                          .max_attempts = config->processing.max_attempts,
                          .backoff = {},  // RunJob's default: 10 s doubling to 5 min
                          .on_claimed =
                              [&](const core::Job&) {
                                events.send({{"event", "job_started"}});
                              },
                      });
  log::info("worker started", {{"worker", worker_id}, {"once", options.once}});
  const auto poll = std::chrono::milliseconds(config->processing.poll_millis);
  while (!g_stop.load()) {
    const auto started = std::chrono::steady_clock::now();
    auto ran = runner.run_next([&](const core::AssetWorkResult& r) {
      LogFields fields{{"worker", worker_id},
                       {"asset_id", r.asset.value},
                       {"status", r.ready() ? "READY" : "FAILED"},
                       {"renditions", static_cast<std::int64_t>(r.renditions.size())}};
      if (r.failure) {
        events.send({{"event", "asset_failed"}, {"code", core::to_string(r.failure->code)}});
        fields.emplace_back("code", std::string(core::to_string(r.failure->code)));
        fields.emplace_back("step", r.failed_step);
        fields.emplace_back("error", r.failure->message);
      }
      log::info("asset processed", fields);
    });
    if (!ran) {
      log::error("job run failed", {{"worker", worker_id},
                                    {"code", std::string(core::to_string(ran.error().code))},
                                    {"error", ran.error().message}});
      nap(std::chrono::seconds(1));
      continue;
    }
    if (!*ran) {
      if (options.once) {
        break;
      }
      nap(poll);
      continue;
    }
    const auto& r = **ran;
    events.send(
        {{"event", "job_finished"},
         {"end", end_name(r.end)},
         {"seconds",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}});
    LogFields fields{{"worker", worker_id},
                     {"job_id", r.job.value},
                     {"batch_id", r.batch.value},
                     {"listing_id", r.listing.value},
                     {"attempt", r.attempt},
                     {"end", std::string(end_name(r.end))},
                     {"assets_ready", r.assets_ready},
                     {"assets_failed", r.assets_failed},
                     {"duration_ms", std::chrono::duration<double, std::milli>(
                                         std::chrono::steady_clock::now() - started)
                                         .count()}};
    if (r.error) {
      fields.emplace_back("code", std::string(core::to_string(r.error->code)));
      fields.emplace_back("error", r.error->message);
    }
    log::info("job run ended", fields);
  }
  std::filesystem::remove_all(work_root, ec);
  log::info("worker stopped", {{"worker", worker_id}});
  return 0;
}

}  // namespace toq::app
