// Operations of the real `toq-media serve` over HTTP: CORS on the API and on the embedded store,
// /metrics (checked with promtool), /openapi.json and /docs, and the shutdown grace deadline.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/http_client.hpp"
#include "http/serve_process.hpp"
#include "http/served_suite.hpp"
#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

using nlohmann::json;

constexpr const char* kAllowed = "https://app.toq.example";
constexpr const char* kOther = "https://evil.example";

HttpResult call(const ServeProcess& server, const std::string& method, const std::string& path,
                std::vector<std::pair<std::string, std::string>> headers = {},
                std::optional<std::string> body = std::nullopt) {
  HttpCall c;
  c.method = method;
  c.url = server.base_url() + path;
  c.headers = std::move(headers);
  c.body = std::move(body);
  return recorded_http(c);
}

class OpsHttpTest : public ServedSuite<OpsHttpTest> {
 public:
  static std::map<std::string, std::string> server_env() {
    return {{"TOQ_MEDIA_CORS_ALLOWED_ORIGINS", kAllowed}};
  }

 protected:
  static const std::string& token() { return api().token(1, "service"); }

  static std::pair<std::string, std::string> auth() {
    return {"Authorization", "Bearer " + token()};
  }
};

// ---- CORS ----

TEST_F(OpsHttpTest, PreflightFromAnAllowedOriginIsAnswered) {
  const auto r = call(server(), "OPTIONS", "/api/v2/listings/media/uploads",
                      {{"Origin", kAllowed},
                       {"Access-Control-Request-Method", "POST"},
                       {"Access-Control-Request-Headers", "authorization, content-type"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("access-control-allow-origin"), kAllowed);
  EXPECT_NE(r.header("access-control-allow-methods").find("POST"), std::string::npos);
  EXPECT_EQ(r.header("access-control-allow-headers"), "authorization, content-type");
  EXPECT_FALSE(r.header("access-control-max-age").empty());
  EXPECT_FALSE(r.header("x-request-id").empty());
}

TEST_F(OpsHttpTest, EveryApiRouteAnswersPreflights) {
  for (const char* path :
       {"/api/v2/internal/listings/28", "/api/v2/listings/media/uploads",
        "/api/v2/listings/media/uploads/urls", "/api/v2/listings/media/uploads/complete",
        "/api/v2/listings/media/uploads/retry", "/api/v2/listings/media/uploads/cancel",
        "/api/v2/listings/media/status", "/api/v2/listings/media/downloads"}) {
    const auto ok = call(server(), "OPTIONS", path,
                         {{"Origin", kAllowed}, {"Access-Control-Request-Method", "POST"}});
    EXPECT_EQ(ok.status, 204) << path;
    EXPECT_EQ(ok.header("access-control-allow-origin"), kAllowed) << path;
    const auto refused = call(server(), "OPTIONS", path,
                              {{"Origin", kOther}, {"Access-Control-Request-Method", "POST"}});
    EXPECT_EQ(refused.status, 403) << path;
    EXPECT_FALSE(refused.has_header("access-control-allow-origin")) << path;
  }
}

TEST_F(OpsHttpTest, PreflightFromAnotherOriginIsRefusedWithoutCorsHeaders) {
  const auto r = call(server(), "OPTIONS", "/api/v2/listings/media/uploads",
                      {{"Origin", kOther}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_FALSE(r.has_header("access-control-allow-origin"));
  EXPECT_FALSE(r.has_header("access-control-allow-methods"));
  EXPECT_EQ(json::parse(r.body).at("code"), "FORBIDDEN");
}

TEST_F(OpsHttpTest, ActualResponsesCarryCorsHeadersForAllowedOriginsOnly) {
  // A 404 from the use case and a 401 from auth: error responses are readable cross-origin too.
  const auto found =
      call(server(), "GET", "/api/v2/internal/listings/424242", {{"Origin", kAllowed}, auth()});
  EXPECT_EQ(found.status, 404);
  EXPECT_EQ(found.header("access-control-allow-origin"), kAllowed);
  EXPECT_EQ(found.header("access-control-expose-headers"), "ETag, X-Request-Id, traceparent");
  EXPECT_EQ(found.header("vary"), "Origin");
  const auto unauth = call(server(), "GET", "/api/v2/internal/listings/1", {{"Origin", kAllowed}});
  EXPECT_EQ(unauth.status, 401);
  EXPECT_EQ(unauth.header("access-control-allow-origin"), kAllowed);

  const auto other =
      call(server(), "GET", "/api/v2/internal/listings/424242", {{"Origin", kOther}, auth()});
  EXPECT_EQ(other.status, 404);
  EXPECT_FALSE(other.has_header("access-control-allow-origin"));
  EXPECT_FALSE(other.has_header("access-control-expose-headers"));

  const auto none = call(server(), "GET", "/healthz");
  EXPECT_EQ(none.status, 200);
  EXPECT_FALSE(none.has_header("access-control-allow-origin"));
}

TEST_F(OpsHttpTest, StorePreflightAllowsTheChecksumHeaderAndExposesETag) {
  const auto r = call(server(), "OPTIONS", "/storage/toq-media/listings/1/batches/1/raw/1",
                      {{"Origin", kAllowed},
                       {"Access-Control-Request-Method", "PUT"},
                       {"Access-Control-Request-Headers", "content-type, x-amz-checksum-sha256"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("access-control-allow-origin"), kAllowed);
  EXPECT_NE(r.header("access-control-allow-headers").find("x-amz-checksum-sha256"),
            std::string::npos);
  EXPECT_NE(r.header("access-control-expose-headers").find("ETag"), std::string::npos);
  const auto refused = call(server(), "OPTIONS", "/storage/toq-media/listings/1/batches/1/raw/1",
                            {{"Origin", kOther}, {"Access-Control-Request-Method", "PUT"}});
  EXPECT_EQ(refused.status, 403);
  EXPECT_FALSE(refused.has_header("access-control-allow-origin"));
}

TEST(OpsHttpWildcard, StarAllowsEveryOriginWithoutCredentials) {
  TempDir dir;
  ServeProcess server{dir / "var", {{"TOQ_MEDIA_CORS_ALLOWED_ORIGINS", "*"}}};
  const auto r = call(server, "GET", "/api/v2/internal/listings/1", {{"Origin", kOther}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("access-control-allow-origin"), "*");
  EXPECT_FALSE(r.has_header("access-control-allow-credentials"));
  const auto p = call(server, "OPTIONS", "/api/v2/listings/media/status",
                      {{"Origin", kOther}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(p.status, 204);
  EXPECT_EQ(p.header("access-control-allow-origin"), "*");
  EXPECT_FALSE(p.has_header("access-control-allow-credentials"));
  EXPECT_EQ(server.stop(), 0);
}

// ---- /metrics ----

// GET /metrics once it counts what `needle` names. The server counts a request after writing its
// response, so a read sent right after the last response may come too early: read again for up to
// five seconds.
HttpResult metrics_counting(const ServeProcess& server, const std::string& needle) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
  while (true) {
    auto r = call(server, "GET", "/metrics");
    if (r.status != 200 || r.body.find(needle) != std::string::npos ||
        std::chrono::steady_clock::now() > deadline) {
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
}

TEST_F(OpsHttpTest, MetricsUseRouteTemplatesAndPassPromtool) {
  for (int id : {900001, 900002, 900003}) {
    EXPECT_EQ(
        call(server(), "GET", "/api/v2/internal/listings/" + std::to_string(id), {auth()}).status,
        404);
  }
  EXPECT_EQ(call(server(), "GET", "/no/such/route/77").status, 404);
  const auto r = metrics_counting(server(), "route=\"unmatched\",status=\"404\"");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.header("content-type").find("text/plain; version=0.0.4"), std::string::npos);
  const std::string& text = r.body;
  EXPECT_NE(text.find("http_requests_total{method=\"GET\",route=\"/api/v2/internal/listings/"
                      "{listingIdentityId}\",status=\"404\"}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("route=\"unmatched\",status=\"404\""), std::string::npos);
  // Bounded cardinality: no raw path becomes a label value.
  EXPECT_EQ(text.find("900001"), std::string::npos);
  EXPECT_EQ(text.find("/no/such/route"), std::string::npos);
  for (const char* family :
       {"http_request_duration_seconds_bucket", "media_batches_created_total",
        "media_batches_failed_total", "media_batches_expired_total",
        "media_processing_duration_seconds", "media_asset_processing_duration_seconds",
        "media_processing_inflight_jobs", "media_assets_failed_total", "media_jobs_queued",
        "media_jobs_running", "media_jobs_oldest_queued_age_seconds",
        "media_jobs_oldest_active_age_seconds", "media_outbox_pending",
        "media_outbox_oldest_pending_age_seconds"}) {
    EXPECT_NE(text.find(family), std::string::npos) << family;
  }

  // The exposition is hand-written: Prometheus' own linter must accept it.
  const auto file = temp_dir() / "metrics.txt";
  std::ofstream{file} << text;
  const auto check = run_capture(std::string{TOQ_PROMTOOL} + " check metrics < " + file.string(),
                                 Stderr::kCapture);
  EXPECT_EQ(check.status, 0) << check.output << "\n" << text;
}

// The metric families (# TYPE lines) of an exposition.
void add_families(const std::string& exposition, std::set<std::string>& families) {
  std::istringstream lines{exposition};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("# TYPE ")) families.insert(line.substr(7, line.find(' ', 7) - 7));
  }
}

// A serve in processing.mode aws with aws.startVia sqs and a start DLQ, every AWS endpoint
// refusing connections (port 9 on loopback): it starts anyway (a dependency may come up later)
// and exposes the AWS mode's families.
ServeProcess aws_mode_serve(const std::filesystem::path& dir) {
  const std::string nowhere = "http://127.0.0.1:9";
  return ServeProcess(
      dir / "aws",
      {{"TOQ_MEDIA_PROCESSING_MODE", "aws"},
       {"TOQ_MEDIA_STORAGE_DRIVER", "s3"},
       {"TOQ_MEDIA_STORAGE_S3_ENDPOINT", nowhere},
       {"TOQ_MEDIA_STORAGE_S3_BUCKET", "toq-test"},
       {"TOQ_MEDIA_STORAGE_S3_REGION", "us-east-1"},
       {"TOQ_MEDIA_STORAGE_S3_PATH_STYLE", "true"},
       {"TOQ_MEDIA_STORAGE_S3_ACCESS_KEY_ID", "AKIDEXAMPLE"},
       {"TOQ_MEDIA_STORAGE_S3_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
       {"TOQ_MEDIA_AWS_STATE_MACHINE_ARN",
        "arn:aws:states:us-east-1:123456789012:stateMachine:toq-media-batch"},
       {"TOQ_MEDIA_AWS_START_VIA", "sqs"},
       {"TOQ_MEDIA_AWS_START_QUEUE_URL", nowhere + "/123456789012/toq-media-start"},
       {"TOQ_MEDIA_AWS_START_DEAD_LETTER_QUEUE_URL", nowhere + "/123456789012/toq-media-start-dlq"},
       {"TOQ_MEDIA_AWS_ENDPOINTS_STEP_FUNCTIONS", nowhere},
       {"TOQ_MEDIA_AWS_ENDPOINTS_SQS", nowhere},
       {"TOQ_MEDIA_AWS_RELAY", "false"},
       {"TOQ_MEDIA_AWS_CALLBACK_SECRET", "ops-test-pipeline-secret-of-32-bytes"}});
}

// deploy/observability: every metric the alert rules and the dashboard name is one the real
// /metrics exposes, in the embedded mode or the AWS mode (a renamed metric would leave an alert
// that never fires).
TEST_F(OpsHttpTest, EveryMetricTheAlertsAndTheDashboardNameIsExposed) {
  const auto r = call(server(), "GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  std::set<std::string> families;
  add_families(r.body, families);
  EXPECT_FALSE(families.contains("media_executions_started_total")) << "AWS mode only";
  TempDir dir;
  auto aws = aws_mode_serve(dir.path());
  const auto aws_metrics = call(aws, "GET", "/metrics");
  ASSERT_EQ(aws_metrics.status, 200) << aws.log_text();
  for (const char* family : {"media_executions_started_total", "media_start_dlq_messages",
                             "media_execution_starts_pending", "media_batches_created_total"}) {
    EXPECT_NE(aws_metrics.body.find(std::string{"# TYPE "} + family + " "), std::string::npos)
        << family << "\n"
        << aws_metrics.body;
  }
  // The DLQ could not be read (nothing listens): logged with a hint, the gauge at its last value.
  EXPECT_TRUE(aws.find_log("metrics: the start DLQ's depth could not be read").has_value())
      << aws.log_text();
  add_families(aws_metrics.body, families);
  EXPECT_EQ(aws.stop(), 0) << aws.log_text();
  const std::regex metric{R"(\b(?:media|http)_[a-z_]*[a-z])"};  // not "media_jobs_*"
  int named = 0;
  for (const char* file : {"alerts.yml", "alerts_test.yml", "dashboard.json"}) {
    std::ifstream in{std::filesystem::path{TOQ_OBSERVABILITY_DIR} / file};
    ASSERT_TRUE(in) << file;
    std::stringstream text;
    text << in.rdbuf();
    const std::string content = text.str();
    for (auto it = std::sregex_iterator(content.begin(), content.end(), metric);
         it != std::sregex_iterator(); ++it) {
      std::string name = it->str();
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        if (name.ends_with(suffix) && !families.contains(name)) {
          name.resize(name.size() - std::string_view{suffix}.size());
        }
      }
      ++named;
      EXPECT_TRUE(families.contains(name)) << file << " names " << it->str();
    }
  }
  EXPECT_GT(named, 20);
}

// ---- OpenAPI ----

TEST_F(OpsHttpTest, OpenApiJsonIsServedWithoutAuthAndDescribesEveryContractRoute) {
  const auto r = call(server(), "GET", "/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.header("content-type").find("application/json"), std::string::npos);
  const auto doc = json::parse(r.body);
  EXPECT_EQ(doc.at("openapi"), "3.1.0");
  for (const char* path :
       {"/api/v2/internal/listings/{listingIdentityId}", "/api/v2/listings/media/uploads",
        "/api/v2/listings/media/uploads/urls", "/api/v2/listings/media/uploads/complete",
        "/api/v2/listings/media/uploads/retry", "/api/v2/listings/media/status",
        "/api/v2/listings/media/downloads", "/api/v2/listings/media/callback", "/healthz",
        "/readyz", "/metrics", "/openapi.json", "/docs", "/ui/upload", "/ui/gallery",
        "/ui/assets/{file}", "/storage/{key}"}) {
    EXPECT_TRUE(doc.at("paths").contains(path)) << path;
  }
  EXPECT_EQ(doc.at("components").at("securitySchemes").at("bearerJwt").at("scheme"), "bearer");
}

// The web bundle (web/, built beside the binary): /docs, /ui/upload and /ui/gallery.
TEST_F(OpsHttpTest, DocsPageIsSwaggerUiFromTheBundleWithoutExternalResources) {
  const auto r = call(server(), "GET", "/docs");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.header("content-type").find("text/html"), std::string::npos);
  // Nothing is loaded from elsewhere: no absolute URL, and the CSP forbids it anyway.
  EXPECT_EQ(r.body.find("http://"), std::string::npos);
  EXPECT_EQ(r.body.find("https://"), std::string::npos);
  const auto csp = r.header("content-security-policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self' 'wasm-unsafe-eval';"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-eval'"), csp.find("wasm-unsafe-eval'") + 5) << csp;
  EXPECT_EQ(r.header("referrer-policy"), "no-referrer");
  // Its script is a content-hashed bundle asset, cached for good.
  const auto at = r.body.find("/ui/assets/docs-");
  ASSERT_NE(at, std::string::npos) << r.body;
  const auto script = r.body.substr(at, r.body.find('"', at) - at);
  const auto js = call(server(), "GET", script);
  EXPECT_EQ(js.status, 200) << script;
  EXPECT_NE(js.header("content-type").find("text/javascript"), std::string::npos);
  EXPECT_EQ(js.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_NE(js.body.find("swagger"), std::string::npos);
}

TEST_F(OpsHttpTest, UploadAndGalleryPagesCarryTheirPolicyAndRevalidate) {
  for (const char* page : {"/ui/upload", "/ui/gallery"}) {
    const auto r = call(server(), "GET", page);
    ASSERT_EQ(r.status, 200) << page;
    EXPECT_NE(r.header("content-type").find("text/html"), std::string::npos) << page;
    EXPECT_EQ(r.header("cache-control"), "no-cache") << page;
    EXPECT_EQ(r.header("x-frame-options"), "DENY") << page;
    // The store's origin (here this server) is allowed for uploads, images and video.
    const auto csp = r.header("content-security-policy");
    EXPECT_NE(csp.find("connect-src 'self' " + server().base_url()), std::string::npos) << csp;
    EXPECT_NE(csp.find("media-src 'self' blob: " + server().base_url()), std::string::npos) << csp;
    const auto etag = r.header("etag");
    ASSERT_FALSE(etag.empty()) << page;
    const auto again = call(server(), "GET", page, {{"If-None-Match", etag}});
    EXPECT_EQ(again.status, 304) << page;
    EXPECT_TRUE(again.body.empty()) << page;
  }
  EXPECT_EQ(call(server(), "GET", "/ui/no-such-page").status, 404);
  // Traversal out of the bundle, encoded or not, finds nothing.
  for (const char* path : {"/ui/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/ui/..%2f..%2fjwt.secret",
                           "/ui/assets/%2e%2e/%2e%2e/toq-media"}) {
    const auto r = call(server(), "GET", path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << path;
  }
}

// ---- Graceful shutdown ----

std::string put_listing_head(const std::string& token, std::size_t length) {
  return "PUT /api/v2/internal/listings/4711 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         "Authorization: Bearer " +
         token + "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(length) +
         "\r\nExpect: 100-continue\r\n\r\n";
}

// Waits (bounded) for the server's "stopping" log line: SIGTERM has been taken.
bool wait_stopping(const ServeProcess& server) {
  for (int i = 0; i < 1000; ++i) {
    if (server.find_log("stopping")) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return false;
}

TEST(OpsHttpShutdown, RequestInFlightAtSigtermFinishes) {
  TempDir dir;
  ServeProcess server{dir / "var", {{"TOQ_MEDIA_SERVER_SHUTDOWN_GRACE_SECONDS", "30"}}};
  const std::string token = server.token(1, "service");
  const std::string body =
      R"({"ownerId": 11, "photographerId": 7, "kind": "RESIDENTIAL", "status": "PUBLISHED"})";
  RawConnection conn{server.port()};
  ASSERT_TRUE(conn.send(put_listing_head(token, body.size())));
  // "100 Continue": the server has read the headers and is in the handler, waiting for the body.
  ASSERT_NE(conn.read_until("\r\n\r\n").find("100 Continue"), std::string::npos);
  server.signal(SIGTERM);
  ASSERT_TRUE(wait_stopping(server)) << server.log_text();
  ASSERT_TRUE(conn.send(body));
  const std::string reply = conn.read_until("\"updatedAt\"");
  EXPECT_NE(reply.find("HTTP/1.1 200"), std::string::npos) << reply;
  EXPECT_NE(reply.find("\"listingIdentityId\":4711"), std::string::npos) << reply;
  EXPECT_EQ(server.stop(), 0) << server.log_text();
  EXPECT_FALSE(server.find_log("shutdown grace period expired").has_value());
}

TEST(OpsHttpShutdown, ProcessExitsAtTheGraceDeadlineWhenAClientKeepsARequestOpen) {
  TempDir dir;
  // The read timeout (120 s) is far beyond the grace (1 s): only the deadline can end the wait.
  ServeProcess server{dir / "var",
                      {{"TOQ_MEDIA_SERVER_SHUTDOWN_GRACE_SECONDS", "1"},
                       {"TOQ_MEDIA_SERVER_READ_TIMEOUT_SECONDS", "120"}}};
  const std::string token = server.token(1, "service");
  RawConnection conn{server.port()};
  ASSERT_TRUE(conn.send(put_listing_head(token, 100)));
  ASSERT_NE(conn.read_until("\r\n\r\n").find("100 Continue"), std::string::npos);
  ASSERT_TRUE(conn.send("{\"ownerId\""));  // and never the rest
  // ServeProcess::stop gives up after 20 s; without the deadline the server would wait 120 s.
  EXPECT_EQ(server.stop(SIGTERM), 0) << server.log_text();
  EXPECT_TRUE(server.find_log("shutdown grace period expired").has_value()) << server.log_text();
  EXPECT_TRUE(conn.read_to_close()) << conn.received();
}

}  // namespace
}  // namespace toq::testing
