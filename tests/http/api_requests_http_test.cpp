// What every API request of the real `toq-media serve` gets, whatever its route: bearer-token
// authentication, the request id (echoed or made, and logged), clean errors for malformed or
// oversized JSON, and the health and readiness probes.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/api_suite.hpp"

namespace toq::testing {
namespace {

using nlohmann::json;

class ApiRequestsHttpTest : public ApiSuite<ApiRequestsHttpTest> {};

TEST_F(ApiRequestsHttpTest, MissingOrBadTokenIsUnauthenticated) {
  const std::string body = manifest(105, {{"f-1", "abc", 1}}).dump();
  for (const std::string& token :
       {std::string{}, std::string{"not.a.jwt"}, photographer_token() + "x"}) {
    auto r = call("POST", "/api/v2/listings/media/uploads", body, token);
    EXPECT_EQ(r.raw.status, 401) << r.raw.body;
    EXPECT_EQ(r.body.at("code"), "UNAUTHENTICATED");
    EXPECT_EQ(r.raw.header("www-authenticate"), "Bearer");
  }
  auto listing = call("GET", "/api/v2/internal/listings/105", std::nullopt, "");
  EXPECT_EQ(listing.raw.status, 401);
}

TEST_F(ApiRequestsHttpTest, RequestIdIsEchoedOrGeneratedAndLogged) {
  auto echoed = call("GET", "/healthz", std::nullopt, "", {{"X-Request-Id", "req-42.a:b_c"}});
  EXPECT_EQ(echoed.raw.status, 200);
  EXPECT_EQ(echoed.raw.header("x-request-id"), "req-42.a:b_c");
  auto insane = call("GET", "/healthz", std::nullopt, "", {{"X-Request-Id", "bad id<script>"}});
  const std::string generated = insane.raw.header("x-request-id");
  EXPECT_EQ(generated.size(), 32U);
  EXPECT_NE(generated, "bad id<script>");
  auto error =
      call("GET", "/api/v2/internal/listings/1", std::nullopt, "", {{"X-Request-Id", "err-1"}});
  EXPECT_EQ(error.raw.header("x-request-id"), "err-1");
  auto line = server().await_log("request", "request_id", "req-42.a:b_c");
  ASSERT_TRUE(line) << server().log_text();
  EXPECT_EQ(line->at("method"), "GET");
  EXPECT_EQ(line->at("path"), "/healthz");
  EXPECT_EQ(line->at("status"), 200);
  EXPECT_TRUE(line->at("duration_ms").is_number());
}

// W3C traceparent: a valid one is echoed and logged as sent, a future version in its version-00
// form; an absent or invalid one is replaced by a new trace, echoed and logged too.
TEST_F(ApiRequestsHttpTest, TraceparentIsEchoedGeneratedOrReplacedAndLogged) {
  const std::string valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto echoed = call("GET", "/healthz", std::nullopt, "",
                     {{"traceparent", valid}, {"X-Request-Id", "trace-echo"}});
  EXPECT_EQ(echoed.raw.header("traceparent"), valid);
  auto line = server().await_log("request", "request_id", "trace-echo");
  ASSERT_TRUE(line) << server().log_text();
  EXPECT_EQ(line->at("traceparent"), valid);

  auto future =
      call("GET", "/healthz", std::nullopt, "",
           {{"traceparent", "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-ext"}});
  EXPECT_EQ(future.raw.header("traceparent"), valid);

  const auto is_new_trace = [](const std::string& header) {
    return header.size() == 55 && header.starts_with("00-") && header.ends_with("-01") &&
           header.find_first_not_of("0123456789abcdef-") == std::string::npos &&
           header.substr(3, 32) != "00000000000000000000000000000000" &&
           header.substr(3, 32) != "4bf92f3577b34da6a3ce929d0e0e4736";
  };
  auto absent = call("GET", "/healthz", std::nullopt, "", {{"X-Request-Id", "trace-absent"}});
  const std::string generated = absent.raw.header("traceparent");
  EXPECT_TRUE(is_new_trace(generated)) << generated;
  line = server().await_log("request", "request_id", "trace-absent");
  ASSERT_TRUE(line) << server().log_text();
  EXPECT_EQ(line->at("traceparent"), generated);
  auto again = call("GET", "/healthz", std::nullopt, "");
  EXPECT_NE(again.raw.header("traceparent"), generated) << "a new trace per request";

  for (const std::string bad :
       {"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", "garbage"}) {
    auto replaced = call("GET", "/healthz", std::nullopt, "", {{"traceparent", bad}});
    EXPECT_TRUE(is_new_trace(replaced.raw.header("traceparent")))
        << bad << " -> " << replaced.raw.header("traceparent");
  }
  // Error answers carry it too.
  auto error =
      call("GET", "/api/v2/internal/listings/1", std::nullopt, "", {{"traceparent", valid}});
  EXPECT_EQ(error.raw.status, 401);
  EXPECT_EQ(error.raw.header("traceparent"), valid);
}

TEST_F(ApiRequestsHttpTest, MalformedJsonWrongShapesAndHugeBodies) {
  for (const std::string body : {"{", "[]", "{\"listingIdentityId\": 1,}", "null"}) {
    auto r = call("POST", "/api/v2/listings/media/uploads", body, photographer_token());
    EXPECT_EQ(r.raw.status, 400) << body << r.raw.body;
    EXPECT_EQ(r.body.at("code"), "INVALID_REQUEST") << body;
    EXPECT_TRUE(r.body.at("message").is_string());
  }
  auto huge = call("POST", "/api/v2/listings/media/uploads", std::string(300 * 1024, ' '),
                   photographer_token());
  EXPECT_EQ(huge.raw.status, 413) << huge.raw.body;
  EXPECT_EQ(huge.body.at("code"), "PAYLOAD_TOO_LARGE");
  auto bad_id = call("GET", "/api/v2/internal/listings/abc", std::nullopt, service_token());
  EXPECT_EQ(bad_id.raw.status, 400);
  auto unknown = call("GET", "/api/v2/nothing", std::nullopt, "");
  EXPECT_EQ(unknown.raw.status, 404);
  EXPECT_EQ(unknown.body.at("code"), "NOT_FOUND");
}

TEST_F(ApiRequestsHttpTest, HealthAndReadiness) {
  auto health = call("GET", "/healthz", std::nullopt, "");
  EXPECT_EQ(health.raw.status, 200);
  auto ready = call("GET", "/readyz", std::nullopt, "");
  ASSERT_EQ(ready.raw.status, 200) << ready.raw.body;
  EXPECT_EQ(ready.body.at("checks").at("database"), "ok");
  EXPECT_EQ(ready.body.at("checks").at("store"), "ok");
}

}  // namespace
}  // namespace toq::testing
