#pragma once
// The AWS JSON protocol (awsJson1_0 / awsJson1_1) the processing services speak: Step Functions,
// SQS and Secrets Manager. One request per operation: POST / on the service's endpoint with
// `X-Amz-Target: <target prefix>.<Operation>`, `Content-Type: application/x-amz-json-1.x`, a JSON
// body, SigV4 header-signed for the service (sigv4.hpp) with credentials from the chain
// (credentials.hpp), sent through the shared HTTP client (support/http) once (the callers own the
// retry policy: the relay's backoff is durable in the database). The answer, or an error:
// - a 2xx: the body;
// - an AWS error (4xx/5xx with {"__type": "...#Name", "message": ...} or the x-amzn-ErrorType
//   header): PIPELINE_UNAVAILABLE when it may be retried as is (5xx, throttling, a service
//   unavailable or timing out), else PIPELINE_ERROR; the message names the operation, the status,
//   the error name and AWS's message. AwsJsonError keeps the name for callers that decide on it
//   (ExecutionAlreadyExists, ExecutionDoesNotExist).
// - the network (refused, reset, timed out): PIPELINE_UNAVAILABLE.
// Thread-safe; the signer is rebuilt when the credentials change (an ECS refresh).

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/model/error.hpp"
#include "core/model/time.hpp"

#include "adapter/aws/credentials.hpp"
#include "adapter/aws/s3_requests.hpp"
#include "adapter/aws/sigv4.hpp"
#include "support/http/http_client.hpp"

namespace toq::aws {

struct JsonApi {
  std::string service;        // SigV4 service name: "states", "sqs", "secretsmanager"
  std::string target_prefix;  // "AWSStepFunctions", "AmazonSQS", "secretsmanager"
  std::string json_version;   // "1.0" or "1.1"
  std::string display_name;   // "Step Functions", for messages
};
inline const JsonApi kStepFunctionsApi{"states", "AWSStepFunctions", "1.0", "Step Functions"};
inline const JsonApi kSqsApi{"sqs", "AmazonSQS", "1.0", "SQS"};
inline const JsonApi kSecretsManagerApi{"secretsmanager", "secretsmanager", "1.1",
                                        "Secrets Manager"};

struct AwsJsonOptions {
  JsonApi api;
  std::string region;
  std::string endpoint;  // empty: https://{service}.{region}.amazonaws.com
  std::shared_ptr<CredentialsProvider> credentials;
};

// The error of a call AWS answered, beside the core::Error it maps to.
struct AwsJsonFailure {
  core::Error error;
  int status = 0;           // 0: no answer (network)
  std::string error_name;   // "ExecutionAlreadyExists" (namespace dropped), or ""
  std::string aws_message;  // AWS's own words
};

class AwsJsonClient {
 public:
  // CONFIG_INVALID for a missing region, credentials or HTTP client, or a bad endpoint.
  static core::Result<std::unique_ptr<AwsJsonClient>> create(
      AwsJsonOptions options, std::shared_ptr<support::HttpClient> http, const core::Clock& clock);

  // The response body of a 2xx, or the failure.
  std::expected<std::string, AwsJsonFailure> call(std::string_view operation,
                                                  std::string_view body);

  const AwsJsonOptions& options() const { return options_; }
  // scheme://authority of the endpoint, for messages.
  std::string endpoint_url() const;

 private:
  AwsJsonClient(AwsJsonOptions options, S3Endpoint endpoint,
                std::shared_ptr<support::HttpClient> http, const core::Clock& clock);

  AwsJsonOptions options_;
  S3Endpoint endpoint_;
  std::shared_ptr<support::HttpClient> http_;
  SignerForCredentials signer_;
};

// True for AWS error names that mean "try the same request again later" (throttling, a service
// that is unavailable, an internal failure).
bool is_retryable_aws_error(std::string_view name);

// The region of an ARN ("arn:aws:states:sa-east-1:123456789012:stateMachine:x" -> "sa-east-1"),
// or "" when it is not an ARN with a region.
std::string region_of_arn(std::string_view arn);

}  // namespace toq::aws
