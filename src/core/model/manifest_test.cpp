// validate_manifest on the manifest as a whole: what a valid one becomes, the manifest-level
// fields, and how several failures are reported.

#include "core/model/manifest.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/model/manifest_test_support.hpp"

namespace toq::core {
namespace {

using namespace toq::core::manifest_test;  // NOLINT(google-build-using-namespace)

// ---- success and normalisation ----

TEST(ValidateManifest, AcceptsAValidManifestAndCopiesEveryField) {
  auto in = valid_input(2);
  in.files[1].media_type = "VIDEO_VERTICAL";
  in.files[1].content_type = "video/mp4";
  in.files[1].bytes = 3 * kGiB;
  in.files[1].checksum_sha256 = std::string(kToqSha);
  in.files[1].title = std::string(kEuro3);
  const auto r = validate(in);
  ASSERT_TRUE(r.has_value()) << describe(failures(r));
  EXPECT_EQ(r->listing_identity_id, 28);
  EXPECT_EQ(r->batch_reference, "sessao-2025-11-11");
  ASSERT_EQ(r->files.size(), 2U);
  const FileDeclaration first{"f-0",    MediaType::kPhotoHorizontal, "IMG_0.jpg",     "image/jpeg",
                              5 * kMiB, std::string(kEmptySha),      "Sala de estar", 1};
  EXPECT_EQ(r->files[0], first);
  const FileDeclaration second{
      "f-1",    MediaType::kVideoVertical, "IMG_1.jpg",         "video/mp4",
      3 * kGiB, std::string(kToqSha),      std::string(kEuro3), 2};
  EXPECT_EQ(r->files[1], second);
}

TEST(ValidateManifest, OptionalFieldsDefaultToEmpty) {
  auto in = valid_input();
  in.batch_reference.reset();
  in.files[0].title.reset();
  const auto r = validate(in);
  ASSERT_TRUE(r.has_value()) << describe(failures(r));
  EXPECT_EQ(r->batch_reference, "");
  EXPECT_EQ(r->files[0].title, "");
}

TEST(ValidateManifest, EmptyTitleAndBatchReferenceAreAllowed) {
  auto in = valid_input();
  in.batch_reference = "";
  in.files[0].title = "";
  const auto r = validate(in);
  ASSERT_TRUE(r.has_value()) << describe(failures(r));
  EXPECT_EQ(r->files[0].title, "");
}

TEST(ValidateManifest, NormalisesContentType) {
  for (const std::string raw : {"Image/JPEG; charset=x", "IMAGE/JPEG", "  image/jpeg  ",
                                "\timage/jpeg ;q=1", "image/jpeg;"}) {
    auto in = valid_input();
    in.files[0].content_type = raw;
    const auto r = validate(in);
    ASSERT_TRUE(r.has_value()) << "'" << raw << "':" << describe(failures(r));
    EXPECT_EQ(r->files[0].content_type, "image/jpeg") << raw;
  }
}

TEST(ValidateManifest, ChecksumIsKeptExactlyAsDeclared) {
  auto in = valid_input();
  in.files[0].checksum_sha256 = std::string(kToqSha);
  const auto r = validate(in);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->files[0].checksum_sha256, kToqSha);
}

// ---- listingIdentityId ----

TEST(ValidateManifest, ListingIdentityIdIsRequired) {
  auto in = valid_input();
  in.listing_identity_id.reset();
  EXPECT_TRUE(fails_once(validate(in), "listingIdentityId", rule::kRequired));
}

TEST(ValidateManifest, ListingIdentityIdMustBePositive) {
  for (std::int64_t id : {std::int64_t{0}, std::int64_t{-1}, INT64_MIN}) {
    auto in = valid_input();
    in.listing_identity_id = id;
    EXPECT_TRUE(fails_once(validate(in), "listingIdentityId", rule::kOutOfRange)) << id;
  }
  auto in = valid_input();
  in.listing_identity_id = 1;
  EXPECT_TRUE(validate(in).has_value());
}

// ---- batchReference ----

TEST(ValidateManifest, BatchReferenceLengthIsCountedInCodePoints) {
  auto in = valid_input();
  in.batch_reference = repeat(kEuro3, 120);
  EXPECT_TRUE(validate(in).has_value());
  in.batch_reference = repeat(kEuro3, 121);
  EXPECT_TRUE(fails_once(validate(in), "batchReference", rule::kTooLong));
}

TEST(ValidateManifest, BatchReferenceMustBeValidUtf8WithoutControls) {
  auto in = valid_input();
  in.batch_reference = "lote\xFF";
  EXPECT_TRUE(fails_once(validate(in), "batchReference", rule::kInvalidUtf8));
  in.batch_reference = "lote\n2";
  EXPECT_TRUE(fails_once(validate(in), "batchReference", rule::kControlCharacter));
}

TEST(ValidateManifest, BatchReferenceLimitComesFromLimits) {
  auto in = valid_input();
  in.batch_reference = "abcd";
  ManifestLimits limits;
  limits.max_batch_reference_chars = 3;
  EXPECT_TRUE(fails_once(validate_manifest(in, limits), "batchReference", rule::kTooLong));
}

// ---- files count ----

TEST(ValidateManifest, NoFiles) {
  auto in = valid_input(0);
  EXPECT_TRUE(fails_once(validate(in), "files", rule::kNoFiles));
}

TEST(ValidateManifest, HundredFilesAreAcceptedHundredAndOneAreNot) {
  const auto ok = validate(valid_input(100));
  ASSERT_TRUE(ok.has_value()) << describe(failures(ok));
  EXPECT_EQ(ok->files.size(), 100U);
  EXPECT_TRUE(fails_once(validate(valid_input(101)), "files", rule::kTooManyFiles));
}

TEST(ValidateManifest, FileCountLimitComesFromLimits) {
  ManifestLimits limits;
  limits.max_files_per_batch = 2;
  EXPECT_TRUE(validate_manifest(valid_input(2), limits).has_value());
  EXPECT_TRUE(fails_once(validate_manifest(valid_input(3), limits), "files", rule::kTooManyFiles));
}

// The files within the limit are still checked; those past it are not (the work is bounded by
// the limit, not by what was sent).
TEST(ValidateManifest, TooManyFilesChecksOnlyTheFilesWithinTheLimit) {
  auto in = valid_input(101);
  in.files[99].bytes = 0;
  in.files[100].bytes = 0;
  const auto errors = failures(validate(in));
  ASSERT_EQ(errors.size(), 2U) << describe(errors);
  EXPECT_EQ(errors[0].field, "files");
  EXPECT_EQ(errors[0].rule, rule::kTooManyFiles);
  EXPECT_EQ(errors[1].field, "files[99].bytes");
  EXPECT_EQ(errors[1].rule, rule::kOutOfRange);
}

// The probe's manifest: 340,000 empty entries. Once the reader kept only the first entries it
// says how many were sent; the answer names that count and lists at most kMaxFieldErrors
// failures, counting the rest.
TEST(ValidateManifest, HugeManifestGivesABoundedAnswer) {
  ManifestInput in;
  in.listing_identity_id = 999999;
  in.files.resize(100);
  in.files_sent = 340000;
  const auto r = validate(in);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidManifest);
  const auto* fe = std::get_if<FieldErrors>(&r.error().details);
  ASSERT_NE(fe, nullptr);
  ASSERT_EQ(fe->fields.size(), FieldErrors::kMaxFieldErrors);
  EXPECT_EQ(fe->fields[0].field, "files");
  EXPECT_EQ(fe->fields[0].rule, rule::kTooManyFiles);
  EXPECT_NE(fe->fields[0].reason.find("340000"), std::string::npos) << fe->fields[0].reason;
  // 100 checked files, 7 REQUIRED fields each (all but title), plus TOO_MANY_FILES.
  EXPECT_EQ(fe->fields.size() + fe->omitted, 1U + 100U * 7U);
  EXPECT_LT(r.error().message.size(), 2000U);
}

