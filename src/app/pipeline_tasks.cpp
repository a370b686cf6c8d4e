#include "app/pipeline_tasks.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "adapter/lambda/tasks.hpp"
#include "app/aws_wiring.hpp"
#include "app/logging.hpp"
#include "app/wiring.hpp"
#include "app/work_dirs.hpp"

namespace toq::app {

namespace {

core::Error missing(std::string_view key, std::string_view task) {
  return core::make_error(core::ErrorCode::kConfigInvalid,
                          fmt::format("{} is required for the {} task", key, task), {},
                          fmt::format("Set {} (docs/aws-pipeline.md, Configuration).", key));
}

}  // namespace

PipelineTasks::PipelineTasks(std::string task, Config config, const core::Clock& clock)
    : task_(std::move(task)), config_(std::move(config)), clock_(clock) {}

PipelineTasks::~PipelineTasks() = default;

core::Result<std::unique_ptr<PipelineTasks>> PipelineTasks::create(std::string task, Config config,
                                                                   const core::Clock& clock) {
  std::unique_ptr<PipelineTasks> out(new PipelineTasks(std::move(task), std::move(config), clock));
  const auto& c = out->config_;
  const auto& name = out->task_;
  if (name == "asset" || name == "archive" || name == "report") {
    if (c.storage.driver != StorageDriver::kS3) {
      return std::unexpected(core::make_error(
          core::ErrorCode::kConfigInvalid,
          fmt::format("the {} task reads and writes the bucket: storage.driver must be s3", name),
          {}, "Set storage.driver to s3 and storage.s3.bucket / region."));
    }
    auto storage = open_object_storage(c, clock);
    if (!storage) return std::unexpected(storage.error());
    out->storage_ = std::move(*storage);
  }
  if (name == "asset" || name == "archive") {
    // What earlier task processes that died here left behind (work_dirs.hpp), before this one
    // adds its own.
    for (const auto& dir : remove_dead_task_work_dirs(c.data_dir / "work", kDeadWorkDirQuiet)) {
      log::info("removed a dead task's work directory", {{"task", name}, {"path", dir.string()}});
    }
    out->work_root_ = c.data_dir / "work" / fmt::format("{}-{}", name, ::getpid());
    std::error_code ec;
    std::filesystem::create_directories(out->work_root_, ec);
    if (ec) {
      return core::fail(
          core::ErrorCode::kStorageError,
          fmt::format("cannot create {}: {}", out->work_root_.string(), ec.message()));
    }
  }
  if (name == "report") {
    if (c.aws.callback_url.empty()) return std::unexpected(missing("aws.callbackUrl", name));
    if (c.aws.callback_secret.empty() && c.aws.callback_secret_arn.empty()) {
      return std::unexpected(missing("aws.callbackSecret or aws.callbackSecretArn", name));
    }
    auto sender = open_report_sender(c, clock);
    if (!sender) return std::unexpected(sender.error());
    out->sender_ = std::move(*sender);
  }
  if (name == "starter" || (name == "report" && !c.aws.state_machine_arn.empty())) {
    if (c.aws.state_machine_arn.empty()) {
      return std::unexpected(missing("aws.stateMachineArn", name));
    }
    auto sfn = open_task_step_functions(c, clock);
    if (!sfn) return std::unexpected(sfn.error());
    out->step_functions_ = std::move(*sfn);
  }
  return out;
}

lambda::TaskOutcome PipelineTasks::run(std::string_view payload,
                                       const lambda::TaskContext& context) {
  if (task_ == "asset") {
    return lambda::run_asset_task(payload, context,
                                  lambda::AssetTaskDeps{.store = storage_.store.get(),
                                                        .multipart = storage_.multipart.get(),
                                                        .work_root = work_root_,
                                                        .limits = pipeline_limits(config_),
                                                        .bucket = config_.storage.s3.bucket,
                                                        .clock = &clock_,
                                                        .lambda_max_video = std::chrono::seconds(
                                                            config_.aws.lambda_max_video_seconds)});
  }
  if (task_ == "archive") {
    return lambda::run_archive_task(payload, context,
                                    lambda::ArchiveTaskDeps{.store = storage_.store.get(),
                                                            .multipart = storage_.multipart.get(),
                                                            .work_root = work_root_,
                                                            .bucket = config_.storage.s3.bucket,
                                                            .clock = &clock_});
  }
  if (task_ == "report") {
    lambda::ReportTaskDeps deps{.store = storage_.store.get(),
                                .sender = sender_.get(),
                                .callback_url = config_.aws.callback_url,
                                .execution_input = {},
                                .clock = &clock_};
    deps.execution_input = step_functions_.execution_input;
    return lambda::run_report_task(payload, context, deps);
  }
  return lambda::run_starter_task(
      payload, context, lambda::StarterTaskDeps{.starter = step_functions_.starter.get()});
}

}  // namespace toq::app
