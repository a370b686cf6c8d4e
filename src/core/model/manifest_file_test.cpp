// validate_manifest on each field of a file declaration.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/model/manifest.hpp"
#include "core/model/manifest_test_support.hpp"

namespace toq::core {
namespace {

using namespace toq::core::manifest_test;  // NOLINT(google-build-using-namespace)

// ---- clientId ----

TEST(ValidateManifest, ClientIdIsRequired) {
  auto in = valid_input(2);
  in.files[1].client_id.reset();
  EXPECT_TRUE(fails_once(validate(in), "files[1].clientId", rule::kRequired));
}

TEST(ValidateManifest, ClientIdMustNotBeEmpty) {
  auto in = valid_input();
  in.files[0].client_id = "";
  EXPECT_TRUE(fails_once(validate(in), "files[0].clientId", rule::kEmpty));
}

TEST(ValidateManifest, ClientIdLengthLimit) {
  auto in = valid_input();
  in.files[0].client_id = repeat(kE2, 64);
  EXPECT_TRUE(validate(in).has_value());
  in.files[0].client_id = repeat(kE2, 65);
  EXPECT_TRUE(fails_once(validate(in), "files[0].clientId", rule::kTooLong));
}

TEST(ValidateManifest, ClientIdMustBeValidUtf8WithoutControls) {
  auto in = valid_input();
  in.files[0].client_id = "f\xC0\xAF";
  EXPECT_TRUE(fails_once(validate(in), "files[0].clientId", rule::kInvalidUtf8));
  in.files[0].client_id = std::string("f\0x", 3);
  EXPECT_TRUE(fails_once(validate(in), "files[0].clientId", rule::kControlCharacter));
}

TEST(ValidateManifest, DuplicateClientIdIsReportedOnEachLaterOccurrence) {
  auto in = valid_input(4);
  in.files[2].client_id = "f-0";
  in.files[3].client_id = "f-0";
  const auto errors = failures(validate(in));
  ASSERT_EQ(errors.size(), 2U) << describe(errors);
  EXPECT_EQ(errors[0].field, "files[2].clientId");
  EXPECT_EQ(errors[0].rule, rule::kDuplicate);
  EXPECT_NE(errors[0].reason.find("files[0]"), std::string::npos) << errors[0].reason;
  EXPECT_EQ(errors[1].field, "files[3].clientId");
  EXPECT_EQ(errors[1].rule, rule::kDuplicate);
  EXPECT_NE(errors[1].reason.find("files[0]"), std::string::npos) << errors[1].reason;
}

TEST(ValidateManifest, ClientIdsAreCaseSensitive) {
  auto in = valid_input(2);
  in.files[0].client_id = "A";
  in.files[1].client_id = "a";
  EXPECT_TRUE(validate(in).has_value());
}

// ---- mediaType ----

TEST(ValidateManifest, MediaTypeIsRequired) {
  auto in = valid_input();
  in.files[0].media_type.reset();
  EXPECT_TRUE(fails_once(validate(in), "files[0].mediaType", rule::kRequired));
}

TEST(ValidateManifest, MediaTypeMustBeAKnownValue) {
  for (const std::string v : {"PHOTO", "photo_horizontal", "", "PHOTO_HORIZONTAL ", "AUDIO"}) {
    auto in = valid_input();
    in.files[0].media_type = v;
    EXPECT_TRUE(fails_once(validate(in), "files[0].mediaType", rule::kUnknownValue)) << v;
  }
}

TEST(ValidateManifest, EveryContractMediaTypeIsAccepted) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"PHOTO_VERTICAL", "image/png"},    {"PHOTO_HORIZONTAL", "image/heic"},
      {"VIDEO_VERTICAL", "video/webm"},   {"VIDEO_HORIZONTAL", "video/quicktime"},
      {"PROJECT_DOC", "application/pdf"}, {"PROJECT_RENDER", "image/webp"}};
  for (const auto& [type, content] : cases) {
    auto in = valid_input();
    in.files[0].media_type = type;
    in.files[0].content_type = content;
    const auto r = validate(in);
    ASSERT_TRUE(r.has_value()) << type << describe(failures(r));
    EXPECT_EQ(to_string(r->files[0].media_type), type);
  }
}

// ---- filename ----

TEST(ValidateManifest, FilenameIsRequired) {
  auto in = valid_input();
  in.files[0].filename.reset();
  EXPECT_TRUE(fails_once(validate(in), "files[0].filename", rule::kRequired));
}