TEST(ValidateManifest, CappedFailuresNeverNarrowTheCode) {
  auto in = valid_input(100);
  for (auto& f : in.files) {
    f.bytes = 61 * kMiB;
  }
  in.files[99].sequence = 1;  // DUPLICATE of files[0]: the 101st failure, past the cap
  const auto r = validate(in);
  ASSERT_FALSE(r.has_value());
  const auto* fe = std::get_if<FieldErrors>(&r.error().details);
  ASSERT_NE(fe, nullptr);
  EXPECT_EQ(fe->fields.size(), FieldErrors::kMaxFieldErrors);
  EXPECT_EQ(fe->omitted, 1U);
  // Every listed failure is a size, but an omitted one is not: FILE_TOO_LARGE would mislead.
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidManifest);
}

// ---- several failures at once ----

TEST(ValidateManifest, ReportsEveryFailureInFieldOrder) {
  auto in = valid_input(3);
  in.listing_identity_id.reset();
  in.batch_reference = "a\x01";
  in.files[0].bytes = 0;
  in.files[1].client_id = "";
  in.files[1].media_type = "PHOTO";
  in.files[1].filename = repeat("x", 256);
  in.files[1].checksum_sha256 = "nope";
  in.files[1].title = repeat("t", 121);
  in.files[2].content_type = "image/gif";
  in.files[2].sequence = 1;
  const auto r = validate(in);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidManifest);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"listingIdentityId", rule::kRequired},
      {"batchReference", rule::kControlCharacter},
      {"files[0].bytes", rule::kOutOfRange},
      {"files[1].clientId", rule::kEmpty},
      {"files[1].mediaType", rule::kUnknownValue},
      {"files[1].filename", rule::kTooLong},
      {"files[1].checksumSha256", rule::kBadChecksum},
      {"files[1].title", rule::kTooLong},
      {"files[2].contentType", rule::kContentTypeNotAllowed},
      {"files[2].sequence", rule::kDuplicate},
  };
  const auto errors = failures(r);
  ASSERT_EQ(errors.size(), expected.size()) << describe(errors);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(errors[i].field, expected[i].first) << i;
    EXPECT_EQ(errors[i].rule, expected[i].second) << i;
    EXPECT_FALSE(errors[i].reason.empty()) << i;
  }
}

