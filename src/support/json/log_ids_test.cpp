#include "support/json/log_ids.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace toq::support {
namespace {

TEST(LogIds, MapsTheContractNamesToTheLogNames) {
  const auto ids = log_ids(nlohmann::json::parse(
      R"({"listingIdentityId":7,"batchId":51,"jobId":77,"assetId":3,"name":"x"})"));
  EXPECT_EQ(ids, (LogIds{{"listing_id", 7}, {"batch_id", 51}, {"job_id", 77}, {"asset_id", 3}}));
}

TEST(LogIds, ThePipelinesListingIdAndTheAssetObjectCount) {
  const auto ids = log_ids(nlohmann::json::parse(
      R"({"listingId":9,"batchId":2,"jobId":4,"asset":{"assetId":12,"batchId":99}})"));
  EXPECT_EQ(ids, (LogIds{{"listing_id", 9}, {"batch_id", 2}, {"job_id", 4}, {"asset_id", 12}}));
}

TEST(LogIds, OnlyIntegersCountAndTheFirstDocumentWins) {
  LogIds ids{{"batch_id", 1}};
  add_log_ids(nlohmann::json::parse(R"({"batchId":2,"jobId":"77","assetId":1.5,"listingId":3})"),
              ids);
  EXPECT_EQ(ids, (LogIds{{"batch_id", 1}, {"listing_id", 3}}));
  add_log_ids(nlohmann::json::parse(R"({"listingIdentityId":4})"), ids);
  EXPECT_EQ(ids, (LogIds{{"batch_id", 1}, {"listing_id", 3}}));
}

TEST(LogIds, OneIdByItsJsonNameAsADocumentWouldGiveIt) {
  LogIds ids{{"listing_id", 7}};
  add_log_id(ids, "listingIdentityId", 8);
  add_log_id(ids, "batchId", 51);
  add_log_id(ids, "name", 3);
  add_log_id(ids, "batchId", 52);
  EXPECT_EQ(ids, (LogIds{{"listing_id", 7}, {"batch_id", 51}}));
}

TEST(LogIds, NotAnObjectAddsNothing) {
  EXPECT_TRUE(log_ids(nlohmann::json::parse("[1,2]")).empty());
  EXPECT_TRUE(log_ids(nlohmann::json::parse("null", nullptr, false)).empty());
  EXPECT_TRUE(log_ids(nlohmann::json::parse("{oops", nullptr, false)).empty());
}

}  // namespace
}  // namespace toq::support
