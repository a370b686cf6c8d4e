#include "adapter/aws/step_functions.hpp"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/model/execution_input.hpp"

#include "support/trace_context.hpp"

namespace toq::aws {
namespace {

using core::ErrorCode;

// The probe check() describes: a valid name (1..80 of the allowed characters) no run ever has.
constexpr std::string_view kProbeExecution = "toq-media-readiness-probe";

std::string host_of(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return {};
  auto rest = url.substr(sep + 3);
  return std::string(rest.substr(0, rest.find_first_of("/?#")));
}

std::string origin_of(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return {};
  const auto end = url.find_first_of("/?#", sep + 3);
  return std::string(url.substr(0, end));
}

core::ExecutionStatus parse_status(std::string_view s) {
  using core::ExecutionStatus;
  if (s == "RUNNING" || s == "PENDING_REDRIVE") return ExecutionStatus::kRunning;
  if (s == "SUCCEEDED") return ExecutionStatus::kSucceeded;
  if (s == "TIMED_OUT") return ExecutionStatus::kTimedOut;
  if (s == "ABORTED") return ExecutionStatus::kAborted;
  return ExecutionStatus::kFailed;
}

}  // namespace

std::string xray_trace_header(std::string_view traceparent) {
  const auto context = support::parse_traceparent(traceparent);
  if (!context) return {};
  const std::string_view trace = context->trace_id;
  return fmt::format("Root=1-{}-{};Parent={};Sampled={}", trace.substr(0, 8), trace.substr(8),
                     context->parent_id, (context->flags & 0x01U) != 0 ? 1 : 0);
}

std::string start_message_body(std::string_view name, std::string_view input) {
  return nlohmann::json{{"name", name}, {"input", input}}.dump();
}

core::Result<std::unique_ptr<StepFunctionsStarter>> StepFunctionsStarter::create(
    StepFunctionsOptions options, std::shared_ptr<support::HttpClient> http,
    const core::Clock& clock) {
  const auto region = region_of_arn(options.state_machine_arn);
  if (region.empty() || options.state_machine_arn.find(":stateMachine:") == std::string::npos) {
    return core::fail(
        ErrorCode::kConfigInvalid,
        fmt::format("aws.stateMachineArn '{}' is not a state machine ARN",
                    options.state_machine_arn),
        {}, "Set aws.stateMachineArn to arn:aws:states:<region>:<account>:stateMachine:<name>.");
  }
  auto client = AwsJsonClient::create(AwsJsonOptions{.api = kStepFunctionsApi,
                                                     .region = region,
                                                     .endpoint = options.endpoint,
                                                     .credentials = options.credentials},
                                      std::move(http), clock);
  if (!client) return std::unexpected(client.error());
  return std::unique_ptr<StepFunctionsStarter>(
      new StepFunctionsStarter(std::move(options), std::move(*client)));
}

std::string StepFunctionsStarter::execution_arn(std::string_view name) const {
  std::string arn = options_.state_machine_arn;
  const auto at = arn.find(":stateMachine:");
  arn.replace(at, 14, ":execution:");
  return arn + ":" + std::string(name);
}

core::Result<core::StartResult> StepFunctionsStarter::start(const core::StartRequest& request) {
  nlohmann::json body = {{"stateMachineArn", options_.state_machine_arn},
                         {"name", request.name},
                         {"input", request.input}};
  if (auto header = xray_trace_header(request.traceparent); !header.empty()) {
    body["traceHeader"] = header;
  }
  auto answer = client_->call("StartExecution", body.dump());
  if (!answer) {
    if (answer.error().error_name == "ExecutionAlreadyExists") {
      return core::StartResult{core::StartResult::Outcome::kAlreadyExists,
                               execution_arn(request.name)};
    }
    return std::unexpected(answer.error().error);
  }
  const auto parsed = nlohmann::json::parse(*answer, nullptr, false);
  std::string arn = execution_arn(request.name);
  if (parsed.is_object() && parsed.contains("executionArn") && parsed["executionArn"].is_string()) {
    arn = parsed["executionArn"].get<std::string>();
  }
  return core::StartResult{core::StartResult::Outcome::kStarted, std::move(arn)};
}

core::Result<core::ExecutionState> StepFunctionsStarter::describe(std::string_view name) {
  auto answer = client_->call("DescribeExecution",
                              nlohmann::json{{"executionArn", execution_arn(name)}}.dump());
  if (!answer) {
    if (answer.error().error_name == "ExecutionDoesNotExist") {
      return core::ExecutionState{core::ExecutionStatus::kNotFound, {}};
    }
    return std::unexpected(answer.error().error);
  }
  const auto parsed = nlohmann::json::parse(*answer, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("status") || !parsed["status"].is_string()) {
    return core::fail(ErrorCode::kPipelineError,
                      fmt::format("DescribeExecution of {} answered without a status", name));
  }
  core::ExecutionState state;
  state.status = parse_status(parsed["status"].get<std::string>());
  const std::string error = parsed.value("error", "");
  const std::string cause = parsed.value("cause", "");
  state.error = error.empty() ? cause : (cause.empty() ? error : error + ": " + cause);
  return state;
}

core::Result<std::string> StepFunctionsStarter::execution_input(std::string_view execution_arn) {
  auto answer =
      client_->call("DescribeExecution", nlohmann::json{{"executionArn", execution_arn}}.dump());
  if (!answer) return std::unexpected(answer.error().error);
  const auto parsed = nlohmann::json::parse(*answer, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("input") || !parsed["input"].is_string()) {
    return core::fail(
        ErrorCode::kPipelineError,
        fmt::format("DescribeExecution of {} answered without the input", execution_arn));
  }
  return parsed["input"].get<std::string>();
}

core::Status StepFunctionsStarter::check() {
  auto state = describe(kProbeExecution);
  if (!state) {
    auto e = state.error();
    e.hint =
        "Check aws.stateMachineArn, aws.endpoints.stepFunctions, the credentials and that they "
        "allow states:DescribeExecution.";
    return std::unexpected(std::move(e));
  }
  return {};
}

namespace {

// The JSON-protocol client for the queue at options.queue_url (`key` names the setting, for the
// message of a bad URL). The region is the URL's (sqs.<region>.amazonaws.com), else options.region.
core::Result<std::unique_ptr<AwsJsonClient>> sqs_client(const SqsStarterOptions& options,
                                                        std::string_view key,
                                                        std::shared_ptr<support::HttpClient> http,
                                                        const core::Clock& clock) {
  const std::string host = host_of(options.queue_url);
  if (host.empty()) {
    return core::fail(
        ErrorCode::kConfigInvalid, fmt::format("{} '{}' is not a URL", key, options.queue_url), {},
        fmt::format("Set {} to https://sqs.<region>.amazonaws.com/<account>/<queue>.", key));
  }
  std::string region = options.region;
  if (host.starts_with("sqs.")) {
    const auto rest = host.substr(4);
    region = rest.substr(0, rest.find('.'));
  }
  return AwsJsonClient::create(
      AwsJsonOptions{
          .api = kSqsApi,
          .region = region,
          .endpoint = options.endpoint.empty() ? origin_of(options.queue_url) : options.endpoint,
          .credentials = options.credentials},
      std::move(http), clock);
}

}  // namespace

core::Result<std::unique_ptr<SqsStarter>> SqsStarter::create(
    SqsStarterOptions options, core::ExecutionStarter& describer,
    std::shared_ptr<support::HttpClient> http, const core::Clock& clock) {
  auto client = sqs_client(options, "aws.startQueueUrl", std::move(http), clock);
  if (!client) return std::unexpected(client.error());
  return std::unique_ptr<SqsStarter>(
      new SqsStarter(std::move(options), std::move(*client), describer));
}

core::Result<std::unique_ptr<SqsQueueDepth>> SqsQueueDepth::create(
    SqsStarterOptions options, std::shared_ptr<support::HttpClient> http,
    const core::Clock& clock) {
  auto client = sqs_client(options, "aws.startDeadLetterQueueUrl", std::move(http), clock);
  if (!client) return std::unexpected(client.error());
  return std::unique_ptr<SqsQueueDepth>(new SqsQueueDepth(std::move(options), std::move(*client)));
}

core::Result<std::int64_t> SqsQueueDepth::approximate_messages() {
  auto answer = client_->call("GetQueueAttributes",
                              nlohmann::json{{"QueueUrl", options_.queue_url},
                                             {"AttributeNames", {"ApproximateNumberOfMessages"}}}
                                  .dump());
  if (!answer) return std::unexpected(answer.error().error);
  // {"Attributes":{"ApproximateNumberOfMessages":"3"}}: the count is a decimal string.
  const auto doc = nlohmann::json::parse(*answer, nullptr, false);
  const nlohmann::json* text = nullptr;
  if (doc.is_object() && doc.contains("Attributes") && doc["Attributes"].is_object() &&
      doc["Attributes"].contains("ApproximateNumberOfMessages")) {
    text = &doc["Attributes"]["ApproximateNumberOfMessages"];
  }
  std::int64_t n = -1;
  if (text != nullptr && text->is_string()) {
    const auto& digits = text->get_ref<const std::string&>();
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size()) n = -1;
  }
  if (n < 0) {
    return core::fail(ErrorCode::kPipelineError,
                      fmt::format("SQS GetQueueAttributes of {} answered no "
                                  "ApproximateNumberOfMessages: {}",
                                  options_.queue_url, answer->substr(0, 200)));
  }
  return n;
}

core::Result<core::StartResult> SqsStarter::start(const core::StartRequest& request) {
  auto answer =
      client_->call("SendMessage",
                    nlohmann::json{{"QueueUrl", options_.queue_url},
                                   {"MessageBody", start_message_body(request.name, request.input)}}
                        .dump());
  if (!answer) return std::unexpected(answer.error().error);
  return core::StartResult{core::StartResult::Outcome::kStarted, {}};
}

core::Result<core::ExecutionState> SqsStarter::describe(std::string_view name) {
  return describer_.describe(name);
}

core::Status SqsStarter::check() {
  auto answer = client_->call(
      "GetQueueAttributes",
      nlohmann::json{{"QueueUrl", options_.queue_url}, {"AttributeNames", {"QueueArn"}}}.dump());
  if (!answer) {
    auto e = answer.error().error;
    e.hint = "Check aws.startQueueUrl, aws.endpoints.sqs and the credentials.";
    return std::unexpected(std::move(e));
  }
  return describer_.check();
}

}  // namespace toq::aws
