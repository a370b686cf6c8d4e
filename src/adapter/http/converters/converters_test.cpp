#include <gtest/gtest.h>

#include "adapter/http/api_routes.hpp"
#include "adapter/http/converters/json_reader.hpp"
#include "adapter/http/converters/listing_converters.hpp"
#include "adapter/http/converters/media_query_converters.hpp"
#include "adapter/http/converters/upload_converters.hpp"
#include "adapter/http/handlers/api_handlers.hpp"

namespace toq::http::converters {
namespace {

const core::FieldErrors& fields_of(const core::Error& e) {
  return std::get<core::FieldErrors>(e.details);
}

TEST(Converters, MalformedJsonAndNonObjectsAreInvalidRequest) {
  for (const char* body : {"", "{", "[1,2]", "\"x\"", "{\"a\":1,}"}) {
    SCOPED_TRACE(body);
    auto parsed = parse_json_object(body);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, core::ErrorCode::kInvalidRequest);
  }
  EXPECT_TRUE(parse_json_object("{}"));
}

TEST(Converters, ManifestKeepsAbsentAndNullFieldsEmpty) {
  auto m = parse_create_upload(nlohmann::json::parse(
      R"({"listingIdentityId": 28, "files": [{"clientId": "f-1", "title": null}]})"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->listing_identity_id, 28);
  EXPECT_FALSE(m->batch_reference);
  ASSERT_EQ(m->files.size(), 1U);
  EXPECT_EQ(m->files[0].client_id, "f-1");
  EXPECT_FALSE(m->files[0].title);
  EXPECT_FALSE(m->files[0].bytes);
}

TEST(Converters, ManifestWrongTypesAreFieldErrorsWithPaths) {
  auto m = parse_create_upload(nlohmann::json::parse(
      R"({"listingIdentityId": "28", "files": [{}, {}, {"bytes": "12", "sequence": 1.5}, 7]})"));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, core::ErrorCode::kInvalidManifest);
  const auto& f = fields_of(m.error()).fields;
  ASSERT_EQ(f.size(), 4U);
  EXPECT_EQ(f[0].field, "listingIdentityId");
  EXPECT_EQ(f[1].field, "files[2].bytes");
  EXPECT_EQ(f[1].reason, "expected an integer");
  EXPECT_EQ(f[1].rule, kRuleWrongType);
  EXPECT_EQ(f[2].field, "files[2].sequence");
  EXPECT_EQ(f[3].field, "files[3]");
  EXPECT_EQ(f[3].reason, "expected an object");
}

TEST(Converters, ManifestFilesMustBeAnArray) {
  auto m = parse_create_upload(nlohmann::json::parse(R"({"files": {"a": 1}})"));
  ASSERT_FALSE(m);
  EXPECT_EQ(fields_of(m.error()).fields[0].field, "files");
}

TEST(Converters, CompleteRequest) {
  auto ok = parse_complete_upload(nlohmann::json::parse(
      R"({"listingIdentityId": 28, "batchId": 51,
          "files": [{"clientId": "v-1", "parts": [{"partNumber": 1, "etag": "\"9b\""}]}]})"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->batch_id, 51);
  ASSERT_EQ(ok->files.size(), 1U);
  EXPECT_EQ(ok->files[0].parts[0].etag, "\"9b\"");

  auto missing = parse_complete_upload(nlohmann::json::parse(R"({"listingIdentityId": 28})"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::ErrorCode::kInvalidRequest);
  EXPECT_EQ(fields_of(missing.error()).fields[0].field, "batchId");

  auto bad = parse_complete_upload(nlohmann::json::parse(
      R"({"listingIdentityId": 28, "batchId": 1, "files": [{"clientId": "a",
          "parts": [{"partNumber": 0, "etag": 5}]}]})"));
  ASSERT_FALSE(bad);
  const auto& f = fields_of(bad.error()).fields;
  ASSERT_EQ(f.size(), 2U);
  EXPECT_EQ(f[0].field, "files[0].parts[0].etag");
  EXPECT_EQ(f[1].field, "files[0].parts[0].partNumber");
}

