// Attacks on the real `toq-media serve`: a huge declared body, a chunked
// body past server.maxBodyBytes, a stalled client, slow headers and malformed JSON each get a
// clean 4xx (or, for a client that stalls, a closed connection) WHILE the server keeps serving
// others: during every attack, normal requests (/healthz and an authenticated listing read) get
// their 200.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/http_client.hpp"
#include "http/serve_process.hpp"
#include "http/served_suite.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxBody = 256 * 1024;  // server.maxBodyBytes for this suite

class RobustnessHttpTest : public ServedSuite<RobustnessHttpTest> {
 public:
  static std::map<std::string, std::string> server_env() {
    return {{"TOQ_MEDIA_SERVER_MAX_BODY_BYTES", "256KiB"},
            {"TOQ_MEDIA_SERVER_READ_TIMEOUT_SECONDS", "2"}};
  }

  // The suite's server, with listing 77 registered for the reads that prove it still serves.
  static void SetUpTestSuite() {
    ServedSuite::SetUpTestSuite();
    HttpCall put;
    put.method = "PUT";
    put.url = server().base_url() + "/api/v2/internal/listings/77";
    put.headers = {{"Authorization", "Bearer " + token()}, {"Content-Type", "application/json"}};
    put.body = R"({"ownerId": 11, "photographerId": 7, "kind": "RESIDENTIAL",
                   "status": "PENDING_PHOTO_PROCESSING"})";
    ASSERT_EQ(recorded_http(put).status, 200);
  }

 protected:
  static const std::string& token() { return api().token(1, "service"); }

  static HttpResult api_call(const std::string& method, const std::string& path,
                             std::optional<std::string> body) {
    HttpCall c;
    c.method = method;
    c.url = server().base_url() + path;
    c.headers = {{"Authorization", "Bearer " + token()}};
    if (body) c.headers.emplace_back("Content-Type", "application/json");
    c.body = std::move(body);
    return recorded_http(c);
  }

  // The service keeps answering others: healthz and an authenticated read, `rounds` times each.
  static void expect_serving(int rounds = 5) {
    for (int i = 0; i < rounds; ++i) {
      HttpCall health;
      health.url = server().base_url() + "/healthz";
      EXPECT_EQ(recorded_http(health).status, 200);
      EXPECT_EQ(api_call("GET", "/api/v2/internal/listings/77", std::nullopt).status, 200);
    }
  }

  static std::string head(const std::string& method, const std::string& path,
                          const std::string& extra) {
    return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
           token() + "\r\nContent-Type: application/json\r\n" + extra + "\r\n";
  }
};

TEST_F(RobustnessHttpTest, DeclaredHugeBodyIs413WithoutReadingIt) {
  RawConnection attacker{server().port()};
  // 10 GiB declared; only the headers are sent.
  ASSERT_TRUE(attacker.send(
      head("POST", "/api/v2/listings/media/uploads", "Content-Length: 10737418240\r\n")));
  const std::string reply = attacker.read_until("}");
  expect_serving();
  EXPECT_EQ(attacker.status(), 413) << reply;
  EXPECT_NE(reply.find("\"PAYLOAD_TOO_LARGE\""), std::string::npos) << reply;
  EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
  EXPECT_TRUE(attacker.read_to_close());
}

TEST_F(RobustnessHttpTest, EveryJsonRouteRefusesABodyPastTheLimit) {
  const std::string body = "{\"pad\": \"" + std::string(kMaxBody, 'x') + "\"}";
  for (const char* path :
       {"/api/v2/listings/media/uploads", "/api/v2/listings/media/uploads/urls",
        "/api/v2/listings/media/uploads/complete", "/api/v2/listings/media/uploads/retry",
        "/api/v2/listings/media/status", "/api/v2/listings/media/downloads"}) {
    const auto r = api_call("POST", path, body);
    EXPECT_EQ(r.status, 413) << path << ": " << r.body;
    const auto j = json::parse(r.body, nullptr, false);
    EXPECT_EQ(j.value("code", ""), "PAYLOAD_TOO_LARGE") << path;
    EXPECT_EQ(j["details"].value("maxBodyBytes", 0), static_cast<std::int64_t>(kMaxBody)) << path;
  }
  expect_serving(1);
}

