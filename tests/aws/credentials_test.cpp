// The credentials chain: static, environment (a controlled environment, as Lambda provides it),
// and the ECS container endpoint served by a local HTTP server that answers the documented JSON
// shape {"AccessKeyId","SecretAccessKey","Token","Expiration"}: URIs, the authorization token,
// caching, refresh before Expiration, and failure handling.

#include "adapter/aws/credentials.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "core/model/time.hpp"

#include "aws_test_support.hpp"
#include "support/http/curl_http_client.hpp"
#include "support/manual_clock.hpp"
#include "support/scripted_http_server.hpp"

namespace toq::aws {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::ManualClock;
using testing::ReceivedRequest;
using testing::ScriptedHttpServer;
using testing::ScriptedResponse;

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string{name});
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

core::Timestamp at(const char* rfc3339) {
  return *core::parse_rfc3339(rfc3339);
}

std::string ecs_json(const std::string& id, const std::string& expiration) {
  return R"({"RoleArn":"arn:aws:iam::123456789012:role/toq-media-task","AccessKeyId":")" + id +
         R"(","SecretAccessKey":"secret-)" + id + R"(","Token":"token-)" + id +
         R"(","Expiration":")" + expiration + R"("})";
}

std::shared_ptr<support::CurlHttpClient> quick_client() {
  support::HttpClientOptions options;
  options.connect_timeout = std::chrono::milliseconds{1000};
  options.request_timeout = std::chrono::milliseconds{2000};
  options.retry.max_attempts = 2;
  options.retry.base_delay = std::chrono::milliseconds{1};
  return std::make_shared<support::CurlHttpClient>(options);
}

TEST(StaticCredentials, ReturnsTheConfiguredKeyOrIsNotConfigured) {
  StaticCredentialsProvider provider{{"AKIDCONFIG", "config-secret", std::nullopt}};
  auto c = provider.get();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKIDCONFIG");
  StaticCredentialsProvider empty{{"", "", std::nullopt}};
  ASSERT_FALSE(empty.get());
  EXPECT_EQ(empty.get().error().code, core::ErrorCode::kConfigInvalid);
}

TEST(EnvironmentCredentials, ReadsWhatLambdaSets) {
  EnvironmentCredentialsProvider provider{env_of({{"AWS_ACCESS_KEY_ID", "ASIALAMBDA"},
                                                  {"AWS_SECRET_ACCESS_KEY", "lambda-secret"},
                                                  {"AWS_SESSION_TOKEN", "lambda-token"}})};
  auto c = provider.get();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "ASIALAMBDA");
  EXPECT_EQ(c->secret_access_key, "lambda-secret");
  EXPECT_EQ(c->session_token, "lambda-token");
}

