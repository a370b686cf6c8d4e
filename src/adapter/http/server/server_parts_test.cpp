// The connection layer's parts that need no socket: the route table and the connection caps.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapter/http/server/connection_limits.hpp"
#include "adapter/http/server/router.hpp"

namespace toq::http {
namespace {

Route answering(int status) {
  return [status](const Request&) -> Plan {
    Response r;
    r.status = status;
    return r;
  };
}

int status_of(const Router& router, std::string_view method, std::string_view path,
              std::vector<std::string>* params = nullptr) {
  std::vector<std::string> found;
  const Route* route = router.match(method, path, found);
  if (route == nullptr) return 0;
  if (params != nullptr) *params = found;
  return std::get<Answer>((*route)(Request{})).status;
}

TEST(Router, ExactParametersPrefixesAndHead) {
  Router router;
  router.add("GET", "/healthz", answering(200));
  router.add("PUT", "/api/v2/internal/listings/{id}", answering(201));
  router.add({"GET", "PUT"}, "/storage/*", answering(202));
  router.add("GET", "/ui", answering(203));
  router.add("GET", "/ui/*", answering(204));

  EXPECT_EQ(status_of(router, "GET", "/healthz"), 200);
  EXPECT_EQ(status_of(router, "GET", "/healthz/"), 0);
  EXPECT_EQ(status_of(router, "POST", "/healthz"), 0);
  EXPECT_EQ(status_of(router, "HEAD", "/healthz"), 200);  // HEAD falls back to GET

  std::vector<std::string> params;
  EXPECT_EQ(status_of(router, "PUT", "/api/v2/internal/listings/28", &params), 201);
  EXPECT_EQ(params, std::vector<std::string>{"28"});
  EXPECT_EQ(status_of(router, "PUT", "/api/v2/internal/listings/"), 0);  // empty parameter
  EXPECT_EQ(status_of(router, "PUT", "/api/v2/internal/listings/28/x"), 0);

  EXPECT_EQ(status_of(router, "PUT", "/storage/listings/1/a.jpg"), 202);
  EXPECT_EQ(status_of(router, "GET", "/storage/"), 202);
  EXPECT_EQ(status_of(router, "GET", "/storagex/a"), 0);
  EXPECT_EQ(status_of(router, "DELETE", "/storage/a"), 0);

  EXPECT_EQ(status_of(router, "GET", "/ui"), 203);
  EXPECT_EQ(status_of(router, "GET", "/ui/upload/index.html"), 204);
  EXPECT_EQ(status_of(router, "GET", "relative"), 0);
}

TEST(ConnectionLimits, CapsInTotalAndPerClientAndSlotsReturn) {
  ConnectionLimits limits{3, 2};
  ConnectionLimits::Refusal why{};
  auto a1 = limits.acquire("10.0.0.1", why);
  auto a2 = limits.acquire("10.0.0.1", why);
  EXPECT_TRUE(a1 && a2);
  auto a3 = limits.acquire("10.0.0.1", why);
  EXPECT_FALSE(a3);
  EXPECT_EQ(why, ConnectionLimits::Refusal::kPerClient);
  auto b1 = limits.acquire("10.0.0.2", why);
  EXPECT_TRUE(b1);
  auto b2 = limits.acquire("10.0.0.2", why);
  EXPECT_FALSE(b2);
  EXPECT_EQ(why, ConnectionLimits::Refusal::kTotal);
  EXPECT_EQ(limits.open(), 3U);
  EXPECT_EQ(limits.open_from("10.0.0.1"), 2U);

  a1 = {};  // released by assignment
  EXPECT_EQ(limits.open(), 2U);
  auto moved = std::move(a2);  // a move keeps one slot
  EXPECT_EQ(limits.open_from("10.0.0.1"), 1U);
  auto again = limits.acquire("10.0.0.1", why);
  EXPECT_TRUE(again);
  EXPECT_EQ(why, ConnectionLimits::Refusal::kNone);
}

}  // namespace
}  // namespace toq::http
