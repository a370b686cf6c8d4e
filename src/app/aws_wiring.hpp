#pragma once
// The composition of the AWS processing services (processing.mode aws, and the tasks): which
// starter serve relays to, the credentials every AWS call signs with, and what the use cases write
// into an execution input.

#include <memory>

#include "core/model/time.hpp"
#include "core/port/execution_starter.hpp"
#include "core/service/execution_runs.hpp"

#include "adapter/aws/credentials.hpp"
#include "adapter/aws/step_functions.hpp"
#include "app/config.hpp"
#include "support/http/http_client.hpp"

namespace toq::app {

// The one identity every AWS call of this process uses: storage.s3's keys when set, else the
// environment (what Lambda sets), else the ECS / Fargate container credentials endpoint, asked
// through `http`.
std::shared_ptr<aws::CredentialsProvider> aws_credentials(const Config& config,
                                                          std::shared_ptr<support::HttpClient> http,
                                                          const core::Clock& clock);

// The HTTP client for Step Functions, SQS and Secrets Manager (and the credentials endpoint): one
// attempt per call (the relay's backoff and the state machine's Retry are the retries), 10 s per
// exchange, unreachable as PIPELINE_UNAVAILABLE.
std::shared_ptr<support::HttpClient> aws_service_http();

// What serve starts executions with: Step Functions (aws.startVia direct) or SQS in front of it.
// describe() is always Step Functions'. CONFIG_INVALID for a bad ARN, queue URL or endpoint.
struct ExecutionStarters {
  std::unique_ptr<aws::StepFunctionsStarter> step_functions;
  std::unique_ptr<core::ExecutionStarter> sqs;
  core::ExecutionStarter& starter() const;
};
core::Result<ExecutionStarters> open_execution_starters(const Config& config,
                                                        const core::Clock& clock);

// The depth reader of the start queue's DLQ: null unless aws.startVia is sqs and
// aws.startDeadLetterQueueUrl is set. CONFIG_INVALID for a bad URL or endpoint.
core::Result<std::unique_ptr<aws::SqsQueueDepth>> open_start_dlq_depth(const Config& config,
                                                                       const core::Clock& clock);

// The AWS settings the use cases write into every execution input.
core::AwsProcessing aws_processing(const Config& config);

}  // namespace toq::app