TEST(EnvironmentCredentials, TokenIsOptionalAndMissingKeysAreNotConfigured) {
  EnvironmentCredentialsProvider long_term{
      env_of({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "s"}})};
  ASSERT_TRUE(long_term.get());
  EXPECT_FALSE(long_term.get()->session_token);
  for (const auto& vars : {std::map<std::string, std::string>{},
                           {{"AWS_ACCESS_KEY_ID", "AKID"}},
                           {{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", "s"}}}) {
    EnvironmentCredentialsProvider provider{env_of(vars)};
    auto c = provider.get();
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, core::ErrorCode::kConfigInvalid);
  }
}

TEST(EcsCredentials, RelativeUriIsResolvedAgainstTheAgentAddress) {
  ScriptedHttpServer agent{[](const ReceivedRequest& r) {
    if (r.target != "/v2/credentials/7f3c-task") return ScriptedResponse{.status = 404};
    return ScriptedResponse{.status = 200, .body = ecs_json("ASIAECS1", "2026-11-26T18:00:00Z")};
  }};
  ManualClock clock{at("2026-11-26T12:00:00Z")};
  EcsCredentialsProvider provider{
      quick_client(),
      clock,
      env_of({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/7f3c-task"}}),
      {.relative_base = agent.base_url(), .refresh_margin = minutes{5}}};
  auto c = provider.get();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->access_key_id, "ASIAECS1");
  EXPECT_EQ(c->secret_access_key, "secret-ASIAECS1");
  EXPECT_EQ(c->session_token, "token-ASIAECS1");
  const auto requests = agent.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_FALSE(requests[0].header("Authorization")) << "no token configured, none sent";
}

TEST(EcsCredentials, FullUriSendsTheAuthorizationToken) {
  ScriptedHttpServer agent{[](const ReceivedRequest& r) {
    if (r.header("Authorization") != "Bearer-ish token value") {
      return ScriptedResponse{.status = 401, .body = "unauthorized"};
    }
    return ScriptedResponse{.status = 200, .body = ecs_json("ASIAFULL", "2026-11-26T18:00:00Z")};
  }};
  ManualClock clock{at("2026-11-26T12:00:00Z")};
  EcsCredentialsProvider provider{
      quick_client(), clock,
      env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", agent.base_url() + "/creds"},
              {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer-ish token value"}})};
  auto c = provider.get();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->access_key_id, "ASIAFULL");
  EXPECT_EQ(agent.requests().at(0).target, "/creds");
}

TEST(EcsCredentials, TokenFileIsReadForEksPodIdentity) {
  const auto path = std::filesystem::temp_directory_path() / "toq-ecs-token-test";
  {
    std::ofstream out{path};
    out << "file-token\n";
  }
  ScriptedHttpServer agent{[](const ReceivedRequest& r) {
    if (r.header("Authorization") != "file-token") return ScriptedResponse{.status = 401};
    return ScriptedResponse{.status = 200, .body = ecs_json("ASIAEKS", "2026-11-26T18:00:00Z")};
  }};
  ManualClock clock{at("2026-11-26T12:00:00Z")};
  EcsCredentialsProvider provider{
      quick_client(), clock,
      env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", agent.base_url() + "/v1/credentials"},
              {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path.string()}})};
  auto c = provider.get();
  std::filesystem::remove(path);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->access_key_id, "ASIAEKS");
}

