// CorsPolicy decisions (the HTTP behaviour is tested on the real server in
// tests/http/ops_http_test.cpp).

#include "adapter/http/cors.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace toq::http {
namespace {

std::string header(const std::vector<std::pair<std::string, std::string>>& headers,
                   std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return {};
}

TEST(CorsPolicyTest, ExactOriginsAreEchoedWithCredentials) {
  const CorsPolicy cors{{"https://app.toq.example"}};
  const auto h = cors.response_headers("https://app.toq.example");
  EXPECT_EQ(header(h, "Access-Control-Allow-Origin"), "https://app.toq.example");
  EXPECT_EQ(header(h, "Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(header(h, "Access-Control-Expose-Headers"), "ETag, X-Request-Id, traceparent");
  EXPECT_EQ(header(h, "Vary"), "Origin");
}

TEST(CorsPolicyTest, OtherOriginsGetNoCorsHeader) {
  const CorsPolicy cors{{"https://app.toq.example"}};
  const auto h = cors.response_headers("https://evil.example");
  EXPECT_EQ(header(h, "Access-Control-Allow-Origin"), "");
  EXPECT_EQ(header(h, "Access-Control-Expose-Headers"), "");
  EXPECT_TRUE(cors.response_headers("").empty());
  // A prefix or suffix of an allowed origin is another origin.
  EXPECT_FALSE(cors.origin_allowed("https://app.toq.example.evil.example"));
  EXPECT_FALSE(cors.origin_allowed("https://app.toq.exampl"));
  EXPECT_FALSE(cors.origin_allowed("null"));
}

TEST(CorsPolicyTest, WildcardAnswersStarAndNeverAllowsCredentials) {
  const CorsPolicy cors{{"*"}};
  const auto h = cors.response_headers("https://anyone.example");
  EXPECT_EQ(header(h, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(header(h, "Access-Control-Allow-Credentials"), "");
  const auto p = cors.preflight("https://anyone.example", "PUT", "authorization");
  EXPECT_EQ(p.status, 204);
  EXPECT_EQ(header(p.headers, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(header(p.headers, "Access-Control-Allow-Credentials"), "");
}

TEST(CorsPolicyTest, PreflightAllowsTheKnownHeadersOnly) {
  const CorsPolicy cors{{"https://app.toq.example"}};
  const auto p = cors.preflight("https://app.toq.example", "POST",
                                "Authorization, Content-Type, x-amz-checksum-sha256, "
                                "X-Amz-Meta-Foo, X-Custom, traceparent");
  EXPECT_EQ(p.status, 204);
  EXPECT_EQ(header(p.headers, "Access-Control-Allow-Headers"),
            "authorization, content-type, x-amz-checksum-sha256, x-amz-meta-foo, traceparent");
  EXPECT_EQ(header(p.headers, "Access-Control-Allow-Methods"), "GET, POST, PUT, OPTIONS");
  EXPECT_FALSE(header(p.headers, "Access-Control-Max-Age").empty());
}

TEST(CorsPolicyTest, PreflightFromAnotherOriginOrForAnUnusedMethodIsRefused) {
  const CorsPolicy cors{{"https://app.toq.example"}};
  for (const auto& p :
       {cors.preflight("https://evil.example", "POST", ""),
        cors.preflight("https://app.toq.example", "DELETE", ""), cors.preflight("", "POST", "")}) {
    EXPECT_EQ(p.status, 403);
    EXPECT_EQ(header(p.headers, "Access-Control-Allow-Origin"), "");
    EXPECT_EQ(header(p.headers, "Access-Control-Allow-Methods"), "");
  }
  // No configured origin: CORS is off.
  const CorsPolicy off;
  EXPECT_EQ(off.preflight("https://app.toq.example", "GET", "").status, 403);
  EXPECT_TRUE(off.response_headers("https://app.toq.example").empty());
}

}  // namespace
}  // namespace toq::http
