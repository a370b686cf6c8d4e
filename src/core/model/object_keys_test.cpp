#include "core/model/object_keys.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace toq::core {
namespace {

const ListingId kListing{28};
const BatchId kBatch{51};
const JobId kJob{77};
const AssetId kAsset{301};

TEST(ObjectKeys, RawKeyShape) {
  EXPECT_EQ(raw_key(kListing, kBatch, kAsset), "listings/28/batches/51/raw/301");
}

TEST(ObjectKeys, OutputKeyShape) {
  EXPECT_EQ(output_key(kListing, kBatch, kJob, kAsset, "large", "jpg"),
            "listings/28/batches/51/out/77/301/large.jpg");
  EXPECT_EQ(output_key(kListing, kBatch, kJob, kAsset, "720p", "mp4"),
            "listings/28/batches/51/out/77/301/720p.mp4");
}

TEST(ObjectKeys, ArchiveKeyShape) {
  EXPECT_EQ(archive_key(kListing, kBatch, kJob), "listings/28/batches/51/out/77/archive.zip");
}

TEST(ObjectKeys, JobOutputPrefixHoldsEveryOutputOfTheJob) {
  const auto prefix = job_output_prefix(kListing, kBatch, kJob);
  EXPECT_EQ(prefix, "listings/28/batches/51/out/77/");
  EXPECT_EQ(output_key(kListing, kBatch, kJob, kAsset, "small", "webp").rfind(prefix, 0), 0U);
  EXPECT_EQ(archive_key(kListing, kBatch, kJob).rfind(prefix, 0), 0U);
  // Another job's outputs are outside it.
  EXPECT_NE(output_key(kListing, kBatch, JobId{7}, kAsset, "small", "webp").rfind(prefix, 0), 0U);
  EXPECT_NE(output_key(kListing, kBatch, JobId{770}, kAsset, "small", "webp").rfind(prefix, 0), 0U);
}

TEST(ObjectKeys, RawAndOutputPrefixesAreDisjoint) {
  const std::string raw_prefix = "listings/28/batches/51/raw/";
  EXPECT_EQ(raw_key(kListing, kBatch, kAsset).rfind(raw_prefix, 0), 0U);
  EXPECT_NE(output_key(kListing, kBatch, kJob, kAsset, "large", "jpg").rfind(raw_prefix, 0), 0U);
  EXPECT_NE(archive_key(kListing, kBatch, kJob).rfind(raw_prefix, 0), 0U);
}

TEST(RawInputKey, AcceptsARawKeyOfThatBatch) {
  for (std::int64_t asset : {std::int64_t{1}, std::int64_t{301}, INT64_MAX}) {
    const auto key = raw_key(kListing, kBatch, AssetId{asset});
    const auto r = raw_input_key(key, kListing, kBatch);
    ASSERT_TRUE(r.has_value()) << key;
    EXPECT_EQ(*r, key);
  }
}

::testing::AssertionResult rejected(std::string_view key) {
  const auto r = raw_input_key(key, kListing, kBatch);
  if (r.has_value()) return ::testing::AssertionFailure() << "accepted '" << key << "'";
  if (r.error().code != ErrorCode::kInvalidRequest) {
    return ::testing::AssertionFailure()
           << "'" << key << "' rejected with " << to_string(r.error().code);
  }
  if (r.error().public_message.empty()) {
    return ::testing::AssertionFailure() << "no public message for '" << key << "'";
  }
  return ::testing::AssertionSuccess();
}

TEST(RawInputKey, RejectsOutputAndArchiveKeys) {
  EXPECT_TRUE(rejected(output_key(kListing, kBatch, kJob, kAsset, "large", "jpg")));
  EXPECT_TRUE(rejected(archive_key(kListing, kBatch, kJob)));
  EXPECT_TRUE(rejected(job_output_prefix(kListing, kBatch, kJob)));
}

TEST(RawInputKey, RejectsAnotherBatchOrListing) {
  EXPECT_TRUE(rejected(raw_key(kListing, BatchId{52}, kAsset)));
  EXPECT_TRUE(rejected(raw_key(kListing, BatchId{5}, kAsset)));    // prefix of 51
  EXPECT_TRUE(rejected(raw_key(kListing, BatchId{510}, kAsset)));  // 51 is a prefix of it
  EXPECT_TRUE(rejected(raw_key(ListingId{29}, kBatch, kAsset)));
  EXPECT_TRUE(rejected(raw_key(ListingId{2}, kBatch, kAsset)));
}

TEST(RawInputKey, RejectsMalformedKeys) {
  const std::string base = "listings/28/batches/51/raw/";
  EXPECT_TRUE(rejected(base + "301x"));  // trailing junk
  EXPECT_TRUE(rejected(base + "301/"));
  EXPECT_TRUE(rejected(base + "301 "));
  EXPECT_TRUE(rejected(base + "301.jpg"));
  EXPECT_TRUE(rejected(base + "0"));
  EXPECT_TRUE(rejected(base + "007"));
  EXPECT_TRUE(rejected(base));  // "raw/" with no asset
  EXPECT_TRUE(rejected(base + "12/x"));
  EXPECT_TRUE(rejected(base + "-1"));
  EXPECT_TRUE(rejected(base + "+1"));
  EXPECT_TRUE(rejected(base + " 1"));
  EXPECT_TRUE(rejected(base + "12345678901234567890"));  // 20 digits: beyond any int64
  EXPECT_TRUE(rejected(base + "9999999999999999999"));   // 19 digits, above INT64_MAX
  EXPECT_FALSE(rejected(base + "9223372036854775807"));  // INT64_MAX itself is a valid id
  EXPECT_TRUE(rejected(std::string("listings/28/batches/51/raw/1\0", 29)));
  EXPECT_TRUE(rejected("/" + base + "301"));
  EXPECT_TRUE(rejected("x" + base + "301"));
  EXPECT_TRUE(rejected("listings/28/batches/51/raw"));
  EXPECT_TRUE(rejected("listings/28/batches/51/RAW/301"));
  EXPECT_TRUE(rejected("listings/28/batches/51/out/301"));
  EXPECT_TRUE(rejected("listings/28/batches/51/raw/../out/77/301/large.jpg"));
  EXPECT_TRUE(rejected(""));
}

TEST(RawInputKey, ErrorNamesTheKeyForOperators) {
  const auto r = raw_input_key("listings/28/batches/51/raw/0", kListing, kBatch);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("listings/28/batches/51/raw/0"), std::string::npos);
}

}  // namespace
}  // namespace toq::core
