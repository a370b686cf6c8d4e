// The aws.* keys of the key table (processing.mode aws: serve's relay and callback, the tasks'
// own keys; docs/aws-pipeline.md, "Configuration and secrets").

#include <array>
#include <string>
#include <vector>

#include "core/model/execution_input.hpp"

#include "app/config/key_builders.hpp"

namespace toq::app {
namespace detail {
namespace {

constexpr std::array kStartVias = {EnumName<StartVia>{StartVia::kDirect, "direct"},
                                   EnumName<StartVia>{StartVia::kSqs, "sqs"}};

// aws.callback*: how the report task signs and sends the pipeline's callback
void add_aws_callback_keys(std::vector<KeySpec>& t) {
  t.push_back(secret_key(
      "aws.callbackSecret", [](auto& c) -> auto& { return c.aws.callback_secret; },
      "whsec_cGlwZWxpbmUtc2VjcmV0LWV4YW1wbGUtMDEyMzQ1Njc4OQ",
      [](const std::string& v) { return v.empty() || v.starts_with("whsec_") || v.size() >= 24; },
      "expected whsec_<base64> or at least 24 characters, or empty"));
  t.push_back(string_key(
      "aws.callbackSecretArn", [](auto& c) -> auto& { return c.aws.callback_secret_arn; },
      "arn:aws:secretsmanager:sa-east-1:123456789012:secret:toq-media-callback-AbCdEf",
      [](const std::string& v) { return v.empty() || v.starts_with("arn:"); },
      "expected a Secrets Manager secret ARN, or empty"));
  t.push_back(string_key(
      "aws.callbackUrl", [](auto& c) -> auto& { return c.aws.callback_url; },
      "https://media.toq.example/api/v2/listings/media/callback", optional_url_ok,
      "expected an http:// or https:// URL"));
}

}  // namespace

// aws.*: the AWS processing mode (serve's relay and callback; the tasks' own keys)
void add_aws_keys(std::vector<KeySpec>& t) {
  constexpr std::string_view kUrlExpected = "expected an http:// or https:// URL";
  t.push_back(string_key(
      "aws.stateMachineArn", [](auto& c) -> auto& { return c.aws.state_machine_arn; },
      "arn:aws:states:sa-east-1:123456789012:stateMachine:toq-media-batch",
      [](const std::string& v) {
        return v.empty() ||
               (v.starts_with("arn:") && v.find(":stateMachine:") != std::string::npos);
      },
      "expected a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>)"));
  t.push_back(enum_key(
      "aws.startVia", [](auto& c) -> auto& { return c.aws.start_via; }, kStartVias, "sqs"));
  t.push_back(string_key(
      "aws.startQueueUrl", [](auto& c) -> auto& { return c.aws.start_queue_url; },
      "https://sqs.sa-east-1.amazonaws.com/123456789012/toq-media-start", optional_url_ok,
      std::string(kUrlExpected)));
  t.push_back(string_key(
      "aws.startDeadLetterQueueUrl",
      [](auto& c) -> auto& { return c.aws.start_dead_letter_queue_url; },
      "https://sqs.sa-east-1.amazonaws.com/123456789012/toq-media-start-dlq", optional_url_ok,
      std::string(kUrlExpected)));
  t.push_back(bool_key(
      "aws.relay", [](auto& c) -> auto& { return c.aws.relay; }, "false"));
  t.push_back(int_key<int>(
      "aws.maxConcurrency", [](auto& c) -> auto& { return c.aws.max_concurrency; }, 1,
      core::kMaxMapConcurrency, " assets at once", "12"));
  t.push_back(bytes_key(
      "aws.archiveLambdaMaxBytes", [](auto& c) -> auto& { return c.aws.archive_lambda_max_bytes; },
      1, 5 * kTiB, "2GiB"));
  t.push_back(int_key<int>(
      "aws.reportDeadlineSeconds", [](auto& c) -> auto& { return c.aws.report_deadline_seconds; },
      60, 7 * 86400, " seconds", "30000",
      " (then the execution is checked with DescribeExecution)"));
  add_aws_callback_keys(t);
  t.push_back(int_key<int>(
      "aws.lambdaMaxVideoSeconds", [](auto& c) -> auto& { return c.aws.lambda_max_video_seconds; },
      1, 86400, " seconds", "240", " (longer videos run on Fargate)"));
  t.push_back(string_key(
      "aws.endpoints.stepFunctions",
      [](auto& c) -> auto& { return c.aws.endpoints.step_functions; }, "http://127.0.0.1:8083",
      optional_url_ok, std::string(kUrlExpected) + " (empty = AWS)", strip_trailing_slashes));
  t.push_back(string_key(
      "aws.endpoints.sqs", [](auto& c) -> auto& { return c.aws.endpoints.sqs; },
      "http://127.0.0.1:9324", optional_url_ok, std::string(kUrlExpected) + " (empty = AWS)",
      strip_trailing_slashes));
  t.push_back(string_key(
      "aws.endpoints.secretsManager",
      [](auto& c) -> auto& { return c.aws.endpoints.secrets_manager; }, "http://127.0.0.1:4584",
      optional_url_ok, std::string(kUrlExpected) + " (empty = AWS)", strip_trailing_slashes));
}

}  // namespace detail

std::string_view to_string(StartVia value) {
  return detail::enum_name(detail::kStartVias, value);
}

}  // namespace toq::app
