#include "core/model/error.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace toq::core {
namespace {

// Every enumerator, found by casting 0..kInternal: a code added to the enum but not to the name
// table shows up here as a duplicate or wrong name.
std::vector<ErrorCode> all_codes() {
  std::vector<ErrorCode> out;
  for (int i = 0; i <= static_cast<int>(ErrorCode::kInternal); ++i) {
    out.push_back(static_cast<ErrorCode>(i));
  }
  return out;
}

bool is_upper_snake(std::string_view s) {
  if (s.empty() || s.front() < 'A' || s.front() > 'Z' || s.back() == '_') return false;
  char prev = '\0';
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok || (c == '_' && prev == '_')) return false;
    prev = c;
  }
  return true;
}

TEST(ErrorCode, EveryCodeHasADistinctUpperSnakeName) {
  std::set<std::string_view> seen;
  for (auto code : all_codes()) {
    const auto name = to_string(code);
    EXPECT_TRUE(is_upper_snake(name)) << static_cast<int>(code) << " '" << name << "'";
    EXPECT_TRUE(seen.insert(name).second)
        << "name '" << name << "' used twice (code " << static_cast<int>(code) << ")";
  }
  EXPECT_EQ(seen.size(), all_codes().size());
}

TEST(ErrorCode, ParseRoundTripsEveryName) {
  for (auto code : all_codes()) {
    const auto parsed = parse_error_code(to_string(code));
    ASSERT_TRUE(parsed.has_value()) << to_string(code);
    EXPECT_EQ(*parsed, code) << to_string(code);
  }
}

TEST(ErrorCode, ContractSpellings) {
  EXPECT_EQ(to_string(ErrorCode::kInvalidManifest), "INVALID_MANIFEST");
  EXPECT_EQ(to_string(ErrorCode::kUnauthenticated), "UNAUTHENTICATED");
  EXPECT_EQ(to_string(ErrorCode::kForbidden), "FORBIDDEN");
  EXPECT_EQ(to_string(ErrorCode::kListingNotFound), "LISTING_NOT_FOUND");
  EXPECT_EQ(to_string(ErrorCode::kListingNotReadyForUpload), "LISTING_NOT_READY_FOR_UPLOAD");
  EXPECT_EQ(to_string(ErrorCode::kOpenBatchExists), "OPEN_BATCH_EXISTS");
  EXPECT_EQ(to_string(ErrorCode::kFileTooLarge), "FILE_TOO_LARGE");
  EXPECT_EQ(to_string(ErrorCode::kUnsupportedMediaType), "UNSUPPORTED_MEDIA_TYPE");
  EXPECT_EQ(to_string(ErrorCode::kBatchNotPending), "BATCH_NOT_PENDING");
  EXPECT_EQ(to_string(ErrorCode::kUploadIncomplete), "UPLOAD_INCOMPLETE");
  EXPECT_EQ(to_string(ErrorCode::kBatchNotFound), "BATCH_NOT_FOUND");
  EXPECT_EQ(to_string(ErrorCode::kBatchNotRetryable), "BATCH_NOT_RETRYABLE");
  EXPECT_EQ(to_string(ErrorCode::kBatchNotDeletable), "BATCH_NOT_DELETABLE");
  // Asset error codes of the contract.
  EXPECT_EQ(to_string(ErrorCode::kUploadMissing), "UPLOAD_MISSING");
  EXPECT_EQ(to_string(ErrorCode::kSizeMismatch), "SIZE_MISMATCH");
  EXPECT_EQ(to_string(ErrorCode::kChecksumMismatch), "CHECKSUM_MISMATCH");
  EXPECT_EQ(to_string(ErrorCode::kUnsupportedFormat), "UNSUPPORTED_FORMAT");
  EXPECT_EQ(to_string(ErrorCode::kTypeMismatch), "TYPE_MISMATCH");
  EXPECT_EQ(to_string(ErrorCode::kCorruptMedia), "CORRUPT_MEDIA");
  EXPECT_EQ(to_string(ErrorCode::kImageTooLarge), "IMAGE_TOO_LARGE");
  EXPECT_EQ(to_string(ErrorCode::kVideoTooLong), "VIDEO_TOO_LONG");
  EXPECT_EQ(to_string(ErrorCode::kVideoTranscodeFailed), "VIDEO_TRANSCODE_FAILED");
  EXPECT_EQ(to_string(ErrorCode::kOrientationMismatch), "ORIENTATION_MISMATCH");
  EXPECT_EQ(to_string(ErrorCode::kProcessingTimeout), "PROCESSING_TIMEOUT");
  EXPECT_EQ(to_string(ErrorCode::kUploadExpired), "UPLOAD_EXPIRED");
  EXPECT_EQ(to_string(ErrorCode::kUploadCancelled), "UPLOAD_CANCELLED");
  EXPECT_EQ(to_string(ErrorCode::kInternal), "INTERNAL_ERROR");
}

