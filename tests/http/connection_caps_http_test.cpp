// The connection layer's caps set from the configuration (server.maxConnections,
// server.maxConnectionsPerClient, server.maxHeaderBytes, lowered here far below their defaults) on
// the real `toq-media serve`, and its own answers (503 SERVER_BUSY past a cap, 431 past the header
// limit, 400 for what is not HTTP) identified like every other answer: an X-Request-Id, and the
// access log's line under that id.

#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/http_client.hpp"
#include "http/served_suite.hpp"
#include "support/text.hpp"

namespace toq::testing {
namespace {

constexpr int kCap = 3;

class ConnectionCapsHttpTest : public ServedSuite<ConnectionCapsHttpTest> {
 public:
  static std::map<std::string, std::string> server_env() {
    return {{"TOQ_MEDIA_SERVER_MAX_CONNECTIONS", std::to_string(kCap)},
            {"TOQ_MEDIA_SERVER_MAX_CONNECTIONS_PER_CLIENT", std::to_string(kCap)},
            {"TOQ_MEDIA_SERVER_MAX_HEADER_BYTES", "16KiB"}};
  }

 protected:
  // The X-Request-Id of a raw answer, or "".
  static std::string request_id_of(const std::string& raw) {
    std::istringstream head{raw.substr(0, raw.find("\r\n\r\n"))};
    std::string line;
    while (std::getline(head, line)) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      if (!support::iequals(std::string_view{line}.substr(0, colon), "X-Request-Id")) continue;
      return std::string{support::trim(std::string_view{line}.substr(colon + 1))};
    }
    return {};
  }

  // The access log's line for `id`; the log is written just after the answer, so it is waited
  // for a little.
  static std::optional<nlohmann::json> logged(const std::string& id) {
    for (int i = 0; i < 100; ++i) {
      if (auto line = server().find_log("request", "request_id", id)) return line;
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    return std::nullopt;
  }

  static long healthz() { return http({.url = server().base_url() + "/healthz"}).status; }
};

// Three idle connections fill the lowered cap (the default is 2048 per address): the fourth is
// answered 503 SERVER_BUSY with its own request id, logged under it, and closed. Once one of the
// three goes away the service takes connections again.
TEST_F(ConnectionCapsHttpTest, ALoweredConnectionCapRefusesTheNextWithAnIdentifiedLoggedAnswer) {
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < kCap; ++i) held.push_back(std::make_unique<RawConnection>(server().port()));
  RawConnection refused{server().port()};
  ASSERT_TRUE(refused.read_to_close(20000)) << refused.received();
  EXPECT_EQ(refused.status(), 503) << refused.received();
  EXPECT_NE(refused.received().find("SERVER_BUSY"), std::string::npos) << refused.received();
  EXPECT_NE(refused.received().find("Retry-After"), std::string::npos);
  const std::string id = request_id_of(refused.received());
  ASSERT_FALSE(id.empty()) << refused.received();
  auto line = logged(id);
  ASSERT_TRUE(line) << server().log_text();
  EXPECT_EQ(line->at("status"), 503);

  held.pop_back();
  long status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = healthz();
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  EXPECT_EQ(status, 200);
}

// 20 KiB of headers pass the default limit (64 KiB) but not the configured 16 KiB: 431 with the
// client's request id, in the log too.
TEST_F(ConnectionCapsHttpTest, ALoweredHeaderLimitIs431UnderTheClientsRequestId) {
  HttpCall c;
  c.url = server().base_url() + "/healthz";
  c.headers = {{"X-Request-Id", "caps-431"}, {"X-Filler", std::string(20 * 1024, 'a')}};
  const auto r = http(c);
  EXPECT_EQ(r.status, 431) << r.body;
  EXPECT_EQ(r.header("x-request-id"), "caps-431");
  auto line = logged("caps-431");
  ASSERT_TRUE(line) << server().log_text();
  EXPECT_EQ(line->at("status"), 431);
  c.headers = {{"X-Filler", std::string(12 * 1024, 'a')}};
  EXPECT_EQ(http(c).status, 200) << "under the limit";
}

// What is not HTTP/1.1 gets the connection layer's 400, with a new request id that the log has.
TEST_F(ConnectionCapsHttpTest, AMalformedRequestIs400UnderAnIdTheLogHas) {
  RawConnection raw{server().port()};
  ASSERT_TRUE(raw.send("HELLO THERE\r\n\r\n"));
  ASSERT_TRUE(raw.read_to_close(20000));
  EXPECT_EQ(raw.status(), 400) << raw.received();
  const std::string id = request_id_of(raw.received());
  ASSERT_FALSE(id.empty()) << raw.received();
  auto line = logged(id);
  ASSERT_TRUE(line) << server().log_text();
  EXPECT_EQ(line->at("status"), 400);
}

}  // namespace
}  // namespace toq::testing
