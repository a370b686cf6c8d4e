#include "adapter/aws/secrets_manager.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace toq::aws {

core::Result<std::string> get_secret_string(std::string_view secret_arn, std::string endpoint,
                                            std::shared_ptr<CredentialsProvider> credentials,
                                            std::shared_ptr<support::HttpClient> http,
                                            const core::Clock& clock) {
  auto client = AwsJsonClient::create(AwsJsonOptions{.api = kSecretsManagerApi,
                                                     .region = region_of_arn(secret_arn),
                                                     .endpoint = std::move(endpoint),
                                                     .credentials = std::move(credentials)},
                                      std::move(http), clock);
  if (!client) return std::unexpected(client.error());
  auto answer = (*client)->call("GetSecretValue", nlohmann::json{{"SecretId", secret_arn}}.dump());
  if (!answer) return std::unexpected(answer.error().error);
  const auto parsed = nlohmann::json::parse(*answer, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("SecretString") ||
      !parsed["SecretString"].is_string()) {
    return core::fail(core::ErrorCode::kPipelineError,
                      fmt::format("secret {} has no SecretString", secret_arn));
  }
  return parsed["SecretString"].get<std::string>();
}

}  // namespace toq::aws
