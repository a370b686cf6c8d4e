#include "adapter/http/error_mapper.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace toq::http {
namespace {

using core::ErrorCode;

struct Case {
  ErrorCode code;
  int status;
  const char* wire;
};

// Every client-visible code with its status and spelling (api-contract.md).
constexpr Case kContract[] = {
    {ErrorCode::kInvalidManifest, 400, "INVALID_MANIFEST"},
    {ErrorCode::kInvalidRequest, 400, "INVALID_REQUEST"},
    {ErrorCode::kUnauthenticated, 401, "UNAUTHENTICATED"},
    {ErrorCode::kForbidden, 403, "FORBIDDEN"},
    {ErrorCode::kListingNotFound, 404, "LISTING_NOT_FOUND"},
    {ErrorCode::kBatchNotFound, 404, "BATCH_NOT_FOUND"},
    {ErrorCode::kJobNotFound, 404, "JOB_NOT_FOUND"},  // the AWS callback's unknown job
    {ErrorCode::kAssetNotFound, 404, "ASSET_NOT_FOUND"},
    {ErrorCode::kOpenBatchExists, 409, "OPEN_BATCH_EXISTS"},
    {ErrorCode::kListingNotReadyForUpload, 409, "LISTING_NOT_READY_FOR_UPLOAD"},
    {ErrorCode::kBatchNotPending, 409, "BATCH_NOT_PENDING"},
    {ErrorCode::kBatchNotRetryable, 409, "BATCH_NOT_RETRYABLE"},
    {ErrorCode::kBatchNotDeletable, 409, "BATCH_NOT_DELETABLE"},
    {ErrorCode::kFileTooLarge, 413, "FILE_TOO_LARGE"},
    {ErrorCode::kUnsupportedMediaType, 415, "UNSUPPORTED_MEDIA_TYPE"},
    {ErrorCode::kUploadIncomplete, 422, "UPLOAD_INCOMPLETE"},
    {ErrorCode::kDatabaseBusy, 503, "DATABASE_BUSY"},
    {ErrorCode::kDatabaseUnavailable, 503, "DATABASE_UNAVAILABLE"},
    {ErrorCode::kStoreUnavailable, 503, "STORE_UNAVAILABLE"},
    {ErrorCode::kPipelineUnavailable, 503, "PIPELINE_UNAVAILABLE"},  // the AWS mode's services
    {ErrorCode::kInsufficientStorage, 503, "INSUFFICIENT_STORAGE"},
};

TEST(ErrorMapper, ContractCodesKeepTheirSpellingStatusAndPublicMessage) {
  for (const auto& c : kContract) {
    SCOPED_TRACE(c.wire);
    const auto mapped =
        map_error(core::make_error(c.code, "internal: /var/db sql", "Public text."));
    EXPECT_EQ(mapped.status, c.status);
    EXPECT_EQ(mapped.body.at("code"), c.wire);
    EXPECT_EQ(mapped.body.at("message"), "Public text.");
    EXPECT_FALSE(mapped.body.contains("details"));
    EXPECT_FALSE(mapped.internal);
    EXPECT_EQ(mapped.retry_after_seconds > 0, c.status == 503);
  }
}

TEST(ErrorMapper, GenericMessageWhenNoPublicText) {
  const auto mapped = map_error(core::make_error(ErrorCode::kListingNotFound, "listing 28 absent"));
  EXPECT_EQ(mapped.body.at("message"), "Listing not found.");
}

TEST(ErrorMapper, EveryOtherCodeIsAnOpaqueInternalError) {
  std::set<ErrorCode> contract;
  for (const auto& c : kContract) contract.insert(c.code);
  int checked = 0;
  for (int i = 0; i <= static_cast<int>(ErrorCode::kInternal); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    if (contract.contains(code)) continue;
    SCOPED_TRACE(std::string{core::to_string(code)});
    core::Error e = core::make_error(code, "secret path /var/lib/x.db", "public but internal");
    e.details = core::ConflictDetails{"jobId", 9};
    const auto mapped = map_error(e);
    EXPECT_EQ(mapped.status, 500);
    EXPECT_TRUE(mapped.internal);
    EXPECT_EQ(mapped.body.at("code"), "INTERNAL_ERROR");
    const std::string dumped = mapped.body.dump();
    EXPECT_EQ(dumped.find("secret"), std::string::npos);
    EXPECT_EQ(dumped.find("public but internal"), std::string::npos);
    EXPECT_FALSE(mapped.body.contains("details"));
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

TEST(ErrorMapper, FieldErrorsListFieldReasonAndRule) {
  core::Error e = core::make_error(ErrorCode::kInvalidManifest, "bad");
  e.details = core::FieldErrors{{{"files[3].bytes", "OUT_OF_RANGE", "must be at least 1"},
                                 {"files[0].clientId", "DUPLICATE", "used twice"}}};
  const auto mapped = map_error(e);
  EXPECT_EQ(mapped.status, 400);
  const auto& fields = mapped.body.at("details").at("fields");
  ASSERT_EQ(fields.size(), 2U);
  EXPECT_EQ(fields[0].at("field"), "files[3].bytes");
  EXPECT_EQ(fields[0].at("reason"), "must be at least 1");
  EXPECT_EQ(fields[0].at("rule"), "OUT_OF_RANGE");
  EXPECT_EQ(fields[1].at("field"), "files[0].clientId");
}

// A capped list says how many failures it left out, so a client knows the list is partial.
TEST(ErrorMapper, CappedFieldErrorsCountTheOmittedOnes) {
  core::Error e = core::make_error(ErrorCode::kInvalidManifest, "bad");
  e.details = core::FieldErrors{{{"files", "TOO_MANY_FILES", "lists 340000 files"}}, 599};
  const auto mapped = map_error(e);
  EXPECT_EQ(mapped.body.at("details").at("fields").size(), 1U);
  EXPECT_EQ(mapped.body.at("details").at("omittedFields"), 599);
  e.details = core::FieldErrors{{{"files", "TOO_MANY_FILES", "lists 340000 files"}}, 0};
  EXPECT_FALSE(map_error(e).body.at("details").contains("omittedFields"));
}

// A full disk is not an opaque 500: its own code, a message a person can act on, and a
// Retry-After long enough for an operator to free space.
TEST(ErrorMapper, InsufficientStorageIsA503WithItsCodeAndALongerRetryAfter) {
  const auto mapped = map_error(core::make_error(ErrorCode::kInsufficientStorage,
                                                 "write /srv/x: No space left on device", {},
                                                 "The server's disk is full."));
  EXPECT_EQ(mapped.status, 503);
  EXPECT_FALSE(mapped.internal);
  EXPECT_EQ(mapped.body.at("code"), "INSUFFICIENT_STORAGE");
  EXPECT_EQ(mapped.body.at("message").get<std::string>().find("/srv"), std::string::npos);
  EXPECT_EQ(mapped.retry_after_seconds, 60);
}

TEST(ErrorMapper, FileTooLargeAndUnsupportedTypeCarryFields) {
  for (auto code : {ErrorCode::kFileTooLarge, ErrorCode::kUnsupportedMediaType}) {
    core::Error e = core::make_error(code, "x");
    e.details = core::FieldErrors{{{"files[0].bytes", "FILE_TOO_LARGE", "too big"}}};
    EXPECT_EQ(map_error(e).body.at("details").at("fields").size(), 1U);
  }
}

TEST(ErrorMapper, OpenBatchExistsNamesTheBatch) {
  core::Error e = core::make_error(ErrorCode::kOpenBatchExists, "x");
  e.details = core::ConflictDetails{"batchId", 51};
  const auto mapped = map_error(e);
  EXPECT_EQ(mapped.status, 409);
  EXPECT_EQ(mapped.body.at("details").at("batchId"), 51);
}

TEST(ErrorMapper, UploadIncompleteListsMissingAndMismatched) {
  core::Error e = core::make_error(ErrorCode::kUploadIncomplete, "x");
  e.details = core::UploadIncompleteDetails{{"f-3"}, {{"f-2", "SIZE_MISMATCH"}}};
  const auto mapped = map_error(e);
  EXPECT_EQ(mapped.status, 422);
  EXPECT_EQ(mapped.body.at("details").at("missing"), nlohmann::json::array({"f-3"}));
  EXPECT_EQ(mapped.body.at("details").at("mismatched")[0].at("clientId"), "f-2");
  EXPECT_EQ(mapped.body.at("details").at("mismatched")[0].at("reason"), "SIZE_MISMATCH");
}

TEST(ErrorMapper, PayloadTooLargeAndNotFound) {
  const auto big = payload_too_large(1024);
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.body.at("code"), "PAYLOAD_TOO_LARGE");
  EXPECT_EQ(big.body.at("details").at("maxBodyBytes"), 1024);
  EXPECT_EQ(route_not_found().status, 404);
}

TEST(ErrorMapper, ConnectionLayerAnswers) {
  const HttpError bad = malformed_request("bad method");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("code"), "INVALID_REQUEST");
  EXPECT_NE(bad.body.at("message").get<std::string>().find("bad method"), std::string::npos);
  const HttpError big = headers_too_large(65536);
  EXPECT_EQ(big.status, 431);
  EXPECT_EQ(big.body.at("code"), "HEADERS_TOO_LARGE");
  EXPECT_EQ(big.body.at("details").at("maxHeaderBytes"), 65536);
  const HttpError busy = server_busy("from one address");
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.body.at("code"), "SERVER_BUSY");
  EXPECT_EQ(busy.retry_after_seconds, 1);
}

}  // namespace
}  // namespace toq::http