TEST(EcsCredentials, CachesUntilTheRefreshMarginBeforeExpiration) {
  std::atomic<int> served{0};
  ScriptedHttpServer agent{[&](const ReceivedRequest&) {
    ++served;
    const std::string expiration =
        served.load() == 1 ? "2026-11-26T13:00:00Z" : "2026-11-26T14:00:00Z";
    return ScriptedResponse{
        .status = 200, .body = ecs_json("ASIAGEN" + std::to_string(served.load()), expiration)};
  }};
  ManualClock clock{at("2026-11-26T12:00:00Z")};
  EcsCredentialsProvider provider{
      quick_client(),
      clock,
      env_of({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/c"}}),
      {.relative_base = agent.base_url(), .refresh_margin = minutes{5}}};
  EXPECT_EQ(provider.get()->access_key_id, "ASIAGEN1");
  clock.set(at("2026-11-26T12:54:59Z"));  // 5 min 1 s before expiry: still fresh
  EXPECT_EQ(provider.get()->access_key_id, "ASIAGEN1");
  EXPECT_EQ(provider.fetches(), 1);
  clock.set(at("2026-11-26T12:55:00Z"));  // inside the margin: refreshed before it expires
  EXPECT_EQ(provider.get()->access_key_id, "ASIAGEN2");
  EXPECT_EQ(provider.fetches(), 2);
  clock.set(at("2026-11-26T13:30:00Z"));
  EXPECT_EQ(provider.get()->access_key_id, "ASIAGEN2");
  EXPECT_EQ(provider.fetches(), 2);
}

TEST(EcsCredentials, AFailedRefreshServesTheCachedKeyUntilItExpires) {
  std::atomic<bool> up{true};
  ScriptedHttpServer agent{[&](const ReceivedRequest&) {
    if (!up) return ScriptedResponse{.status = 500, .body = "agent restarting"};
    return ScriptedResponse{.status = 200, .body = ecs_json("ASIAONCE", "2026-11-26T13:00:00Z")};
  }};
  ManualClock clock{at("2026-11-26T12:00:00Z")};
  EcsCredentialsProvider provider{
      quick_client(),
      clock,
      env_of({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/c"}}),
      {.relative_base = agent.base_url(), .refresh_margin = minutes{5}}};
  ASSERT_TRUE(provider.get());
  up = false;
  clock.set(at("2026-11-26T12:58:00Z"));  // refresh due, agent down, key still valid
  auto still = provider.get();
  ASSERT_TRUE(still);
  EXPECT_EQ(still->access_key_id, "ASIAONCE");
  clock.set(at("2026-11-26T13:00:01Z"));  // expired and no refresh possible
  auto expired = provider.get();
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, core::ErrorCode::kStoreUnavailable);
}

TEST(EcsCredentials, BadAnswersAreErrors) {
  for (const std::string& body :
       {std::string{"not json"}, std::string{R"({"AccessKeyId":"A"})"},
        std::string{R"({"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"tomorrow"})"}}) {
    ScriptedHttpServer agent{std::vector<ScriptedResponse>{{.status = 200, .body = body}}};
    ManualClock clock{at("2026-11-26T12:00:00Z")};
    EcsCredentialsProvider provider{
        quick_client(),
        clock,
        env_of({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/c"}}),
        {.relative_base = agent.base_url(), .refresh_margin = minutes{5}}};
    auto c = provider.get();
    ASSERT_FALSE(c) << body;
    EXPECT_EQ(c.error().code, core::ErrorCode::kStorageError) << body;
  }
  ScriptedHttpServer forbidden{std::vector<ScriptedResponse>{{.status = 403, .body = "no"}}};
  ManualClock clock{at("2026-11-26T12:00:00Z")};
  EcsCredentialsProvider provider{
      quick_client(), clock,
      env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", forbidden.base_url() + "/c"}})};
  ASSERT_FALSE(provider.get());
  EXPECT_EQ(provider.get().error().code, core::ErrorCode::kAccessDenied);
}

TEST(EcsCredentials, PlainHttpOnlyToLoopbackOrTheAgent) {
  ManualClock clock{at("2026-11-26T12:00:00Z")};
  EcsCredentialsProvider provider{
      quick_client(), clock,
      env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://creds.example.com/steal"}})};
  auto c = provider.get();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, core::ErrorCode::kAccessDenied);
  EXPECT_EQ(provider.fetches(), 0) << "refused before any request";
}

TEST(CredentialsChain, StaticThenEnvironmentThenEcs) {
  ScriptedHttpServer agent{std::vector<ScriptedResponse>{
      {.status = 200, .body = ecs_json("ASIACHAIN", "2026-11-26T18:00:00Z")}}};
  ManualClock clock{at("2026-11-26T12:00:00Z")};
  const auto ecs_env = std::map<std::string, std::string>{
      {"AWS_CONTAINER_CREDENTIALS_FULL_URI", agent.base_url() + "/c"}};
  auto with_env = ecs_env;
  with_env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  with_env["AWS_SECRET_ACCESS_KEY"] = "env-secret";

  auto configured = default_credentials_chain(Credentials{"AKIDCONF", "conf", std::nullopt},
                                              quick_client(), clock, env_of(with_env));
  EXPECT_EQ(configured->get()->access_key_id, "AKIDCONF");
  auto from_env = default_credentials_chain(std::nullopt, quick_client(), clock, env_of(with_env));
  EXPECT_EQ(from_env->get()->access_key_id, "AKIDENV");
  auto from_ecs = default_credentials_chain(std::nullopt, quick_client(), clock, env_of(ecs_env));
  EXPECT_EQ(from_ecs->get()->access_key_id, "ASIACHAIN");
  EXPECT_EQ(agent.request_count(), 1U) << "the ECS endpoint is asked only when it is reached";

  auto none = default_credentials_chain(std::nullopt, quick_client(), clock, env_of({}));
  auto c = none->get();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, core::ErrorCode::kConfigInvalid);
  EXPECT_NE(c.error().message.find("environment"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("ecs"), std::string::npos);
}

TEST(CredentialsChain, AConfiguredSourceThatFailsDoesNotFallThrough) {
  ManualClock clock{at("2026-11-26T12:00:00Z")};
  ScriptedHttpServer broken{std::vector<ScriptedResponse>{{.status = 200, .body = "garbage"}}};
  std::vector<std::shared_ptr<CredentialsProvider>> providers{
      std::make_shared<EcsCredentialsProvider>(
          quick_client(), clock,
          env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", broken.base_url() + "/c"}})),
      std::make_shared<StaticCredentialsProvider>(Credentials{"AKIDLATER", "s", std::nullopt})};
  ChainCredentialsProvider chain{providers};
  auto c = chain.get();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, core::ErrorCode::kStorageError);
}

}  // namespace
}  // namespace toq::aws
