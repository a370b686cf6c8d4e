#include <chrono>
#include <optional>
#include <string>
#include <vector>

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

// The status body as the route built it before status_json: a nlohmann::json tree (kept here,
// as it was, as the reference the written text must equal byte for byte).
template <class T>
nlohmann::json tree_or_null(const std::optional<T>& value) {
  if (!value) return nullptr;
  return *value;
}

nlohmann::json tree_time_or_null(const std::optional<core::Timestamp>& t) {
  if (!t) return nullptr;
  return core::format_rfc3339(*t);
}

nlohmann::json status_tree(const core::GetBatchStatusOutput& output) {
  auto assets = nlohmann::json::array();
  for (const auto& a : output.assets) {
    nlohmann::json duration = nullptr;
    if (a.facts.duration_ms) duration = static_cast<double>(*a.facts.duration_ms) / 1000.0;
    nlohmann::json error = nullptr;
    if (a.failure) {
      error = {{"code", core::to_string(a.failure->code)},
               {"message", a.failure->message},
               {"hint", a.failure->hint}};
    }
    assets.push_back({{"assetId", a.id.value},
                      {"clientId", a.declared.client_id},
                      {"mediaType", core::to_string(a.declared.media_type)},
                      {"filename", a.declared.filename},
                      {"title", a.declared.title},
                      {"sequence", a.declared.sequence},
                      {"status", core::to_string(a.status)},
                      {"width", tree_or_null(a.facts.width)},
                      {"height", tree_or_null(a.facts.height)},
                      {"durationSeconds", std::move(duration)},
                      {"error", std::move(error)}});
  }
  nlohmann::json job = nullptr;
  if (output.job) {
    job = {{"jobId", output.job->id.value},
           {"status", core::to_string(output.job->status)},
           {"attempt", output.job->attempt},
           {"startedAt", tree_time_or_null(output.job->started_at)},
           {"completedAt", tree_time_or_null(output.job->completed_at)}};
  }
  nlohmann::json error = nullptr;
  if (output.error) {
    error = {{"code", core::to_string(output.error->code)}, {"message", output.error->message}};
  }
  return {{"listingIdentityId", output.listing_id.value},
          {"batchId", output.batch.id.value},
          {"status", core::to_string(output.batch.status)},
          {"createdAt", core::format_rfc3339(output.batch.created_at)},
          {"updatedAt", core::format_rfc3339(output.batch.updated_at)},
          {"job", std::move(job)},
          {"progress",
           {{"total", output.progress.total},
            {"ready", output.progress.ready},
            {"failed", output.progress.failed},
            {"processing", output.progress.processing}}},
          {"assets", std::move(assets)},
          {"error", std::move(error)}};
}

