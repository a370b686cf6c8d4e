// The outbound batch event body (contract "Webhooks out"), as core::batch_event_payload writes it
// into the outbox; parsed back with nlohmann_json as the independent reader.

#include "core/service/batch_event.hpp"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/model/time.hpp"

namespace toq::core {
namespace {

TEST(BatchEvent, BodyHasTheContractFieldsInOrderMinified) {
  const auto occurred = *parse_rfc3339("2026-11-23T20:15:00Z");
  const std::string body =
      batch_event_payload("media.batch.ready", ListingId{9007199254740993}, BatchId{42}, JobId{7},
                          occurred, "PENDING_OWNER_APPROVAL");
  EXPECT_EQ(
      body,
      R"({"type":"media.batch.ready","listingIdentityId":9007199254740993,"batchId":42,)"
      R"("jobId":7,"occurredAt":"2026-11-23T20:15:00Z","listingStatus":"PENDING_OWNER_APPROVAL"})");
}

TEST(BatchEvent, FailedEventParsesBackWithIntegerIds) {
  const auto occurred = *parse_rfc3339("2026-11-23T20:15:00.125Z");
  const auto json =
      nlohmann::json::parse(batch_event_payload("media.batch.failed", ListingId{1}, BatchId{2},
                                                JobId{3}, occurred, "PENDING_PHOTO_PROCESSING"));
  ASSERT_EQ(json.size(), 6U);
  EXPECT_EQ(json["type"], "media.batch.failed");
  EXPECT_TRUE(json["listingIdentityId"].is_number_integer());
  EXPECT_TRUE(json["batchId"].is_number_integer());
  EXPECT_TRUE(json["jobId"].is_number_integer());
  EXPECT_EQ(json["jobId"], 3);
  EXPECT_EQ(*parse_rfc3339(json["occurredAt"].get<std::string>()), occurred);
  EXPECT_EQ(json["listingStatus"], "PENDING_PHOTO_PROCESSING");
}

TEST(BatchEvent, StatusTextIsEscapedIntoValidJson) {
  // The listing status comes from the platform: quotes, backslashes and control characters must
  // not break the document.
  const std::string status = "WEIRD \"QUOTED\" \\ \n\t\x01 é";
  const auto json = nlohmann::json::parse(batch_event_payload(
      "media.batch.ready", ListingId{1}, BatchId{2}, JobId{3}, Timestamp{}, status));
  EXPECT_EQ(json["listingStatus"], status);
}

}  // namespace
}  // namespace toq::core