TEST_F(RobustnessHttpTest, ChunkedBodyPastTheLimitIs413) {
  // A body of unknown length (curl sends it chunked), 16 times maxBodyBytes. The server reads and
  // drops up to 8 MiB past the limit before answering, so the 413 reaches the client; a longer
  // one is cut off (connection closed) and the client may see a reset instead of the answer.
  std::atomic<bool> attack_done{false};
  HttpResult result;
  std::thread attack([&] {
    HttpCall c;
    c.method = "PUT";
    c.url = server().base_url() + "/api/v2/internal/listings/78";
    c.headers = {{"Authorization", "Bearer " + token()}, {"Content-Type", "application/json"}};
    std::size_t sent = 0;
    c.reader = [&sent](char* buffer, std::size_t size) -> std::size_t {
      if (sent >= 16 * kMaxBody) return 0;  // 4 MiB
      const std::size_t n = std::min<std::size_t>(size, 4096);
      std::fill_n(buffer, n, '[');
      sent += n;
      return n;
    };
    c.reader_length = -1;
    result = recorded_http(c);
    attack_done = true;
  });
  expect_serving();
  attack.join();
  EXPECT_TRUE(attack_done);
  EXPECT_EQ(result.status, 413) << result.body;
  EXPECT_EQ(json::parse(result.body, nullptr, false).value("code", ""), "PAYLOAD_TOO_LARGE");
}

TEST_F(RobustnessHttpTest, StalledBodyIsDroppedAtTheReadTimeoutWhileOthersAreServed) {
  RawConnection attacker{server().port()};
  ASSERT_TRUE(
      attacker.send(head("PUT", "/api/v2/internal/listings/79", "Content-Length: 1000\r\n")));
  ASSERT_TRUE(attacker.send(R"({"ownerId": 11, )"));  // then nothing
  expect_serving();
  // The body read times out (server.readTimeoutSeconds = 2); the request is answered 400
  // "body incomplete" if the socket can still take it, and the connection is closed.
  EXPECT_TRUE(attacker.read_to_close()) << attacker.received();
  if (!attacker.received().empty()) {
    EXPECT_EQ(attacker.status(), 400) << attacker.received();
    EXPECT_NE(attacker.received().find("INVALID_REQUEST"), std::string::npos);
  }
  expect_serving(1);
}

TEST_F(RobustnessHttpTest, SlowHeadersAreDroppedWhileOthersAreServed) {
  RawConnection attacker{server().port()};
  ASSERT_TRUE(attacker.send("GET /api/v2/internal/listings/77 HTTP/1.1\r\nHost: 127"));
  expect_serving();
  EXPECT_TRUE(attacker.read_to_close()) << attacker.received();
  // The server closes without an answer when the request line and headers never complete.
  EXPECT_EQ(attacker.received().find("200 OK"), std::string::npos);
}

// The issue's reproduction: ten connections declare a 100,000-byte status body and send it one
// byte at a time. With a thread per connection they held every worker and /healthz went unanswered
// for 40-60 s; now each costs a buffer, and the others are served at once.
TEST_F(RobustnessHttpTest, TenDribblingConnectionsLeaveTheServiceAnswering) {
  std::vector<std::unique_ptr<RawConnection>> dribblers;
  for (int i = 0; i < 10; ++i) {
    dribblers.push_back(std::make_unique<RawConnection>(server().port()));
    ASSERT_TRUE(dribblers.back()->send(
        head("POST", "/api/v2/listings/media/status", "Content-Length: 100000\r\n") + "{"));
  }
  expect_serving();
  for (auto& d : dribblers) ASSERT_TRUE(d->send(" "));
  expect_serving();
  // And an upload-sized crowd: fifty more, half without a token (answered 401, their bodies
  // drained), half with one (bodies being read).
  for (int i = 0; i < 50; ++i) {
    dribblers.push_back(std::make_unique<RawConnection>(server().port()));
    const std::string request =
        i % 2 == 0 ? "POST /api/v2/listings/media/status HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Content-Length: 100000\r\n\r\n{"
                   : head("POST", "/api/v2/listings/media/status", "Content-Length: 100000\r\n");
    ASSERT_TRUE(dribblers.back()->send(request));
  }
  expect_serving();
}