TEST(ErrorCode, ParseRejectsAnythingElse) {
  for (std::string_view text : {"", "invalid_manifest", "Invalid_Manifest", "INVALID_MANIFEST ",
                                " INVALID_MANIFEST", "INVALID", "INTERNAL", "NOPE"}) {
    EXPECT_EQ(parse_error_code(text), std::nullopt) << "'" << text << "'";
  }
}

TEST(Error, ClientMessagePrefersThePublicMessage) {
  const auto e = make_error(ErrorCode::kBatchNotFound, "batch 51 of listing 28: no row",
                            "That batch does not exist.", "Check the batch id.");
  EXPECT_EQ(e.code, ErrorCode::kBatchNotFound);
  EXPECT_EQ(e.message, "batch 51 of listing 28: no row");
  EXPECT_EQ(e.public_message, "That batch does not exist.");
  EXPECT_EQ(e.hint, "Check the batch id.");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(e.details));
  EXPECT_EQ(e.client_message(), "That batch does not exist.");
}

TEST(Error, ClientMessageFallsBackToAGenericTextForEveryCode) {
  const std::string internal = "SELECT * FROM batches failed: /var/lib/toq/media.db locked";
  for (auto code : all_codes()) {
    const auto e = make_error(code, internal);
    const auto text = e.client_message();
    EXPECT_FALSE(text.empty()) << to_string(code);
    // The operator message never leaks through the fallback.
    EXPECT_EQ(text.find("SELECT"), std::string::npos) << to_string(code);
    EXPECT_EQ(text.find("/var/lib"), std::string::npos) << to_string(code);
  }
  EXPECT_EQ(make_error(ErrorCode::kInvalidManifest, "x").client_message(),
            "The file manifest is not valid.");
  EXPECT_EQ(make_error(ErrorCode::kDatabaseError, "x").client_message(), "Internal error.");
}

TEST(Error, DefaultErrorIsInternal) {
  const Error e;
  EXPECT_EQ(e.code, ErrorCode::kInternal);
  EXPECT_EQ(e.client_message(), "Internal error.");
}

TEST(Error, FailBuildsAnUnexpected) {
  const Result<int> r = fail(ErrorCode::kConflict, "dup key", "Already there.", "Reload.");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_EQ(r.error().message, "dup key");
  EXPECT_EQ(r.error().client_message(), "Already there.");
  EXPECT_EQ(r.error().hint, "Reload.");

  Error e = make_error(ErrorCode::kUploadIncomplete, "missing f-3");
  e.details = UploadIncompleteDetails{{"f-3"}, {{"f-2", "SIZE_MISMATCH"}}};
  const Status s = fail(e);
  ASSERT_FALSE(s.has_value());
  const auto* d = std::get_if<UploadIncompleteDetails>(&s.error().details);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->missing, std::vector<std::string>{"f-3"});
  ASSERT_EQ(d->mismatched.size(), 1U);
  EXPECT_EQ(d->mismatched[0].client_id, "f-2");
}

}  // namespace
}  // namespace toq::core
