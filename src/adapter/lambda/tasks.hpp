#pragma once
// The tasks of the AWS pipeline (docs/aws-pipeline.md), each a function from the payload to the
// result JSON or a typed error, the same whether it runs in `toq-media lambda` or `toq-media task`:
// - asset:   one asset through the pipeline steps local mode runs (src/adapter/media/pipeline),
//            reading only its raw key, writing renditions and the result document under the
//            run's prefix; on Lambda a video that cannot finish before the deadline is refused
//            before transcoding (Media.TooLongForLambda) so Step Functions runs it on Fargate;
// - archive: the ZIP of a READY run from its result documents, streamed from the store into a
//            multipart upload (the pipeline's build_archive), then archive.json;
// - report:  the signed callback (Standard Webhooks, the pipeline secret) for the state machine's
//            report input or an EventBridge execution status event;
// - starter: SQS records -> the named StartExecution; failed records back as batchItemFailures.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "core/model/error.hpp"
#include "core/model/time.hpp"
#include "core/port/execution_starter.hpp"
#include "core/port/object_store.hpp"
#include "core/port/webhook_sender.hpp"

#include "adapter/lambda/task_outcome.hpp"
#include "adapter/media/pipeline/pipeline.hpp"

namespace toq::lambda {

struct AssetTaskDeps {
  core::ObjectStore* store = nullptr;
  core::MultipartStore* multipart = nullptr;
  std::filesystem::path work_root;
  media::PipelineLimits limits;
  std::string bucket;  // storage.s3.bucket: a payload naming another is Task.InputInvalid
  const core::Clock* clock = nullptr;
  // aws.lambdaMaxVideoSeconds: on Lambda, longer videos go to Fargate.
  std::chrono::seconds lambda_max_video{300};
};
TaskOutcome run_asset_task(std::string_view payload, const TaskContext& context,
                           const AssetTaskDeps& deps);

// The Lambda's plan for a probed video: the time it needs (duration x 1 s/s + 60 s) against the
// time left, and aws.lambdaMaxVideoSeconds. True when it must go to Fargate.
bool too_long_for_lambda(std::chrono::milliseconds duration, std::chrono::milliseconds remaining,
                         std::chrono::seconds max_video);

struct ArchiveTaskDeps {
  core::ObjectStore* store = nullptr;
  core::MultipartStore* multipart = nullptr;
  std::filesystem::path work_root;
  std::string bucket;
  const core::Clock* clock = nullptr;
};
TaskOutcome run_archive_task(std::string_view payload, const TaskContext& context,
                             const ArchiveTaskDeps& deps);

struct ReportTaskDeps {
  core::ObjectStore* store = nullptr;     // archive.json
  core::WebhookSender* sender = nullptr;  // aws.callbackUrl, signed with the pipeline secret
  std::string callback_url;               // the sender's URL, for messages
  // DescribeExecution's input, for an event that did not include it.
  std::function<core::Result<std::string>(std::string_view execution_arn)> execution_input;
  const core::Clock* clock = nullptr;
};
TaskOutcome run_report_task(std::string_view payload, const TaskContext& context,
                            const ReportTaskDeps& deps);

struct StarterTaskDeps {
  core::ExecutionStarter* starter = nullptr;  // Step Functions
};
TaskOutcome run_starter_task(std::string_view payload, const TaskContext& context,
                             const StarterTaskDeps& deps);

}  // namespace toq::lambda
