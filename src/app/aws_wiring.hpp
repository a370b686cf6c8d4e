#pragma once
// The composition of the AWS processing services (processing.mode aws, and the tasks): the
// credentials every AWS call signs with, what serve's AWS mode runs on, what the pipeline's tasks
// call besides the bucket, and what the use cases write into an execution input. With wiring.cpp
// the only place that builds AWS adapters; what it hands out is ports and plain functions.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/model/time.hpp"
#include "core/port/execution_starter.hpp"
#include "core/port/object_store.hpp"
#include "core/port/processing_results.hpp"
#include "core/port/webhook_sender.hpp"
#include "core/service/execution_runs.hpp"

#include "adapter/aws/credentials.hpp"
#include "adapter/http/handlers/api_handlers.hpp"
#include "app/config.hpp"
#include "support/http/http_client.hpp"

namespace toq::lambda {
class RuntimeClient;
}

namespace toq::app {

// The one identity every AWS call of this process uses: storage.s3's keys when set, else the
// environment (what Lambda sets), else the ECS / Fargate container credentials endpoint, asked
// through `http`.
std::shared_ptr<aws::CredentialsProvider> aws_credentials(const Config& config,
                                                          std::shared_ptr<support::HttpClient> http,
                                                          const core::Clock& clock);

// What serve runs on in processing.mode aws. `clock` and the store given to
// open_aws_serve_adapters() must outlive it.
struct AwsServeAdapters {
  // Step Functions (StartExecution, DescribeExecution): describe() for the overdue check, and the
  // starter when aws.startVia is direct.
  std::unique_ptr<core::ExecutionStarter> step_functions;
  // SQS in front of it (aws.startVia sqs), else null; it describes with step_functions (declared
  // before it, so destroyed after it).
  std::unique_ptr<core::ExecutionStarter> sqs;
  // The start DLQ's depth (SQS ApproximateNumberOfMessages, one call per read); empty unless
  // aws.startVia is sqs and aws.startDeadLetterQueueUrl is set.
  std::function<core::Result<std::int64_t>()> start_dlq_depth;
  // The pipeline callback's signature check (Standard Webhooks, the pipeline secret, at the
  // clock's now); UNAUTHENTICATED when it fails.
  std::function<core::Status(const http::handlers::SignatureHeaders&, std::string_view body)>
      verify_callback;
  // The per-asset result documents the callback's use case reads from the bucket.
  std::unique_ptr<core::ProcessingResults> results;

  // Where the relay starts executions: SQS when set, else Step Functions.
  core::ExecutionStarter& starter() const;
};
// CONFIG_INVALID for a bad ARN, queue URL, endpoint or pipeline secret. The pipeline secret is
// aws.callbackSecret, else <dataDir>/pipeline.secret (created on first start, mode 0600).
core::Result<AwsServeAdapters> open_aws_serve_adapters(const Config& config,
                                                       core::ObjectStore& store,
                                                       const core::Clock& clock);

// Step Functions as the pipeline's tasks call it: the starter task's named start, and the report
// task's DescribeExecution input of an execution (for an event that left it out). CONFIG_INVALID
// for a bad aws.stateMachineArn or endpoint.
struct TaskStepFunctions {
  std::shared_ptr<core::ExecutionStarter> starter;
  std::function<core::Result<std::string>(std::string_view execution_arn)> execution_input;
};
core::Result<TaskStepFunctions> open_task_step_functions(const Config& config,
                                                         const core::Clock& clock);

// The report task's sender: the signed callback to aws.callbackUrl, with the pipeline secret
// aws.callbackSecret, else Secrets Manager's value of aws.callbackSecretArn (the caller checks
// that one of them is set).
core::Result<std::unique_ptr<core::WebhookSender>> open_report_sender(const Config& config,
                                                                      const core::Clock& clock);

// The Lambda Runtime API client of `toq-media lambda`; `api` is AWS_LAMBDA_RUNTIME_API's
// host:port.
std::unique_ptr<lambda::RuntimeClient> make_runtime_client(std::string api);

// The AWS settings the use cases write into every execution input.
core::AwsProcessing aws_processing(const Config& config);

}  // namespace toq::app
