#pragma once
// Secrets Manager's GetSecretValue (JSON protocol), for the report Lambda's pipeline secret
// (aws.callbackSecretArn): https://docs.aws.amazon.com/secretsmanager/latest/apireference/
// API_GetSecretValue.html. The SecretString, or the client's error (PIPELINE_UNAVAILABLE,
// PIPELINE_ERROR); PIPELINE_ERROR when the secret holds binary only.

#include <memory>
#include <string>

#include "core/model/error.hpp"

#include "adapter/aws/aws_json_client.hpp"

namespace toq::aws {

core::Result<std::string> get_secret_string(std::string_view secret_arn, std::string endpoint,
                                            std::shared_ptr<CredentialsProvider> credentials,
                                            std::shared_ptr<support::HttpClient> http,
                                            const core::Clock& clock);

}  // namespace toq::aws
