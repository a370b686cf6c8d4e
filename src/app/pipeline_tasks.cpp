#include "app/pipeline_tasks.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "adapter/aws/secrets_manager.hpp"
#include "adapter/aws/step_functions.hpp"
#include "adapter/lambda/tasks.hpp"
#include "app/aws_wiring.hpp"
#include "app/wiring.hpp"

namespace toq::app {

namespace {

core::Error missing(std::string_view key, std::string_view task) {
  return core::make_error(core::ErrorCode::kConfigInvalid,
                          fmt::format("{} is required for the {} task", key, task), {},
                          fmt::format("Set {} (docs/aws-pipeline.md, Configuration).", key));
}

core::Result<std::string> pipeline_secret(const Config& config, const core::Clock& clock) {
  if (!config.aws.callback_secret.empty()) return config.aws.callback_secret;
  if (config.aws.callback_secret_arn.empty()) {
    return std::unexpected(missing("aws.callbackSecret or aws.callbackSecretArn", "report"));
  }
  auto http = aws_service_http();
  return aws::get_secret_string(config.aws.callback_secret_arn,
                                config.aws.endpoints.secrets_manager,
                                aws_credentials(config, http, clock), http, clock);
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
    auto text = pipeline_secret(c, clock);
    if (!text) return std::unexpected(text.error());
    auto sender = open_callback_sender(c, *text);
    if (!sender) return std::unexpected(sender.error());
    out->sender_ = std::move(*sender);
  }
  if (name == "starter" || (name == "report" && !c.aws.state_machine_arn.empty())) {
    if (c.aws.state_machine_arn.empty()) {
      return std::unexpected(missing("aws.stateMachineArn", name));
    }
    auto http = aws_service_http();
    auto sfn = aws::StepFunctionsStarter::create(
        aws::StepFunctionsOptions{.state_machine_arn = c.aws.state_machine_arn,
                                  .endpoint = c.aws.endpoints.step_functions,
                                  .credentials = aws_credentials(c, http, clock)},
        http, clock);
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
    if (step_functions_) {
      deps.execution_input = [this](std::string_view arn) {
        return step_functions_->execution_input(arn);
      };
    }
    return lambda::run_report_task(payload, context, deps);
  }
  return lambda::run_starter_task(payload, context,
                                  lambda::StarterTaskDeps{.starter = step_functions_.get()});
}

}  // namespace toq::app