TEST(ValidateManifest, FilenameMustNotBeEmpty) {
  auto in = valid_input();
  in.files[0].filename = "";
  EXPECT_TRUE(fails_once(validate(in), "files[0].filename", rule::kEmpty));
}

TEST(ValidateManifest, FilenameLengthIsCountedInCodePoints) {
  auto in = valid_input();
  in.files[0].filename = repeat(kEuro3, 255);
  EXPECT_TRUE(validate(in).has_value());
  in.files[0].filename = repeat(kEuro3, 256);
  EXPECT_TRUE(fails_once(validate(in), "files[0].filename", rule::kTooLong));
}

TEST(ValidateManifest, FilenameRejectsC0DelAndC1Controls) {
  for (const std::string& bad :
       {std::string("a\nb.jpg"), std::string("a\tb.jpg"), std::string("a\x1F.jpg"),
        std::string("a\x7F.jpg"), std::string("a\xC2\x80.jpg"), std::string("a\xC2\x85.jpg"),
        std::string("a\xC2\x9F.jpg"), std::string("a\0.jpg", 6)}) {
    auto in = valid_input();
    in.files[0].filename = bad;
    EXPECT_TRUE(fails_once(validate(in), "files[0].filename", rule::kControlCharacter))
        << fmt::format("{:?}", bad);
  }
  // Just past the C1 block and just below DEL are ordinary characters.
  auto in = valid_input();
  in.files[0].filename = "a\xC2\xA0~.jpg";  // U+00A0 no-break space, '~'
  EXPECT_TRUE(validate(in).has_value());
}

TEST(ValidateManifest, FilenameMustBeValidUtf8) {
  for (const std::string bad : {"a\xFF.jpg", "a\xED\xA0\x80.jpg", "a\xE2\x82"}) {
    auto in = valid_input();
    in.files[0].filename = bad;
    EXPECT_TRUE(fails_once(validate(in), "files[0].filename", rule::kInvalidUtf8));
  }
}

// ---- contentType ----

TEST(ValidateManifest, ContentTypeIsRequired) {
  auto in = valid_input();
  in.files[0].content_type.reset();
  EXPECT_TRUE(fails_once(validate(in), "files[0].contentType", rule::kRequired));
}

TEST(ValidateManifest, BlankContentTypeIsEmpty) {
  for (const std::string v : {"", "   ", "; charset=x"}) {
    auto in = valid_input();
    in.files[0].content_type = v;
    EXPECT_TRUE(fails_once(validate(in), "files[0].contentType", rule::kEmpty)) << v;
  }
}

TEST(ValidateManifest, ContentTypeMustMatchTheMediaType) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"PHOTO_HORIZONTAL", "video/mp4"}, {"PHOTO_VERTICAL", "application/pdf"},
      {"VIDEO_VERTICAL", "image/jpeg"},  {"PROJECT_DOC", "image/png"},
      {"PROJECT_RENDER", "video/mp4"},   {"PHOTO_HORIZONTAL", "image/gif"},
      {"PHOTO_HORIZONTAL", "image/jpg"}, {"PHOTO_HORIZONTAL", "image / jpeg"}};
  for (const auto& [type, content] : cases) {
    auto in = valid_input();
    in.files[0].media_type = type;
    in.files[0].content_type = content;
    EXPECT_TRUE(fails_once(validate(in), "files[0].contentType", rule::kContentTypeNotAllowed))
        << type << " " << content;
  }
}

TEST(ValidateManifest, ContentTypeIsNotCheckedWithoutAValidMediaType) {
  auto in = valid_input();
  in.files[0].media_type = "AUDIO";
  in.files[0].content_type = "audio/mpeg";
  EXPECT_TRUE(fails_once(validate(in), "files[0].mediaType", rule::kUnknownValue));
}

TEST(ValidateManifest, AllowedContentTypesComeFromLimits) {
  ManifestLimits limits;
  limits.allowed_content_types[MediaType::kPhotoHorizontal] = {"image/avif"};
  auto in = valid_input();
  in.files[0].content_type = "image/AVIF";
  EXPECT_TRUE(validate_manifest(in, limits).has_value());
  in.files[0].content_type = "image/jpeg";
  EXPECT_TRUE(fails_once(validate_manifest(in, limits), "files[0].contentType",
                         rule::kContentTypeNotAllowed));
}

TEST(ValidateManifest, MediaTypeMissingFromAllowedContentTypesAdmitsNothing) {
  ManifestLimits limits;
  limits.allowed_content_types.erase(MediaType::kPhotoHorizontal);
  EXPECT_TRUE(fails_once(validate_manifest(valid_input(), limits), "files[0].contentType",
                         rule::kContentTypeNotAllowed));
}

