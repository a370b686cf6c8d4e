#include "adapter/aws/aws_json_client.hpp"

#include <array>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/crypto/digest.hpp"
#include "support/io/byte_sources.hpp"

namespace toq::aws {
namespace {

using core::ErrorCode;

AwsJsonFailure failure(ErrorCode code, std::string message, int status = 0, std::string name = {},
                       std::string aws_message = {}) {
  return AwsJsonFailure{core::make_error(code, std::move(message)), status, std::move(name),
                        std::move(aws_message)};
}

// "com.amazonaws.states#ExecutionAlreadyExists" -> "ExecutionAlreadyExists"; the header form may
// carry ":http://internal.amazon.com/..." after the name.
std::string short_name(std::string_view type) {
  if (const auto hash = type.rfind('#'); hash != std::string_view::npos) {
    type = type.substr(hash + 1);
  }
  if (const auto colon = type.find(':'); colon != std::string_view::npos) {
    type = type.substr(0, colon);
  }
  return std::string(type);
}

}  // namespace

bool is_retryable_aws_error(std::string_view name) {
  static constexpr std::array kRetryable = {
      std::string_view{"ThrottlingException"},
      std::string_view{"Throttling"},
      std::string_view{"ThrottledException"},
      std::string_view{"RequestThrottled"},
      std::string_view{"RequestThrottledException"},
      std::string_view{"TooManyRequestsException"},
      std::string_view{"ProvisionedThroughputExceededException"},
      std::string_view{"RequestLimitExceeded"},
      std::string_view{"ServiceUnavailable"},
      std::string_view{"ServiceUnavailableException"},
      std::string_view{"InternalFailure"},
      std::string_view{"InternalServerError"},
      std::string_view{"InternalError"},
      std::string_view{"RequestTimeout"},
      std::string_view{"RequestTimeoutException"},
      std::string_view{"KMSThrottlingException"}};
  for (const auto r : kRetryable) {
    if (r == name) return true;
  }
  return false;
}

std::string region_of_arn(std::string_view arn) {
  // arn:partition:service:region:account:resource
  std::array<std::string_view, 5> parts{};
  std::size_t at = 0;
  for (auto& part : parts) {
    const auto colon = arn.find(':', at);
    if (colon == std::string_view::npos) return {};
    part = arn.substr(at, colon - at);
    at = colon + 1;
  }
  if (parts[0] != "arn") return {};
  return std::string(parts[3]);
}

core::Result<std::unique_ptr<AwsJsonClient>> AwsJsonClient::create(
    AwsJsonOptions options, std::shared_ptr<support::HttpClient> http, const core::Clock& clock) {
  if (options.region.empty()) {
    return core::fail(ErrorCode::kConfigInvalid,
                      fmt::format("{}: no region (give the full ARN or set AWS_REGION)",
                                  options.api.display_name));
  }
  if (!options.credentials || !http) {
    return core::fail(
        ErrorCode::kConfigInvalid,
        fmt::format("{}: no credentials provider or HTTP client", options.api.display_name));
  }
  const std::string url =
      options.endpoint.empty()
          ? fmt::format("https://{}.{}.amazonaws.com", options.api.service, options.region)
          : options.endpoint;
  auto endpoint = parse_endpoint(url);
  if (!endpoint) {
    auto e = endpoint.error();
    e.message = fmt::format("{} endpoint: {}", options.api.display_name, e.message);
    return std::unexpected(std::move(e));
  }
  return std::unique_ptr<AwsJsonClient>(
      new AwsJsonClient(std::move(options), std::move(*endpoint), std::move(http), clock));
}

AwsJsonClient::AwsJsonClient(AwsJsonOptions options, S3Endpoint endpoint,
                             std::shared_ptr<support::HttpClient> http, const core::Clock& clock)
    : options_(std::move(options)),
      endpoint_(std::move(endpoint)),
      http_(std::move(http)),
      signer_(options_.credentials, options_.region, options_.api.service, clock) {}

std::string AwsJsonClient::endpoint_url() const {
  return fmt::format("{}://{}{}", endpoint_.scheme, endpoint_.authority, endpoint_.base_path);
}

std::expected<std::string, AwsJsonFailure> AwsJsonClient::call(std::string_view operation,
                                                               std::string_view body) {
  const auto& api = options_.api;
  const std::string what = fmt::format("{} {} ({})", api.display_name, operation, endpoint_url());
  auto s = signer_.get();
  if (!s) {
    const auto code = s.error().code == ErrorCode::kConfigInvalid ? ErrorCode::kPipelineError
                                                                  : ErrorCode::kPipelineUnavailable;
    return std::unexpected(
        failure(code, fmt::format("{}: no AWS credentials: {}", what, s.error().message)));
  }
  auto hash = support::sha256_hex(body);
  if (!hash) return std::unexpected(failure(ErrorCode::kInternal, hash.error().message));
  RequestToSign request;
  request.method = "POST";
  request.host = endpoint_.authority;
  request.path = endpoint_.base_path.empty() ? "/" : endpoint_.base_path + "/";
  request.headers = {{"Content-Type", fmt::format("application/x-amz-json-{}", api.json_version)},
                     {"X-Amz-Target", fmt::format("{}.{}", api.target_prefix, operation)}};
  request.payload_sha256 = std::move(*hash);
  auto signed_request = (*s)->sign_headers(std::move(request), {});
  if (!signed_request) {
    return std::unexpected(failure(ErrorCode::kInternal, signed_request.error().message));
  }
  support::MemorySource source{std::string(body)};
  const support::HttpRequest wire{
      .method = "POST",
      .url = fmt::format("{}://{}{}", endpoint_.scheme, endpoint_.authority,
                         signed_request->request.path),
      .headers = std::move(signed_request->request.headers),
      .body = &source,
      .content_length = static_cast<std::int64_t>(body.size()),
      .max_attempts = 1};
  auto response = http_->send(wire);
  if (!response) {
    const auto code = response.error().code == ErrorCode::kConfigInvalid
                          ? ErrorCode::kPipelineError
                          : ErrorCode::kPipelineUnavailable;
    return std::unexpected(failure(code, fmt::format("{}: {}", what, response.error().message)));
  }
  if (response->status >= 200 && response->status < 300) return std::move(response->body);

  std::string name;
  std::string aws_message;
  const auto parsed = nlohmann::json::parse(response->body, nullptr, false);
  if (parsed.is_object()) {
    if (auto t = parsed.find("__type"); t != parsed.end() && t->is_string()) {
      name = short_name(t->get<std::string>());
    }
    for (const char* key : {"message", "Message"}) {
      if (auto m = parsed.find(key); m != parsed.end() && m->is_string()) {
        aws_message = m->get<std::string>();
      }
    }
  }
  if (name.empty()) {
    if (auto header = response->header("x-amzn-ErrorType")) name = short_name(*header);
  }
  const bool retryable =
      response->status >= 500 || response->status == 429 || is_retryable_aws_error(name);
  return std::unexpected(
      failure(retryable ? ErrorCode::kPipelineUnavailable : ErrorCode::kPipelineError,
              fmt::format("{}: HTTP {} {}{}{}", what, response->status,
                          name.empty() ? "(no error name)" : name, aws_message.empty() ? "" : ": ",
                          aws_message),
              response->status, name, aws_message));
}

}  // namespace toq::aws