TEST(Converters, RefreshUrlsAndRetryRequests) {
  auto all =
      parse_refresh_urls(nlohmann::json::parse(R"({"listingIdentityId": 28, "batchId": 51})"));
  ASSERT_TRUE(all);
  EXPECT_EQ(all->listing_identity_id, 28);
  EXPECT_EQ(all->batch_id, 51);
  EXPECT_FALSE(all->client_ids.has_value());
  auto some = parse_refresh_urls(nlohmann::json::parse(
      R"({"listingIdentityId": 28, "batchId": 51, "clientIds": ["v-1", "f-2"]})"));
  ASSERT_TRUE(some);
  EXPECT_EQ(*some->client_ids, (std::vector<std::string>{"v-1", "f-2"}));
  auto bad = parse_refresh_urls(
      nlohmann::json::parse(R"({"listingIdentityId": 28, "batchId": 51, "clientIds": ["a", 2]})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, core::ErrorCode::kInvalidRequest);
  EXPECT_EQ(fields_of(bad.error()).fields.at(0).field, "clientIds[1]");
  auto missing = parse_retry(nlohmann::json::parse(R"({"listingIdentityId": 28})"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(fields_of(missing.error()).fields.at(0).field, "batchId");
  EXPECT_EQ(fields_of(missing.error()).fields.at(0).rule, "REQUIRED");
  auto retry = parse_retry(nlohmann::json::parse(R"({"listingIdentityId": 28, "batchId": 51})"));
  ASSERT_TRUE(retry);
  EXPECT_EQ(to_json(dto::RetryResponse{51, 78, "PROCESSING"}),
            nlohmann::json::parse(R"({"batchId": 51, "jobId": 78, "status": "PROCESSING"})"));
}

TEST(Converters, BatchQueryHasAnOptionalBatchId) {
  auto latest = parse_batch_query(nlohmann::json::parse(R"({"listingIdentityId": 28})"));
  ASSERT_TRUE(latest);
  EXPECT_FALSE(latest->batch_id.has_value());
  auto null_batch =
      parse_batch_query(nlohmann::json::parse(R"({"listingIdentityId": 28, "batchId": null})"));
  ASSERT_TRUE(null_batch);
  EXPECT_FALSE(null_batch->batch_id.has_value());
  auto named =
      parse_batch_query(nlohmann::json::parse(R"({"listingIdentityId": 28, "batchId": 51})"));
  ASSERT_TRUE(named);
  EXPECT_EQ(named->batch_id, 51);
  auto wrong =
      parse_batch_query(nlohmann::json::parse(R"({"listingIdentityId": 28, "batchId": "51"})"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(fields_of(wrong.error()).fields.at(0).field, "batchId");
  EXPECT_FALSE(parse_batch_query(nlohmann::json::parse(R"({"batchId": 51})")));
}

TEST(Converters, StatusJsonHasEveryContractFieldWithNulls) {
  core::GetBatchStatusOutput out;
  out.listing_id = core::ListingId{28};
  out.batch.id = core::BatchId{51};
  out.batch.status = core::BatchStatus::kPendingUpload;
  core::Asset a;
  a.id = core::AssetId{301};
  a.declared.client_id = "f-1";
  a.declared.filename = "IMG_2907.jpg";
  a.declared.sequence = 1;
  a.facts.duration_ms = 1500;
  out.assets.push_back(a);
  out.progress = {1, 0, 0, 1};
  const auto j = to_json(out);
  for (const char* key : {"listingIdentityId", "batchId", "status", "createdAt", "updatedAt", "job",
                          "progress", "assets", "error"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_TRUE(j.at("job").is_null());
  EXPECT_TRUE(j.at("error").is_null());
  const auto& asset = j.at("assets")[0];
  EXPECT_TRUE(asset.at("width").is_null());
  EXPECT_DOUBLE_EQ(asset.at("durationSeconds").get<double>(), 1.5);
  EXPECT_TRUE(asset.at("error").is_null());
}

TEST(Converters, PutListingRequiresFieldsAndTypes) {
  auto ok = parse_put_listing(nlohmann::json::parse(
      R"({"ownerId": 11, "photographerId": null, "kind": "RESIDENTIAL", "status": "X"})"));
  ASSERT_TRUE(ok);
  EXPECT_FALSE(ok->photographer_id);
  auto bad = parse_put_listing(nlohmann::json::parse(R"({"ownerId": "11"})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, core::ErrorCode::kInvalidRequest);
  EXPECT_EQ(fields_of(bad.error()).fields[0].field, "ownerId");
  auto missing = parse_put_listing(nlohmann::json::parse(R"({"ownerId": 11})"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(fields_of(missing.error()).fields.size(), 2U);
}

TEST(Converters, IdParamAndRequestIds) {
  EXPECT_EQ(handlers::parse_id_param("28", "id").value(), 28);
  for (const char* bad : {"", "0", "-1", "1e3", "12345678901234567890", "28a"}) {
    EXPECT_FALSE(handlers::parse_id_param(bad, "id")) << bad;
  }
  EXPECT_TRUE(is_sane_request_id("abc-123_x.y:z"));
  EXPECT_FALSE(is_sane_request_id(""));
  EXPECT_FALSE(is_sane_request_id("has space"));
  EXPECT_FALSE(is_sane_request_id(std::string(129, 'a')));
}

}  // namespace
}  // namespace toq::http::converters
