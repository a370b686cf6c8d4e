#include "app/serve_aws.hpp"

#include <iostream>

#include <fmt/format.h>

#include "app/logging.hpp"

namespace toq::app {
namespace {

// How often jobs whose execution has not reported by its deadline are looked for.
constexpr std::chrono::seconds kOverdueCheckPeriod{60};
// How long a read of the start DLQ's depth is shown before /metrics asks SQS again: scrapes of
// several Prometheus servers cost one GetQueueAttributes per replica per this period at most.
constexpr std::chrono::seconds kDlqReadTtl{15};

// The job's trace (the one its execution input carries) is on every line about its run, so one
// grep over serve's log and the Lambda's follows a batch.
LogFields start_fields(const core::RelayedStart& r) {
  LogFields f{{"job_id", r.row.job_id.value},
              {"execution", r.row.name},
              {"attempts", r.row.attempts},
              {"traceparent", core::traceparent_of(r.row.input)}};
  if (r.error) {
    f.emplace_back("code", std::string(core::to_string(r.error->code)));
    f.emplace_back("error", r.error->message);
  }
  if (r.end == core::RelayedStart::End::kRetryLater) {
    f.emplace_back("retry_after_ms", static_cast<std::int64_t>(r.retry_after.count()));
  }
  return f;
}

void log_start(const core::RelayedStart& r, http::Metrics& metrics) {
  switch (r.end) {
    case core::RelayedStart::End::kStarted:
      metrics.media_execution_started();
      log::info("execution started", start_fields(r));
      break;
    case core::RelayedStart::End::kAlreadyExisted:
      metrics.media_execution_started();
      log::info("execution already existed", start_fields(r));
      break;
    case core::RelayedStart::End::kRetryLater:
      metrics.media_execution_start_retried(
          r.error && r.error->code == core::ErrorCode::kPipelineUnavailable ? "unavailable"
                                                                            : "refused");
      log::warn("execution start failed; retrying later", start_fields(r));
      break;
    case core::RelayedStart::End::kTakenOver:
      log::info("execution start taken over by another relay", start_fields(r));
      break;
  }
}

void log_overdue(const core::OverdueJob& o, http::Metrics& metrics) {
  LogFields f{{"job_id", o.job.value},
              {"execution", o.execution},
              {"execution_status", std::string(core::to_string(o.status))},
              {"traceparent", o.traceparent}};
  if (o.error) f.emplace_back("error", o.error->message);
  switch (o.end) {
    case core::OverdueJob::End::kExtended:
      log::info("execution still running past its deadline", f);
      break;
    case core::OverdueJob::End::kFailed:
      metrics.media_execution_failed("overdue");
      metrics.media_batch_failed();
      log::error("execution never reported; job failed", f);
      break;
    case core::OverdueJob::End::kLeftAlone:
      log::warn("overdue execution left for the next check", f);
      break;
  }
}

void log_round_error(const core::Error& e) {
  log::error("execution relay round failed",
             {{"code", std::string(core::to_string(e.code))}, {"error", e.message}});
}

}  // namespace

void count_report(const core::RecordProcessingResultOutput& report, http::Metrics& metrics) {
  if (report.outcome != core::RecordProcessingResultOutput::Outcome::kApplied) return;
  for (const auto& asset : report.observed) {
    if (asset.failure) metrics.media_asset_failed(core::to_string(*asset.failure));
    if (asset.processing) {
      metrics.media_asset_processed(core::to_string(asset.kind),
                                    std::chrono::duration<double>(*asset.processing).count());
    }
  }
  metrics.media_job_observed(std::chrono::duration<double>(report.run_duration).count());
  if (report.batch_status == core::BatchStatus::kFailed) {
    metrics.media_batch_failed();
    metrics.media_execution_failed("reported");
  }
}

AwsMode::AwsMode(const Config& config, core::Database& db, const core::Clock& clock,
                 AwsServeAdapters adapters, std::string relay_owner)
    : processing(aws_processing(config)),
      config_(config),
      adapters_(std::move(adapters)),
      use_cases_(config, db, *adapters_.results, adapters_.starter(), *adapters_.step_functions,
                 clock, std::move(relay_owner)) {}

void AwsMode::check_at_start(core::ObjectStore& store) {
  auto& starter = adapters_.starter();
  auto say = [](std::string_view what, const core::Error& e) {
    log::error("aws mode: a dependency does not answer",
               {{"dependency", std::string(what)},
                {"code", std::string(core::to_string(e.code))},
                {"error", e.message},
                {"hint", e.hint}});
    std::cerr << fmt::format("toq-media serve: aws mode: {} does not answer: {}\n", what,
                             e.message);
    if (!e.hint.empty()) std::cerr << fmt::format("hint: {}\n", e.hint);
  };
  if (auto ok = starter.check(); !ok) {
    say(starter.service_name(), ok.error());
  } else {
    log::info("aws mode: processing service answers",
              {{"service", std::string(starter.service_name())}});
  }
  if (auto head = store.head("toq-media/readyz-probe"); !head) {
    auto e = head.error();
    if (e.hint.empty()) {
      e.hint = "Check storage.s3.bucket, storage.s3.endpoint and the credentials.";
    }
    say("S3", e);
  }
}

void AwsMode::mount(http::handlers::ApiServices& services, http::Metrics& metrics) {
  metrics_ = &metrics;
  metrics.expose_aws(static_cast<bool>(adapters_.start_dlq_depth));
  services.record_result = &use_cases_.record_result;
  services.verify_callback = adapters_.verify_callback;
  services.on_callback = [&metrics](const core::RecordProcessingResultOutput& out,
                                    std::string_view webhook_id) {
    LogFields fields{{"webhook_id", std::string(webhook_id)},
                     {"job_id", out.job.value},
                     {"batch_id", out.batch.value},
                     {"outcome", std::string(core::to_string(out.outcome))},
                     {"batch_status", std::string(core::to_string(out.batch_status))},
                     {"traceparent", out.traceparent}};
    count_report(out, metrics);
    if (out.outcome == core::RecordProcessingResultOutput::Outcome::kApplied) {
      fields.emplace_back("assets_ready", out.assets_ready);
      fields.emplace_back("assets_failed", out.assets_failed);
      fields.emplace_back("duration_ms", static_cast<std::int64_t>(out.run_duration.count()));
      log::info("processing report applied", fields);
    } else {
      log::info("processing report ignored", fields);
    }
  };
  services.check_pipeline = [this] { return adapters_.starter().check(); };
}

void AwsMode::start_relay() {
  if (!config_.aws.relay) {
    log::info("aws mode: the start relay is off in this serve (aws.relay false)");
    return;
  }
  relay_task_ = std::make_unique<PeriodicTask>(
      std::chrono::milliseconds(config_.processing.poll_millis), [this] {
        auto relayed = use_cases_.relay_starts.run_once();
        if (!relayed) return log_round_error(relayed.error());
        for (const auto& r : *relayed) log_start(r, *metrics_);
      });
  overdue_task_ = std::make_unique<PeriodicTask>(kOverdueCheckPeriod, [this] {
    auto checked = use_cases_.check_overdue.run_once();
    if (!checked) return log_round_error(checked.error());
    for (const auto& o : *checked) log_overdue(o, *metrics_);
  });
  relay_task_->start();
  overdue_task_->start();
}

void AwsMode::refresh_metrics() {
  if (!adapters_.start_dlq_depth || !metrics_) return;
  std::lock_guard lock{dlq_mutex_};
  const auto now = std::chrono::steady_clock::now();
  if (dlq_read_at_ && now - *dlq_read_at_ < kDlqReadTtl) return;
  dlq_read_at_ = now;
  auto depth = adapters_.start_dlq_depth();
  if (!depth) {
    // The last value read stays on /metrics; the next scrape after the TTL asks again.
    log::warn("metrics: the start DLQ's depth could not be read",
              {{"code", std::string(core::to_string(depth.error().code))},
               {"error", depth.error().message},
               {"hint", "Check aws.startDeadLetterQueueUrl and sqs:GetQueueAttributes on it."}});
    return;
  }
  metrics_->set_start_dlq_messages(*depth);
}

void AwsMode::stop_relay() {
  if (relay_task_) relay_task_->stop();
  if (overdue_task_) overdue_task_->stop();
}

}  // namespace toq::app
