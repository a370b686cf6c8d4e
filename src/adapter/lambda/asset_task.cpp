// The asset task (tasks.hpp): the contract's "Asset task" in docs/aws-pipeline.md.

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>

#include <fmt/format.h>

#include "adapter/aws/pipeline/documents.hpp"
#include "adapter/aws/pipeline/result_documents.hpp"
#include "adapter/lambda/tasks.hpp"

namespace toq::lambda {
namespace {

namespace doc = aws::pipeline;

TaskFailure typed(std::string_view type, const doc::TaskErrorDetail& detail) {
  return TaskFailure{std::string(type), doc::task_error_message(detail)};
}

// The step after the last one that finished: where an infrastructure error happened.
std::string failing_step(const std::optional<std::string>& last_done) {
  const auto names = media::asset_step_names();
  if (!last_done) return std::string(names.front());
  for (std::size_t i = 0; i + 1 < names.size(); ++i) {
    if (names[i] == *last_done) return std::string(names[i + 1]);
  }
  return std::string(names.back());
}

}  // namespace

bool too_long_for_lambda(std::chrono::milliseconds duration, std::chrono::milliseconds remaining,
                         std::chrono::seconds max_video) {
  if (duration > max_video) return true;
  // One second of processing per second of video, plus a minute for fetching, probing and storing.
  return duration + std::chrono::seconds(60) > remaining;
}

namespace {

// The Lambda's plan, decided from ffprobe's duration before anything is transcoded.
struct Plan {
  bool too_long = false;
  std::int64_t duration_ms = 0;
  std::int64_t remaining_ms = 0;
};

// The check the pipeline runs before rendering: a video that cannot finish before `deadline`
// stops there, and `plan` says so.
std::function<core::Status(const media::AssetRun&)> plan_check(
    Plan& plan, std::chrono::system_clock::time_point deadline, std::chrono::seconds max_video) {
  return [&plan, deadline, max_video](const media::AssetRun& run) -> core::Status {
    if (!run.video || !run.facts.duration_ms) return {};
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::system_clock::now());
    const std::chrono::milliseconds duration{*run.facts.duration_ms};
    if (!too_long_for_lambda(duration, remaining, max_video)) return {};
    plan = Plan{true, duration.count(), std::max<std::int64_t>(0, remaining.count())};
    return core::fail(core::ErrorCode::kProcessingTimeout,
                      fmt::format("the video lasts {} ms; {} ms are left before the Lambda "
                                  "deadline and at most {} s of video run on Lambda",
                                  duration.count(), plan.remaining_ms, max_video.count()));
  };
}

// The pipeline's error (not a media failure: those are outcomes) as the typed task error.
TaskFailure pipeline_failure(const core::Error& e, const Plan& plan, core::AssetId asset,
                             const std::optional<std::string>& last_done) {
  if (plan.too_long) {
    return typed(kMediaTooLongForLambda,
                 {.asset = asset,
                  .step = "plan",
                  .code = core::ErrorCode::kProcessingTimeout,
                  .message = e.message,
                  .hint = "Nothing is wrong with the file: it is processed on Fargate instead.",
                  .duration_ms = plan.duration_ms,
                  .remaining_ms = plan.remaining_ms});
  }
  const bool input_fault = e.code == core::ErrorCode::kInvalidRequest;
  return typed(
      input_fault ? kTaskInputInvalid : kMediaTransient,
      {.asset = asset,
       .step = failing_step(last_done),
       .code = core::ErrorCode::kInternal,
       .message = e.message,
       .hint = input_fault ? "The payload breaks the processing contract."
                           : "An infrastructure fault (storage, network, disk): retried."});
}

}  // namespace

TaskOutcome run_asset_task(std::string_view payload, const TaskContext& context,
                           const AssetTaskDeps& deps) {
  // The document's processingMs: this invocation's wall time on the asset (a monotonic clock, so
  // a pinned or stepped wall clock cannot make it negative).
  const auto began = std::chrono::steady_clock::now();
  auto input = doc::parse_asset_task_input(payload, deps.bucket);
  if (!input) {
    return std::unexpected(typed(kTaskInputInvalid, {.step = "input",
                                                     .code = core::ErrorCode::kInternal,
                                                     .message = input.error().message,
                                                     .hint = "The payload breaks the processing "
                                                             "contract (docs/aws-pipeline.md)."}));
  }
  const auto& in = *input;
  const auto asset = in.asset.asset;
  const std::string result_key = doc::result_key(in.run, asset);

  Plan plan;
  media::PipelineContext pipeline{.store = deps.store,
                                  .multipart = deps.multipart,
                                  .work_root = deps.work_root,
                                  .limits = deps.limits};
  if (context.deadline) {
    pipeline.before_render = plan_check(plan, *context.deadline, deps.lambda_max_video);
  }
  std::optional<std::string> last_done;
  const core::AssetWork work{.listing = in.run.listing,
                             .batch = in.run.batch,
                             .job = in.run.job,
                             .asset = asset,
                             .declared = in.asset.declared,
                             .raw_key = in.asset.raw_key};
  auto outcome = media::process_asset(
      pipeline, work, [&](std::string_view step) { last_done = std::string(step); });
  if (!outcome) {
    return std::unexpected(pipeline_failure(outcome.error(), plan, asset, last_done));
  }
  const auto finished = deps.clock->now();
  const auto processing = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - began);
  auto written = doc::write_document(
      *deps.store, result_key,
      doc::asset_result_document(in, *outcome, context.runner, finished, processing));
  if (!written) {
    return std::unexpected(typed(kMediaTransient, {.asset = asset,
                                                   .step = "result",
                                                   .code = core::ErrorCode::kInternal,
                                                   .message = written.error().message,
                                                   .hint = "Writing the result document failed."}));
  }
  if (outcome->ready()) return doc::asset_task_result(in);
  const auto& failure = *outcome->failure;
  doc::TaskErrorDetail detail{.asset = asset,
                              .step = outcome->failed_step,
                              .code = failure.code,
                              .message = failure.message,
                              .hint = failure.hint,
                              .result_key = result_key};
  if (failure.tool) {
    detail.exit_status = failure.tool->exit_status;
    if (!failure.tool->tail.empty()) detail.diagnostics_tail = failure.tool->tail;
  }
  return std::unexpected(typed(kMediaInputInvalid, detail));
}

}  // namespace toq::lambda