TEST(DefaultContentTypes, MatchTheContract) {
  const std::set<std::string> photos = {"image/jpeg", "image/png",  "image/heic",
                                        "image/heif", "image/webp", "image/tiff"};
  const std::set<std::string> videos = {"video/mp4",  "video/quicktime",  "video/x-m4v",
                                        "video/webm", "video/x-matroska", "video/x-msvideo",
                                        "video/mpeg", "video/mp2t"};
  const auto d = ManifestLimits::default_content_types();
  ASSERT_EQ(d.size(), kAllMediaTypes.size());
  EXPECT_EQ(d.at(MediaType::kPhotoVertical), photos);
  EXPECT_EQ(d.at(MediaType::kPhotoHorizontal), photos);
  EXPECT_EQ(d.at(MediaType::kVideoVertical), videos);
  EXPECT_EQ(d.at(MediaType::kVideoHorizontal), videos);
  EXPECT_EQ(d.at(MediaType::kProjectDoc), std::set<std::string>{"application/pdf"});
  EXPECT_EQ(d.at(MediaType::kProjectRender), photos);
  EXPECT_EQ(ManifestLimits{}.allowed_content_types, d);
}

// ---- bytes ----

TEST(ValidateManifest, BytesIsRequired) {
  auto in = valid_input();
  in.files[0].bytes.reset();
  EXPECT_TRUE(fails_once(validate(in), "files[0].bytes", rule::kRequired));
}

TEST(ValidateManifest, BytesMustBePositive) {
  for (std::int64_t b : {std::int64_t{0}, std::int64_t{-1}, INT64_MIN}) {
    auto in = valid_input();
    in.files[0].bytes = b;
    EXPECT_TRUE(fails_once(validate(in), "files[0].bytes", rule::kOutOfRange)) << b;
  }
  auto in = valid_input();
  in.files[0].bytes = 1;
  EXPECT_TRUE(validate(in).has_value());
}

struct SizeCase {
  std::string media_type;
  std::string content_type;
  std::int64_t limit;
  std::string words;
};

TEST(ValidateManifest, SizeLimitPerGroupIsInclusive) {
  const std::vector<SizeCase> cases = {
      {"PHOTO_VERTICAL", "image/jpeg", 60 * kMiB, "60 MiB"},
      {"PHOTO_HORIZONTAL", "image/png", 60 * kMiB, "60 MiB"},
      {"VIDEO_VERTICAL", "video/mp4", 10 * kGiB, "10 GiB"},
      {"VIDEO_HORIZONTAL", "video/mp4", 10 * kGiB, "10 GiB"},
      {"PROJECT_DOC", "application/pdf", 60 * kMiB, "60 MiB"},
      {"PROJECT_RENDER", "image/png", 60 * kMiB, "60 MiB"},
  };
  for (const auto& c : cases) {
    auto in = valid_input();
    in.files[0].media_type = c.media_type;
    in.files[0].content_type = c.content_type;
    in.files[0].bytes = c.limit;
    EXPECT_TRUE(validate(in).has_value()) << c.media_type;
    in.files[0].bytes = c.limit + 1;
    const auto r = validate(in);
    ASSERT_TRUE(fails_once(r, "files[0].bytes", rule::kFileTooLarge)) << c.media_type;
    const auto reason = failures(r)[0].reason;
    EXPECT_NE(reason.find(c.words), std::string::npos) << reason;
  }
}

TEST(ValidateManifest, SizeLimitsComeFromLimits) {
  ManifestLimits limits;
  limits.max_bytes[MediaGroup::kPhoto] = 1000;
  auto in = valid_input();
  in.files[0].bytes = 1000;
  EXPECT_TRUE(validate_manifest(in, limits).has_value());
  in.files[0].bytes = 1001;
  const auto r = validate_manifest(in, limits);
  ASSERT_TRUE(fails_once(r, "files[0].bytes", rule::kFileTooLarge));
  EXPECT_NE(failures(r)[0].reason.find("1000 bytes"), std::string::npos);
}

TEST(ValidateManifest, SizeIsNotCheckedWithoutAValidMediaType) {
  auto in = valid_input();
  in.files[0].media_type = "AUDIO";
  in.files[0].bytes = 100 * kGiB;
  EXPECT_TRUE(fails_once(validate(in), "files[0].mediaType", rule::kUnknownValue));
}

// ---- checksumSha256 ----

