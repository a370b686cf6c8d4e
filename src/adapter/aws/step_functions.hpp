#pragma once
// The ExecutionStarter port (core/port/execution_starter.hpp) on AWS:
// - StepFunctionsStarter: StartExecution and DescribeExecution of the batch state machine
//   (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html,
//   API_DescribeExecution.html). A Standard workflow answers a repeated start of a running
//   execution with the same name and input with the original's result, and a start whose name is
//   taken by a closed execution, or by one with another input, with ExecutionAlreadyExists: both
//   mean the run is started. check() asks DescribeExecution for an execution that cannot exist:
//   ExecutionDoesNotExist proves the endpoint, the credentials and the permission serve needs.
// - SqsStarter (aws.startVia: sqs): SendMessage of the start message {"name","input"}
//   (deploy/aws/contract/start-message.schema.json) to the start queue; `toq-media lambda
//   starter` makes the named call. describe() is Step Functions' (the overdue check), check()
//   GetQueueAttributes of the queue.
// - start_named_execution(): the starter Lambda's call, shared with the relay's.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/model/error.hpp"
#include "core/port/execution_starter.hpp"

#include "adapter/aws/aws_json_client.hpp"

namespace toq::aws {

struct StepFunctionsOptions {
  std::string state_machine_arn;  // arn:aws:states:{region}:{account}:stateMachine:{name}
  std::string endpoint;           // aws.endpoints.stepFunctions; empty: AWS's for the ARN's region
  std::shared_ptr<CredentialsProvider> credentials;
};

class StepFunctionsStarter final : public core::ExecutionStarter {
 public:
  // CONFIG_INVALID for an ARN that is not a state machine's, or a bad endpoint.
  static core::Result<std::unique_ptr<StepFunctionsStarter>> create(
      StepFunctionsOptions options, std::shared_ptr<support::HttpClient> http,
      const core::Clock& clock);

  core::Result<core::StartResult> start(const core::StartRequest& request) override;
  core::Result<core::ExecutionState> describe(std::string_view name) override;
  core::Status check() override;
  std::string_view service_name() const override { return "Step Functions"; }

  // arn:aws:states:{region}:{account}:execution:{machine}:{name}
  std::string execution_arn(std::string_view name) const;
  // DescribeExecution's input of an execution (the reporter, for an event that left it out).
  core::Result<std::string> execution_input(std::string_view execution_arn);
  const std::string& state_machine_arn() const { return options_.state_machine_arn; }

 private:
  StepFunctionsStarter(StepFunctionsOptions options, std::unique_ptr<AwsJsonClient> client)
      : options_(std::move(options)), client_(std::move(client)) {}
  StepFunctionsOptions options_;
  std::unique_ptr<AwsJsonClient> client_;
};

struct SqsStarterOptions {
  std::string queue_url;  // https://sqs.{region}.amazonaws.com/{account}/{name}
  std::string endpoint;   // aws.endpoints.sqs; empty: the queue URL's own scheme and host
  std::string region;     // used when the queue URL's host is not sqs.<region>.amazonaws.com
  std::shared_ptr<CredentialsProvider> credentials;
};

class SqsStarter final : public core::ExecutionStarter {
 public:
  // `describer` answers describe() (Step Functions); it must outlive this starter.
  static core::Result<std::unique_ptr<SqsStarter>> create(SqsStarterOptions options,
                                                          core::ExecutionStarter& describer,
                                                          std::shared_ptr<support::HttpClient> http,
                                                          const core::Clock& clock);

  // The message is sent on every attempt: SQS may hold several copies, the starter's named call
  // keeps it to one execution.
  core::Result<core::StartResult> start(const core::StartRequest& request) override;
  core::Result<core::ExecutionState> describe(std::string_view name) override;
  core::Status check() override;
  std::string_view service_name() const override { return "SQS"; }

 private:
  SqsStarter(SqsStarterOptions options, std::unique_ptr<AwsJsonClient> client,
             core::ExecutionStarter& describer)
      : options_(std::move(options)), client_(std::move(client)), describer_(describer) {}
  SqsStarterOptions options_;
  std::unique_ptr<AwsJsonClient> client_;
  core::ExecutionStarter& describer_;
};

// The depth of an SQS queue (the start queue's dead-letter queue, for /metrics): GetQueueAttributes
// asking for ApproximateNumberOfMessages, "the approximate number of messages available for
// retrieval from the queue"
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html).
// The options name the queue as SqsStarter's do. One call per approximate_messages(); the error
// is the call's (PIPELINE_UNAVAILABLE, PIPELINE_ERROR), or PIPELINE_ERROR for an answer without
// the count.
class SqsQueueDepth {
 public:
  // CONFIG_INVALID for a queue URL that is not a URL, or a bad endpoint.
  static core::Result<std::unique_ptr<SqsQueueDepth>> create(
      SqsStarterOptions options, std::shared_ptr<support::HttpClient> http,
      const core::Clock& clock);
  core::Result<std::int64_t> approximate_messages();

 private:
  SqsQueueDepth(SqsStarterOptions options, std::unique_ptr<AwsJsonClient> client)
      : options_(std::move(options)), client_(std::move(client)) {}
  SqsStarterOptions options_;
  std::unique_ptr<AwsJsonClient> client_;
};

// The start message's body: {"name":"job-77-r1","input":"<the input, as a JSON string>"}.
std::string start_message_body(std::string_view name, std::string_view input);

// The X-Ray trace header Step Functions takes (traceHeader) for a W3C traceparent: the trace id's
// 32 hex digits as Root=1-<8>-<24>, the parent id, Sampled from the flags. "" for anything else.
std::string xray_trace_header(std::string_view traceparent);

}  // namespace toq::aws
