#include "adapter/aws/credentials.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/io/byte_sources.hpp"

namespace toq::aws {

namespace {

using core::ErrorCode;

std::unexpected<core::Error> not_configured(std::string message) {
  return core::fail(ErrorCode::kConfigInvalid, std::move(message));
}

std::optional<std::string> non_empty(const EnvLookup& env, std::string_view name) {
  auto value = env(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

// The host of an http(s) URL, without port or brackets.
std::string url_host(std::string_view url) {
  auto rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (rest.starts_with('[')) return std::string{rest.substr(1, rest.find(']') - 1)};
  return std::string{rest.substr(0, rest.find(':'))};
}

// Plain http is allowed only where nobody can sit between us and the agent.
bool http_host_allowed(std::string_view host) {
  return host == "localhost" || host.starts_with("127.") || host == "::1" ||
         host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23";
}

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string{name}.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string{value};
  };
}

Result<Credentials> StaticCredentialsProvider::get() {
  if (credentials_.access_key_id.empty() || credentials_.secret_access_key.empty()) {
    return not_configured("static: no access key configured");
  }
  return credentials_;
}

Result<Credentials> EnvironmentCredentialsProvider::get() {
  auto id = non_empty(env_, "AWS_ACCESS_KEY_ID");
  auto secret = non_empty(env_, "AWS_SECRET_ACCESS_KEY");
  if (!id || !secret) {
    return not_configured("environment: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY not set");
  }
  return Credentials{.access_key_id = std::move(*id),
                     .secret_access_key = std::move(*secret),
                     .session_token = non_empty(env_, "AWS_SESSION_TOKEN")};
}

EcsCredentialsProvider::EcsCredentialsProvider(std::shared_ptr<support::HttpClient> http,
                                               const core::Clock& clock, EnvLookup env,
                                               EcsCredentialsOptions options)
    : http_(std::move(http)), clock_(&clock), env_(std::move(env)), options_(std::move(options)) {}

int EcsCredentialsProvider::fetches() const {
  const std::lock_guard lock{mutex_};
  return fetches_;
}

Result<Credentials> EcsCredentialsProvider::get() {
  // One lock over the fetch: concurrent callers wait for one refresh instead of each making one.
  const std::lock_guard lock{mutex_};
  const core::Timestamp now = clock_->now();
  const auto fresh = [&](const Fetched& f) {
    return !f.expiration || now + options_.refresh_margin < *f.expiration;
  };
  if (cached_ && fresh(*cached_)) return cached_->credentials;
  auto fetched = fetch();
  if (!fetched) {
    // Keep serving credentials that still work: the endpoint may be briefly unreachable.
    if (fetched.error().code != ErrorCode::kConfigInvalid && cached_ &&
        (!cached_->expiration || now < *cached_->expiration)) {
      return cached_->credentials;
    }
    return std::unexpected(std::move(fetched.error()));
  }
  cached_ = std::move(*fetched);
  return cached_->credentials;
}

Result<EcsCredentialsProvider::Fetched> EcsCredentialsProvider::fetch() {
  std::string url;
  if (auto relative = non_empty(env_, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    if (!relative->starts_with('/')) relative->insert(0, "/");
    url = options_.relative_base + *relative;
  } else if (auto full = non_empty(env_, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = std::move(*full);
    const bool https = url.starts_with("https://");
    if (!https && !url.starts_with("http://")) {
      return core::fail(
          ErrorCode::kConfigInvalid,
          fmt::format("ecs: AWS_CONTAINER_CREDENTIALS_FULL_URI '{}' is not http(s)", url));
    }
    if (!https && !http_host_allowed(url_host(url))) {
      return core::fail(
          ErrorCode::kAccessDenied,
          fmt::format("ecs: refusing plain http to {} (only loopback or the container agent)",
                      url_host(url)));
    }
  } else {
    return not_configured("ecs: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI not set");
  }

  support::BufferSink body;
  support::HttpRequest request{
      .method = "GET", .url = url, .headers = {{"Accept", "application/json"}}, .sink = &body};
  std::optional<std::string> token = non_empty(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (auto file = non_empty(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    std::ifstream in{*file};
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      return core::fail(ErrorCode::kConfigInvalid,
                        fmt::format("ecs: cannot read the token file {}", *file));
    }
    token = text.str();
    while (!token->empty() && (token->back() == '\n' || token->back() == '\r')) token->pop_back();
  }
  if (token) request.headers.emplace_back("Authorization", *token);

  ++fetches_;
  auto response = http_->send(request);
  if (!response) return std::unexpected(std::move(response.error()));
  if (response->status != 200) {
    const ErrorCode code =
        response->status >= 500 ? ErrorCode::kStoreUnavailable : ErrorCode::kAccessDenied;
    return core::fail(code, fmt::format("ecs: credentials endpoint answered {}: {:.200}",
                                        response->status, response->body));
  }
  const auto json = nlohmann::json::parse(body.bytes, nullptr, false);
  const auto text = [&](const char* field) -> std::optional<std::string> {
    if (!json.is_object() || !json.contains(field) || !json[field].is_string()) return std::nullopt;
    return json[field].get<std::string>();
  };
  auto id = text("AccessKeyId");
  auto secret = text("SecretAccessKey");
  if (!id || !secret || id->empty() || secret->empty()) {
    return core::fail(ErrorCode::kStorageError,
                      "ecs: credentials endpoint answer lacks AccessKeyId / SecretAccessKey");
  }
  Fetched out;
  out.credentials = Credentials{.access_key_id = std::move(*id),
                                .secret_access_key = std::move(*secret),
                                .session_token = text("Token")};
  if (auto expiration = text("Expiration")) {
    out.expiration = core::parse_rfc3339(*expiration);
    if (!out.expiration) {
      return core::fail(
          ErrorCode::kStorageError,
          fmt::format("ecs: Expiration '{}' is not an RFC 3339 UTC time", *expiration));
    }
  }
  return out;
}

Result<Credentials> ChainCredentialsProvider::get() {
  std::string tried;
  for (const auto& provider : providers_) {
    auto credentials = provider->get();
    if (credentials) return credentials;
    if (credentials.error().code != ErrorCode::kConfigInvalid) return credentials;
    if (!tried.empty()) tried += "; ";
    tried += credentials.error().message;
  }
  return core::fail(ErrorCode::kConfigInvalid, fmt::format("no AWS credentials found ({})", tried),
                    {},
                    "Set s3 credentials in the config, the AWS_* environment variables, or run "
                    "with an ECS task role.");
}

std::shared_ptr<CredentialsProvider> default_credentials_chain(
    std::optional<Credentials> configured, std::shared_ptr<support::HttpClient> http,
    const core::Clock& clock, EnvLookup env) {
  std::vector<std::shared_ptr<CredentialsProvider>> providers;
  if (configured) providers.push_back(std::make_shared<StaticCredentialsProvider>(*configured));
  providers.push_back(std::make_shared<EnvironmentCredentialsProvider>(env));
  providers.push_back(std::make_shared<EcsCredentialsProvider>(std::move(http), clock, env));
  return std::make_shared<ChainCredentialsProvider>(std::move(providers));
}

Result<std::shared_ptr<const SigV4Signer>> SignerForCredentials::get() {
  auto credentials = credentials_->get();
  if (!credentials) return std::unexpected(std::move(credentials.error()));
  const std::lock_guard lock{mutex_};
  if (signer_) {
    const Credentials& current = signer_->config().credentials;
    if (current.access_key_id == credentials->access_key_id &&
        current.secret_access_key == credentials->secret_access_key &&
        current.session_token == credentials->session_token) {
      return signer_;
    }
  }
  signer_ = std::make_shared<const SigV4Signer>(SignerConfig{.credentials = std::move(*credentials),
                                                             .region = region_,
                                                             .service = service_,
                                                             .path_rules = std::nullopt},
                                                *clock_);
  return signer_;
}

}  // namespace toq::aws