TEST(ValidateManifest, ChecksumIsRequired) {
  auto in = valid_input();
  in.files[0].checksum_sha256.reset();
  EXPECT_TRUE(fails_once(validate(in), "files[0].checksumSha256", rule::kRequired));
}

TEST(ValidateManifest, BadChecksumIsReported) {
  for (const std::string bad :
       {"", "abc", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}) {
    auto in = valid_input();
    in.files[0].checksum_sha256 = bad;
    EXPECT_TRUE(fails_once(validate(in), "files[0].checksumSha256", rule::kBadChecksum)) << bad;
  }
}

// ---- title ----

TEST(ValidateManifest, TitleLengthIsCountedInCodePoints) {
  for (auto unit : {kE2, kEuro3, kEmoji4}) {
    auto in = valid_input();
    in.files[0].title = repeat(unit, 120);
    const auto r = validate(in);
    ASSERT_TRUE(r.has_value()) << unit.size() << "-byte units" << describe(failures(r));
    EXPECT_EQ(r->files[0].title, repeat(unit, 120));
    in.files[0].title = repeat(unit, 121);
    EXPECT_TRUE(fails_once(validate(in), "files[0].title", rule::kTooLong))
        << unit.size() << "-byte units";
  }
}

TEST(ValidateManifest, TitleMustBeValidUtf8WithoutControls) {
  auto in = valid_input();
  in.files[0].title = "Sala\xC0\x80";
  EXPECT_TRUE(fails_once(validate(in), "files[0].title", rule::kInvalidUtf8));
  in.files[0].title = "Sala\r\nde estar";
  EXPECT_TRUE(fails_once(validate(in), "files[0].title", rule::kControlCharacter));
  in.files[0].title = "Sala\xC2\x9B";
  EXPECT_TRUE(fails_once(validate(in), "files[0].title", rule::kControlCharacter));
}

// ---- sequence ----

TEST(ValidateManifest, SequenceIsRequired) {
  auto in = valid_input();
  in.files[0].sequence.reset();
  EXPECT_TRUE(fails_once(validate(in), "files[0].sequence", rule::kRequired));
}

// ZIP entry names and 32-bit consumers hold a sequence: 4294967297 must not become 1.
TEST(ValidateManifest, SequenceFitsIn31Bits) {
  auto in = valid_input();
  in.files[0].sequence = kMaxSequence;
  EXPECT_TRUE(validate(in).has_value());
  for (std::int64_t s : {kMaxSequence + 1, std::int64_t{4294967297}}) {
    in.files[0].sequence = s;
    EXPECT_TRUE(fails_once(validate(in), "files[0].sequence", rule::kOutOfRange)) << s;
  }
}

TEST(ValidateManifest, SequenceMustBePositive) {
  for (std::int64_t s : {std::int64_t{0}, std::int64_t{-3}}) {
    auto in = valid_input();
    in.files[0].sequence = s;
    EXPECT_TRUE(fails_once(validate(in), "files[0].sequence", rule::kOutOfRange)) << s;
  }
}

TEST(ValidateManifest, DuplicateSequenceWithinAMediaTypeIsReportedOnTheLaterFile) {
  auto in = valid_input(3);
  in.files[2].sequence = 1;  // files[0] has sequence 1, same PHOTO_HORIZONTAL
  const auto r = validate(in);
  ASSERT_TRUE(fails_once(r, "files[2].sequence", rule::kDuplicate));
  EXPECT_NE(failures(r)[0].reason.find("files[0]"), std::string::npos) << failures(r)[0].reason;
}

TEST(ValidateManifest, SameSequenceInDifferentMediaTypesIsFine) {
  auto in = valid_input(4);
  in.files[1].media_type = "PHOTO_VERTICAL";
  in.files[2].media_type = "VIDEO_HORIZONTAL";
  in.files[2].content_type = "video/mp4";
  in.files[3].media_type = "PROJECT_RENDER";
  for (auto& f : in.files) f.sequence = 1;
  const auto r = validate(in);
  ASSERT_TRUE(r.has_value()) << describe(failures(r));
  for (const auto& f : r->files) EXPECT_EQ(f.sequence, 1);
}

TEST(ValidateManifest, SequenceIsNotComparedWithoutAValidMediaType) {
  auto in = valid_input(2);
  in.files[1].media_type = "NOPE";
  in.files[1].sequence = 1;
  EXPECT_TRUE(fails_once(validate(in), "files[1].mediaType", rule::kUnknownValue));
}

}  // namespace
}  // namespace toq::core
