#include "app/aws_wiring.hpp"

#include "adapter/aws/credentials.hpp"
#include "adapter/aws/step_functions.hpp"
#include "support/http/curl_http_client.hpp"

namespace toq::app {

std::shared_ptr<aws::CredentialsProvider> aws_credentials(const Config& config,
                                                          std::shared_ptr<support::HttpClient> http,
                                                          const core::Clock& clock) {
  const auto& s3 = config.storage.s3;
  std::optional<aws::Credentials> configured;
  if (!s3.access_key_id.empty()) {
    configured = aws::Credentials{
        s3.access_key_id, s3.secret_access_key,
        s3.session_token.empty() ? std::nullopt : std::optional<std::string>(s3.session_token)};
  }
  return aws::default_credentials_chain(configured, std::move(http), clock);
}

std::shared_ptr<support::HttpClient> aws_service_http() {
  support::HttpClientOptions options;
  options.connect_timeout = std::chrono::milliseconds(3000);
  options.request_timeout = std::chrono::milliseconds(10000);
  options.retry.max_attempts = 1;
  options.max_idle_handles = 4;
  options.unreachable_code = core::ErrorCode::kPipelineUnavailable;
  options.unreachable_message = "The processing service is not reachable right now.";
  return std::make_shared<support::CurlHttpClient>(std::move(options));
}

core::ExecutionStarter& ExecutionStarters::starter() const {
  return sqs ? *sqs : static_cast<core::ExecutionStarter&>(*step_functions);
}

core::Result<ExecutionStarters> open_execution_starters(const Config& config,
                                                        const core::Clock& clock) {
  auto http = aws_service_http();
  auto credentials = aws_credentials(config, http, clock);
  ExecutionStarters out;
  auto sfn = aws::StepFunctionsStarter::create(
      aws::StepFunctionsOptions{.state_machine_arn = config.aws.state_machine_arn,
                                .endpoint = config.aws.endpoints.step_functions,
                                .credentials = credentials},
      http, clock);
  if (!sfn) return std::unexpected(sfn.error());
  out.step_functions = std::move(*sfn);
  if (config.aws.start_via == StartVia::kSqs) {
    auto sqs =
        aws::SqsStarter::create(aws::SqsStarterOptions{.queue_url = config.aws.start_queue_url,
                                                       .endpoint = config.aws.endpoints.sqs,
                                                       .region = config.storage.s3.region,
                                                       .credentials = credentials},
                                *out.step_functions, http, clock);
    if (!sqs) return std::unexpected(sqs.error());
    out.sqs = std::move(*sqs);
  }
  return out;
}

core::Result<std::unique_ptr<aws::SqsQueueDepth>> open_start_dlq_depth(const Config& config,
                                                                       const core::Clock& clock) {
  if (config.aws.start_via != StartVia::kSqs || config.aws.start_dead_letter_queue_url.empty()) {
    return nullptr;
  }
  auto http = aws_service_http();
  return aws::SqsQueueDepth::create(
      aws::SqsStarterOptions{.queue_url = config.aws.start_dead_letter_queue_url,
                             .endpoint = config.aws.endpoints.sqs,
                             .region = config.storage.s3.region,
                             .credentials = aws_credentials(config, http, clock)},
      http, clock);
}

core::AwsProcessing aws_processing(const Config& config) {
  return core::AwsProcessing{.bucket = config.storage.s3.bucket,
                             .max_concurrency = config.aws.max_concurrency,
                             .archive_lambda_max_bytes = config.aws.archive_lambda_max_bytes};
}

}  // namespace toq::app
