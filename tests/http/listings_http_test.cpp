// PUT / GET /api/v2/internal/listings/{id} on the real `toq-media serve`: the platform registers a
// listing and reads it back; who may read it.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/api_suite.hpp"

namespace toq::testing {
namespace {

using nlohmann::json;

class ListingsHttpTest : public ApiSuite<ListingsHttpTest> {};

TEST_F(ListingsHttpTest, RegisterAndReadAListing) {
  register_listing(100);
  auto r = call("GET", "/api/v2/internal/listings/100", std::nullopt, service_token());
  ASSERT_EQ(r.raw.status, 200) << r.raw.body;
  EXPECT_EQ(r.body.at("listingIdentityId"), 100);
  EXPECT_EQ(r.body.at("ownerId"), kOwner);
  EXPECT_EQ(r.body.at("photographerId"), kPhotographer);
  EXPECT_EQ(r.body.at("kind"), "RESIDENTIAL");
  EXPECT_TRUE(r.body.at("updatedAt").is_string());
  auto missing = call("GET", "/api/v2/internal/listings/424242", std::nullopt, service_token());
  EXPECT_EQ(missing.raw.status, 404);
  EXPECT_EQ(missing.body.at("code"), "LISTING_NOT_FOUND");
  auto forbidden = call("GET", "/api/v2/internal/listings/100", std::nullopt, photographer_token());
  EXPECT_EQ(forbidden.raw.status, 403);
  EXPECT_EQ(forbidden.body.at("code"), "FORBIDDEN");
}

}  // namespace
}  // namespace toq::testing