// The connection layer's own answer to a header section over the limit (431) still names the
// request: its X-Request-Id and traceparent when they came before the limit.
TEST_F(RobustnessHttpTest, HeadersTooLargeAnswerCarriesRequestIdAndTraceparent) {
  const std::string trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  HttpCall c;
  c.method = "GET";
  c.url = server().base_url() + "/healthz";
  c.headers = {{"X-Request-Id", "too-large-1"},
               {"traceparent", trace},
               {"X-Filler", std::string(70 * 1024, 'a')}};
  const auto r = http(c);
  EXPECT_EQ(r.status, 431) << r.body;
  EXPECT_EQ(r.header("x-request-id"), "too-large-1");
  EXPECT_EQ(r.header("traceparent"), trace);
  EXPECT_EQ(http({.url = server().base_url() + "/healthz"}).status, 200);
}

TEST_F(RobustnessHttpTest, MalformedJsonIsACleanClientError) {
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"syntax", R"({"ownerId": 11,, "kind": })"},
      {"truncated", R"({"ownerId": 11, "kind": "RESIDENTIAL")"},
      {"not an object", "[1, 2, 3]"},
      {"empty", ""},
      {"wrong types", R"({"ownerId": "eleven", "photographerId": [7], "kind": 3, "status": {}})"},
      {"deep nesting", std::string(100000, '[')},
      {"deep nesting closed", std::string(50000, '[') + std::string(50000, ']')},
      {"invalid UTF-8",
       "{\"ownerId\": 11, \"kind\": \"RESIDENTIAL\", \"status\": \"\xff\xfe\xc3\"}"},
      {"overlong UTF-8", "{\"status\": \"\xc0\xaf\"}"},
      {"NUL in string", std::string("{\"status\": \"a\0b\"}", 17)},
      {"huge number", R"({"ownerId": 1e999999, "kind": "RESIDENTIAL", "status": "X"})"},
  };
  std::atomic<bool> stop{false};
  std::thread others([&] {
    while (!stop) expect_serving(1);
  });
  for (const auto& [name, body] : bodies) {
    const auto put = api_call("PUT", "/api/v2/internal/listings/80", body);
    EXPECT_EQ(put.status, 400) << name << ": " << put.body;
    const auto j = json::parse(put.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << name << ": " << put.body;
    EXPECT_EQ(j.value("code", ""), "INVALID_REQUEST") << name;
    const auto create = api_call("POST", "/api/v2/listings/media/uploads", body);
    EXPECT_GE(create.status, 400) << name;
    EXPECT_LT(create.status, 500) << name << ": " << create.body;
  }
  stop = true;
  others.join();
  expect_serving(1);
}

// A small body sent in pieces, with pauses between them, is read whole (the server reads a body of
// known small length straight into the request), and the kept-alive connection then serves the
// next request.
TEST_F(RobustnessHttpTest, ASmallBodyInPiecesIsReadWholeAndTheConnectionKeptAlive) {
  const std::string body = R"({"ownerId": 12, "photographerId": 8, "kind": "RESIDENTIAL",
                               "status": "PENDING_PHOTO_PROCESSING"})";
  RawConnection client{server().port()};
  ASSERT_TRUE(client.send(head("PUT", "/api/v2/internal/listings/81",
                               "Content-Length: " + std::to_string(body.size()) + "\r\n")));
  constexpr std::size_t kPiece = 25;
  for (std::size_t at = 0; at < body.size(); at += kPiece) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));  // separate TCP segments
    ASSERT_TRUE(client.send(std::string_view{body}.substr(at, kPiece)));
  }
  client.read_until("\r\n\r\n");
  EXPECT_EQ(client.status(), 200) << client.received();
  ASSERT_TRUE(client.send(head("GET", "/api/v2/internal/listings/81", "Connection: close\r\n")));
  EXPECT_TRUE(client.read_to_close()) << client.received();
  const std::string& all = client.received();
  const auto second = all.rfind("HTTP/1.1 ");
  ASSERT_TRUE(second != std::string::npos && second > 0) << "not two answers: " << all;
  EXPECT_EQ(all.substr(second, 12), "HTTP/1.1 200") << all;
  const auto j = json::parse(all.substr(all.find("\r\n\r\n", second) + 4), nullptr, false);
  ASSERT_TRUE(j.is_object()) << all;
  EXPECT_EQ(j.value("ownerId", 0), 12);
  EXPECT_EQ(j.value("photographerId", 0), 8);
}

}  // namespace
}  // namespace toq::testing