TEST(ValidateManifest, EachFieldGetsOneFailure) {
  auto in = valid_input(2);
  in.files[1].client_id = "f-0\n";  // control character; not also compared for duplicates
  EXPECT_TRUE(fails_once(validate(in), "files[1].clientId", rule::kControlCharacter));
}

TEST(ValidateManifest, MessageSummarisesTheFailures) {
  auto in = valid_input(3);
  in.files[0].bytes = 0;
  in.files[1].sequence.reset();
  in.files[2].title = "\x7F";
  const auto r = validate(in);
  ASSERT_FALSE(r.has_value());
  const auto& message = r.error().message;
  EXPECT_EQ(message.rfind("3 problems in the manifest: files[0].bytes: ", 0), 0U) << message;
  const auto p0 = message.find("files[0].bytes");
  const auto p1 = message.find("files[1].sequence");
  const auto p2 = message.find("files[2].title");
  EXPECT_LT(p0, p1);
  EXPECT_LT(p1, p2);
  EXPECT_NE(p2, std::string::npos);
}

TEST(ValidateManifest, SingleFailureMessageIsSingular) {
  auto in = valid_input();
  in.files[0].bytes = 0;
  const auto r = validate(in);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message.rfind("1 problem in the manifest: files[0].bytes: ", 0), 0U)
      << r.error().message;
}

// ---- top-level code ----

TEST(ValidateManifest, AllSizeFailuresMeanFileTooLarge) {
  auto in = valid_input(3);
  in.files[0].bytes = 60 * kMiB + 1;
  in.files[2].bytes = 61 * kMiB;
  const auto r = validate(in);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kFileTooLarge);
  EXPECT_EQ(failures(r).size(), 2U);
}

TEST(ValidateManifest, AllContentTypeFailuresMeanUnsupportedMediaType) {
  auto in = valid_input(2);
  in.files[0].content_type = "image/gif";
  in.files[1].content_type = "application/pdf";
  const auto r = validate(in);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupportedMediaType);
  EXPECT_EQ(failures(r).size(), 2U);
}

TEST(ValidateManifest, MixedFailuresMeanInvalidManifest) {
  {
    auto in = valid_input(2);
    in.files[0].bytes = 61 * kMiB;
    in.files[1].content_type = "image/gif";
    const auto r = validate(in);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidManifest);
  }
  {
    auto in = valid_input(2);
    in.files[0].bytes = 61 * kMiB;
    in.files[1].title = "\x01";
    const auto r = validate(in);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidManifest);
  }
  {
    auto in = valid_input();
    in.files[0].sequence = 0;
    const auto r = validate(in);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidManifest);
  }
}

TEST(ValidateManifest, ErrorCarriesPublicTextAndHint) {
  for (auto mutate : {+[](FileDeclarationInput& f) { f.bytes = 0; },
                      +[](FileDeclarationInput& f) { f.bytes = 61 * kMiB; },
                      +[](FileDeclarationInput& f) { f.content_type = "image/gif"; }}) {
    auto in = valid_input();
    mutate(in.files[0]);
    const auto r = validate(in);
    ASSERT_FALSE(r.has_value());
    const auto& e = r.error();
    EXPECT_FALSE(e.public_message.empty());
    EXPECT_EQ(e.client_message(), e.public_message);
    EXPECT_FALSE(e.hint.empty());
    // The public text is plain: no JSON paths, no internals.
    EXPECT_EQ(e.public_message.find("files["), std::string::npos) << e.public_message;
    EXPECT_NE(e.message, e.public_message);
  }
}

}  // namespace
}  // namespace toq::core
