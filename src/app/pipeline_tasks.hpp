#pragma once
// The pipeline's tasks as `toq-media lambda` and `toq-media task` run them: the configuration and
// the adapters each task needs (the object store, the media pipeline's limits and work directory,
// the signed report sender, Step Functions), asked of the wiring once per process.

#include <filesystem>
#include <memory>
#include <string>

#include "core/model/error.hpp"
#include "core/model/time.hpp"
#include "core/port/webhook_sender.hpp"

#include "adapter/lambda/runtime_loop.hpp"
#include "app/aws_wiring.hpp"
#include "app/config.hpp"
#include "app/wiring.hpp"

namespace toq::app {

class PipelineTasks {
 public:
  // Builds what `task` needs: asset and archive the S3 store (storage.driver s3) and a work
  // directory under <dataDir>/work; report the callback URL and the pipeline secret
  // (aws.callbackSecret, else GetSecretValue of aws.callbackSecretArn); starter Step Functions.
  // CONFIG_INVALID naming the missing key; the caller reports it as the init error.
  static core::Result<std::unique_ptr<PipelineTasks>> create(std::string task, Config config,
                                                             const core::Clock& clock);
  ~PipelineTasks();

  lambda::TaskOutcome run(std::string_view payload, const lambda::TaskContext& context);
  const std::string& task() const { return task_; }

 private:
  PipelineTasks(std::string task, Config config, const core::Clock& clock);

  std::string task_;
  Config config_;
  const core::Clock& clock_;
  ObjectStorage storage_;
  std::filesystem::path work_root_;
  std::unique_ptr<core::WebhookSender> sender_;
  TaskStepFunctions step_functions_;  // empty unless the task calls Step Functions
};

}  // namespace toq::app