std::string tree_dump(const core::GetBatchStatusOutput& output) {
  return status_tree(output).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

core::Timestamp at(std::int64_t ms) {
  return core::Timestamp{std::chrono::milliseconds{ms}};
}

// A READY batch of `count` photos, as the wrk benchmark's (20).
core::GetBatchStatusOutput ready_batch(int count) {
  core::GetBatchStatusOutput out;
  out.listing_id = core::ListingId{28};
  out.batch.id = core::BatchId{51};
  out.batch.status = core::BatchStatus::kReady;
  out.batch.created_at = at(1795000000123);
  out.batch.updated_at = at(1795000300000);
  core::Job job;
  job.id = core::JobId{77};
  job.status = core::JobStatus::kSucceeded;
  job.attempt = 1;
  job.started_at = at(1795000100001);
  job.completed_at = at(1795000299999);
  out.job = job;
  for (int i = 1; i <= count; ++i) {
    core::Asset a;
    a.id = core::AssetId{300 + i};
    a.declared.client_id = "f-" + std::to_string(i);
    a.declared.filename = "IMG_" + std::to_string(2900 + i) + ".jpg";
    a.declared.title = "Photo " + std::to_string(i);
    a.declared.sequence = i;
    a.status = core::AssetStatus::kReady;
    a.facts.width = 4032;
    a.facts.height = 3024;
    out.assets.push_back(a);
  }
  out.progress = {count, count, 0, 0};
  return out;
}

TEST(Converters, StatusJsonIsByteForByteTheTreesDump) {
  EXPECT_EQ(status_json(ready_batch(20)), tree_dump(ready_batch(20)));
  EXPECT_EQ(status_json(ready_batch(0)), tree_dump(ready_batch(0)));

  // Before complete: no job, no facts.
  auto pending = ready_batch(2);
  pending.batch.status = core::BatchStatus::kPendingUpload;
  pending.job.reset();
  for (auto& a : pending.assets) {
    a.status = core::AssetStatus::kPendingUpload;
    a.facts = {};
  }
  pending.progress = {2, 0, 0, 2};
  EXPECT_EQ(status_json(pending), tree_dump(pending));

  // Every status of batch, job and asset; every media type; videos with durations; failures
  // with codes; names with escapes, controls, non-ASCII text and invalid UTF-8.
  auto mixed = ready_batch(0);
  mixed.error = core::BatchFailure{core::ErrorCode::kInternal, "Processing failed: \"x\"\n"};
  const std::vector<std::string> names = {
      "Sala de estar — café ☕ \xF0\x9F\x8F\xA0",
      "quote \" backslash \\ slash / tab \t nul " + std::string(1, '\0') + " bell \x07 del \x7f",
      "latin-1 \xE9 and a cut \xE2\x82", "", "\xE2\x80\xAE\xEF\xBF\xBF"};
  const std::int64_t durations[] = {0, 1, 999, 1000, 1500, 12345, 59999, 3600000, 7654321};
  int n = 0;
  for (const auto batch_status : core::kAllBatchStatuses) {
    for (const auto job_status : core::kAllJobStatuses) {
      mixed.batch.status = batch_status;
      mixed.job->status = job_status;
      mixed.job->completed_at.reset();
      mixed.job->attempt = static_cast<int>(job_status) + 1;
      EXPECT_EQ(status_json(mixed), tree_dump(mixed));
    }
  }
  for (const auto asset_status : core::kAllAssetStatuses) {
    for (const auto media_type : core::kAllMediaTypes) {
      core::Asset a;
      a.id = core::AssetId{1000 + n};
      a.declared.media_type = media_type;
      a.declared.client_id = names[static_cast<std::size_t>(n) % names.size()];
      a.declared.filename = names[static_cast<std::size_t>(n + 1) % names.size()];
      a.declared.title = names[static_cast<std::size_t>(n + 2) % names.size()];
      a.declared.sequence = n + 1;
      a.status = asset_status;
      if (n % 3 != 0) a.facts.width = 1920 + n;
      if (n % 3 != 1) a.facts.height = 1080 - n;
      a.facts.duration_ms = durations[static_cast<std::size_t>(n) % std::size(durations)];
      if (n % 4 == 0) a.facts.duration_ms.reset();
      if (asset_status == core::AssetStatus::kFailed) {
        const core::ErrorCode codes[] = {core::ErrorCode::kUnsupportedMediaType,
                                         core::ErrorCode::kChecksumMismatch,
                                         core::ErrorCode::kInternal};
        a.failure = core::AssetFailure{codes[static_cast<std::size_t>(n) % 3],
                                       "The file is not a photo: " + names[0],
                                       "Export it as JPEG.\n" + names[2]};
      }
      mixed.assets.push_back(a);
      ++n;
    }
  }
  mixed.progress = {n, 3, 4, n - 7};
  EXPECT_EQ(status_json(mixed), tree_dump(mixed));
  ASSERT_GT(mixed.assets.size(), 10U);
}

// The create answer as the service built it before it was written as text: the reference the
// text must match byte for byte.
nlohmann::json create_tree(const core::CreateUploadBatchOutput& output) {
  auto files = nlohmann::json::array();
  for (const auto& f : output.files) {
    nlohmann::json file = {{"clientId", f.client_id}, {"assetId", f.asset_id.value}};
    if (f.upload) {
      auto headers = nlohmann::json::object();
      for (const auto& [name, value] : f.upload->headers) headers[name] = value;
      file["upload"] = {
          {"method", f.upload->method}, {"url", f.upload->url}, {"headers", std::move(headers)}};
    }
    if (f.multipart) {
      auto parts = nlohmann::json::array();
      for (const auto& p : f.multipart->parts) {
        parts.push_back({{"partNumber", p.part_number}, {"url", p.url}, {"bytes", p.bytes}});
      }
      file["multipart"] = {{"uploadId", f.multipart->upload_id},
                           {"partSizeBytes", f.multipart->part_size_bytes},
                           {"partCount", f.multipart->part_count},
                           {"parts", std::move(parts)}};
    }
    files.push_back(std::move(file));
  }
  return {{"batchId", output.batch_id.value},
          {"listingIdentityId", output.listing_id.value},
          {"status", core::to_string(output.status)},
          {"expiresAt", core::format_rfc3339(output.expires_at)},
          {"files", std::move(files)}};
}

std::string tree_dump(const core::CreateUploadBatchOutput& output) {
  return create_tree(output).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// `count` files as the wrk benchmark's: presigned PUTs with their three signed headers.
core::CreateUploadBatchOutput created_batch(int count) {
  core::CreateUploadBatchOutput out;
  out.batch_id = core::BatchId{51};
  out.listing_id = core::ListingId{100123};
  out.status = core::BatchStatus::kPendingUpload;
  out.expires_at = at(1795003600123);
  for (int i = 1; i <= count; ++i) {
    core::FileUploadInstructions f;
    f.client_id = "f-" + std::to_string(i);
    f.asset_id = core::AssetId{300 + i};
    f.upload = core::SingleUpload{
        "PUT",
        "http://127.0.0.1:8080/storage/raw/100123/51/" + std::to_string(300 + i) +
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0123abcd",
        {{"Content-Type", "image/jpeg"},
         {"Content-Length", std::to_string(4000000 + i)},
         {"x-amz-checksum-sha256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}}};
    out.files.push_back(std::move(f));
  }
  return out;
}

TEST(Converters, CreateUploadJsonIsByteForByteTheTreesDump) {
  EXPECT_EQ(create_upload_json(created_batch(100)), tree_dump(created_batch(100)));
  EXPECT_EQ(create_upload_json(created_batch(0)), tree_dump(created_batch(0)));

  // Multipart uploads with and without part URLs beside single PUTs; headers out of byte order and
  // named twice (the tree keeps the last); escapes, controls, non-ASCII and invalid UTF-8.
  auto mixed = created_batch(2);
  mixed.status = core::BatchStatus::kFailed;
  mixed.files[0].client_id = "quote \" back\\slash \t tab " + std::string(1, '\0') + " \x7f";
  mixed.files[1].client_id = "latin-1 \xE9 and a cut \xE2\x82";
  mixed.files[1].upload->headers = {
      {"x-b", "2"}, {"Content-Type", "image/jpeg"}, {"x-b", "last \xF0\x9F\x8F\xA0"}, {"A", ""}};
  for (int parts : {0, 1, 8}) {
    core::FileUploadInstructions f;
    f.client_id = "video-" + std::to_string(parts) + " — café";
    f.asset_id = core::AssetId{900 + parts};
    core::MultipartUpload mp;
    mp.upload_id = "upload/id+" + std::to_string(parts) + "\"";
    mp.part_size_bytes = 16 * 1024 * 1024;
    mp.part_count = 40 + parts;
    for (int n = 1; n <= parts; ++n) {
      mp.parts.push_back({n, "http://s3.example/part?partNumber=" + std::to_string(n) + "&a=\x01",
                          n == parts ? 1234 : mp.part_size_bytes});
    }
    f.multipart = std::move(mp);
    mixed.files.push_back(std::move(f));
  }
  EXPECT_EQ(create_upload_json(mixed), tree_dump(mixed));
  const auto parsed = nlohmann::json::parse(create_upload_json(mixed), nullptr, false,
                                            /*ignore_comments=*/false);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed.at("files")[1].at("upload").at("headers").size(), 3U);
  EXPECT_EQ(parsed.at("files")[4].at("multipart").at("parts").size(), 8U);
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
  const auto j = nlohmann::json::parse(status_json(out));
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
