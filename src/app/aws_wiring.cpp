#include "app/aws_wiring.hpp"

#include "adapter/aws/credentials.hpp"
#include "adapter/aws/pipeline/result_documents.hpp"
#include "adapter/aws/secrets_manager.hpp"
#include "adapter/aws/step_functions.hpp"
#include "adapter/lambda/runtime_client.hpp"
#include "adapter/webhook/webhook_secret.hpp"
#include "adapter/webhook/webhook_signer.hpp"
#include "app/secrets.hpp"
#include "app/wiring.hpp"
#include "support/http/curl_http_client.hpp"

namespace toq::app {

namespace {

// The HTTP client for Step Functions, SQS and Secrets Manager (and the credentials endpoint): one
// attempt per call (the relay's backoff and the state machine's Retry are the retries), 10 s per
// exchange, unreachable as PIPELINE_UNAVAILABLE.
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

// Step Functions for aws.stateMachineArn, on `http` and `credentials`.
core::Result<std::unique_ptr<aws::StepFunctionsStarter>> open_step_functions(
    const Config& config, std::shared_ptr<support::HttpClient> http,
    std::shared_ptr<aws::CredentialsProvider> credentials, const core::Clock& clock) {
  return aws::StepFunctionsStarter::create(
      aws::StepFunctionsOptions{.state_machine_arn = config.aws.state_machine_arn,
                                .endpoint = config.aws.endpoints.step_functions,
                                .credentials = std::move(credentials)},
      std::move(http), clock);
}

// The SQS options of the queue at `queue_url`.
aws::SqsStarterOptions sqs_options(const Config& config, std::string queue_url,
                                   std::shared_ptr<aws::CredentialsProvider> credentials) {
  return aws::SqsStarterOptions{.queue_url = std::move(queue_url),
                                .endpoint = config.aws.endpoints.sqs,
                                .region = config.storage.s3.region,
                                .credentials = std::move(credentials)};
}

// Step Functions, and SQS in front of it when aws.startVia is sqs.
core::Status open_starters(const Config& config, const core::Clock& clock, AwsServeAdapters& out) {
  auto http = aws_service_http();
  auto credentials = aws_credentials(config, http, clock);
  auto sfn = open_step_functions(config, http, credentials, clock);
  if (!sfn) return std::unexpected(sfn.error());
  out.step_functions = std::move(*sfn);
  if (config.aws.start_via == StartVia::kSqs) {
    auto sqs = aws::SqsStarter::create(
        sqs_options(config, config.aws.start_queue_url, std::move(credentials)),
        *out.step_functions, http, clock);
    if (!sqs) return std::unexpected(sqs.error());
    out.sqs = std::move(*sqs);
  }
  return {};
}

// The start DLQ's depth reader; empty unless aws.startVia is sqs and aws.startDeadLetterQueueUrl
// is set.
core::Result<std::function<core::Result<std::int64_t>()>> open_start_dlq_depth(
    const Config& config, const core::Clock& clock) {
  if (config.aws.start_via != StartVia::kSqs || config.aws.start_dead_letter_queue_url.empty()) {
    return std::function<core::Result<std::int64_t>()>{};
  }
  auto http = aws_service_http();
  auto depth =
      aws::SqsQueueDepth::create(sqs_options(config, config.aws.start_dead_letter_queue_url,
                                             aws_credentials(config, http, clock)),
                                 http, clock);
  if (!depth) return std::unexpected(depth.error());
  std::shared_ptr<aws::SqsQueueDepth> reader = std::move(*depth);
  return [reader] { return reader->approximate_messages(); };
}

// The pipeline secret serve checks callbacks with: aws.callbackSecret, else
// <dataDir>/pipeline.secret (created on first start).
core::Result<webhook::WebhookSecret> serve_pipeline_secret(const Config& config) {
  std::string text = config.aws.callback_secret;
  if (text.empty()) {
    auto stored = load_or_create_secret(config.data_dir / "pipeline.secret");
    if (!stored) return std::unexpected(stored.error());
    text = std::move(*stored);
  }
  auto secret = webhook::WebhookSecret::parse(text);
  if (!secret) {
    auto e = secret.error();
    e.message = "aws.callbackSecret: " + e.message;
    return std::unexpected(std::move(e));
  }
  return secret;
}

}  // namespace

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

core::ExecutionStarter& AwsServeAdapters::starter() const {
  return sqs ? *sqs : *step_functions;
}

core::Result<AwsServeAdapters> open_aws_serve_adapters(const Config& config,
                                                       core::ObjectStore& store,
                                                       const core::Clock& clock) {
  AwsServeAdapters out;
  if (auto opened = open_starters(config, clock, out); !opened) {
    return std::unexpected(opened.error());
  }
  auto dlq = open_start_dlq_depth(config, clock);
  if (!dlq) return std::unexpected(dlq.error());
  out.start_dlq_depth = std::move(*dlq);
  auto secret = serve_pipeline_secret(config);
  if (!secret) return std::unexpected(secret.error());
  out.verify_callback = [secret = std::move(*secret), &clock](
                            const http::handlers::SignatureHeaders& h, std::string_view body) {
    return webhook::verify(secret, webhook::SignedHeaders{h.id, h.timestamp, h.signature}, body,
                           clock.now());
  };
  out.results = std::make_unique<aws::pipeline::StoreProcessingResults>(store);
  return out;
}

core::Result<TaskStepFunctions> open_task_step_functions(const Config& config,
                                                         const core::Clock& clock) {
  auto http = aws_service_http();
  auto sfn = open_step_functions(config, http, aws_credentials(config, http, clock), clock);
  if (!sfn) return std::unexpected(sfn.error());
  std::shared_ptr<aws::StepFunctionsStarter> shared = std::move(*sfn);
  return TaskStepFunctions{.starter = shared, .execution_input = [shared](std::string_view arn) {
                             return shared->execution_input(arn);
                           }};
}

core::Result<std::unique_ptr<core::WebhookSender>> open_report_sender(const Config& config,
                                                                      const core::Clock& clock) {
  if (!config.aws.callback_secret.empty()) {
    return open_callback_sender(config, config.aws.callback_secret);
  }
  auto http = aws_service_http();
  auto secret =
      aws::get_secret_string(config.aws.callback_secret_arn, config.aws.endpoints.secrets_manager,
                             aws_credentials(config, http, clock), http, clock);
  if (!secret) return std::unexpected(secret.error());
  return open_callback_sender(config, *secret);
}

std::unique_ptr<lambda::RuntimeClient> make_runtime_client(std::string api) {
  return std::make_unique<lambda::RuntimeClient>(std::move(api));
}

core::AwsProcessing aws_processing(const Config& config) {
  return core::AwsProcessing{.bucket = config.storage.s3.bucket,
                             .max_concurrency = config.aws.max_concurrency,
                             .archive_lambda_max_bytes = config.aws.archive_lambda_max_bytes};
}

}  // namespace toq::app
