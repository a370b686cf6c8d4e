#pragma once
// Where AWS credentials come from: the config file (static), the environment (what Lambda sets:
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN), or the ECS / Fargate container
// credentials endpoint. A chain tries them in that order, like the AWS SDKs' default chain.
//
// Contract of CredentialsProvider::get(): thread-safe; returns credentials that are valid now and
// for at least the provider's refresh margin when they expire at all. CONFIG_INVALID means "this
// source is not configured here" (the chain moves on); any other error is a real failure (an ECS
// endpoint that answers garbage, or cannot be reached: STORE_UNAVAILABLE).

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/time.hpp"

#include "adapter/aws/sigv4.hpp"
#include "adapter/aws/sigv4_canonical.hpp"
#include "support/http/http_client.hpp"

namespace toq::aws {

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  virtual Result<Credentials> get() = 0;
  virtual std::string_view name() const = 0;
};

// The value of an environment variable, or nullopt. Injected so tests control the environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
EnvLookup process_environment();

// Credentials from the configuration. CONFIG_INVALID when the key id or the secret is empty.
class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials)
      : credentials_(std::move(credentials)) {}
  Result<Credentials> get() override;
  std::string_view name() const override { return "static"; }

 private:
  Credentials credentials_;
};

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the optional AWS_SESSION_TOKEN, read on every
// get() (cheap, and Lambda never changes them within an instance). CONFIG_INVALID when either of
// the first two is unset or empty.
class EnvironmentCredentialsProvider final : public CredentialsProvider {
 public:
  explicit EnvironmentCredentialsProvider(EnvLookup env = process_environment())
      : env_(std::move(env)) {}
  Result<Credentials> get() override;
  std::string_view name() const override { return "environment"; }

 private:
  EnvLookup env_;
};

struct EcsCredentialsOptions {
  // Where a relative URI is resolved (the ECS agent's link-local address).
  std::string relative_base = "http://169.254.170.2";
  // Fetch new credentials this long before the old ones expire (the SDKs use 5-15 minutes).
  std::chrono::seconds refresh_margin{300};
};

// The ECS / Fargate (and EKS Pod Identity) container credentials endpoint:
// - AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, appended to relative_base, or
// - AWS_CONTAINER_CREDENTIALS_FULL_URI: https, or http only to a loopback or the ECS / EKS agent
//   address (169.254.170.2, 169.254.170.23), as the SDKs allow; with the token of
//   AWS_CONTAINER_AUTHORIZATION_TOKEN (or the file named by AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)
//   sent as the Authorization header.
// The answer is JSON {"AccessKeyId","SecretAccessKey","Token","Expiration"}. Credentials are cached
// and fetched again refresh_margin before Expiration; when a refresh fails while the cached ones
// are still valid, the cached ones are returned (the endpoint may hiccup; the key still works).
class EcsCredentialsProvider final : public CredentialsProvider {
 public:
  EcsCredentialsProvider(std::shared_ptr<support::HttpClient> http, const core::Clock& clock,
                         EnvLookup env = process_environment(), EcsCredentialsOptions options = {});
  Result<Credentials> get() override;
  std::string_view name() const override { return "ecs"; }

  // How many times the endpoint was asked (tests check the caching).
  int fetches() const;

 private:
  struct Fetched {
    Credentials credentials;
    std::optional<core::Timestamp> expiration;
  };
  Result<Fetched> fetch();

  std::shared_ptr<support::HttpClient> http_;
  const core::Clock* clock_;
  EnvLookup env_;
  EcsCredentialsOptions options_;
  mutable std::mutex mutex_;
  std::optional<Fetched> cached_;
  int fetches_ = 0;
};

// Tries each provider in order and returns the first credentials found. Providers that are not
// configured (CONFIG_INVALID) are skipped; when none yields credentials the error names what each
// said. Any other error stops the chain: a configured source that fails must not silently fall
// through to another identity.
class ChainCredentialsProvider final : public CredentialsProvider {
 public:
  explicit ChainCredentialsProvider(std::vector<std::shared_ptr<CredentialsProvider>> providers)
      : providers_(std::move(providers)) {}
  Result<Credentials> get() override;
  std::string_view name() const override { return "chain"; }

 private:
  std::vector<std::shared_ptr<CredentialsProvider>> providers_;
};

// The signer for a provider's current credentials, for one region and service: made on first use
// and again whenever the provider hands out other credentials (an ECS refresh), which also drops
// the signing-key cache; otherwise the same signer. Thread-safe.
class SignerForCredentials {
 public:
  SignerForCredentials(std::shared_ptr<CredentialsProvider> credentials, std::string region,
                       std::string service, const core::Clock& clock)
      : credentials_(std::move(credentials)),
        region_(std::move(region)),
        service_(std::move(service)),
        clock_(&clock) {}
  // The provider's error when it has no credentials.
  Result<std::shared_ptr<const SigV4Signer>> get();

 private:
  std::shared_ptr<CredentialsProvider> credentials_;
  std::string region_;
  std::string service_;
  const core::Clock* clock_;
  std::mutex mutex_;
  std::shared_ptr<const SigV4Signer> signer_;
};

// static (when `configured` holds a key) -> environment -> ECS container endpoint. The HTTP client
// is the ECS provider's: give it short timeouts and few retries (the agent is on the host).
std::shared_ptr<CredentialsProvider> default_credentials_chain(
    std::optional<Credentials> configured, std::shared_ptr<support::HttpClient> http,
    const core::Clock& clock, EnvLookup env = process_environment());

}  // namespace toq::aws
