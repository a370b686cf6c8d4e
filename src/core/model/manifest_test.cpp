#include "core/model/manifest.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace toq::core {
namespace {

// base64(SHA-256("")) and base64(SHA-256("toq")); the second holds both '+' and '/'.
constexpr std::string_view kEmptySha = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
constexpr std::string_view kToqSha = "/7FbkP+xKzUMJS75jnnx+7ksf+vPol6gpHIzkXp8qGY=";
constexpr std::int64_t kMiB = ManifestLimits::kMiB;
constexpr std::int64_t kGiB = 1024 * kMiB;

// Multibyte code points, so character limits cannot pass by counting bytes.
constexpr std::string_view kE2 = "\xC3\xA9";              // U+00E9, 2 bytes
constexpr std::string_view kEuro3 = "\xE2\x82\xAC";       // U+20AC, 3 bytes
constexpr std::string_view kEmoji4 = "\xF0\x9F\x93\xB7";  // U+1F4F7, 4 bytes

std::string repeat(std::string_view unit, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

FileDeclarationInput valid_file(std::size_t i) {
  FileDeclarationInput f;
  f.client_id = fmt::format("f-{}", i);
  f.media_type = "PHOTO_HORIZONTAL";
  f.filename = fmt::format("IMG_{}.jpg", i);
  f.content_type = "image/jpeg";
  f.bytes = 5 * kMiB;
  f.checksum_sha256 = std::string(kEmptySha);
  f.title = "Sala de estar";
  f.sequence = static_cast<std::int64_t>(i) + 1;
  return f;
}

ManifestInput valid_input(std::size_t files = 1) {
  ManifestInput in;
  in.listing_identity_id = 28;
  in.batch_reference = "sessao-2025-11-11";
  for (std::size_t i = 0; i < files; ++i) in.files.push_back(valid_file(i));
  return in;
}

Result<Manifest> validate(const ManifestInput& in) {
  return validate_manifest(in, ManifestLimits{});
}

std::vector<FieldError> failures(const Result<Manifest>& r) {
  if (r.has_value()) return {};
  const auto* fe = std::get_if<FieldErrors>(&r.error().details);
  if (fe == nullptr) {
    ADD_FAILURE() << "error details are not FieldErrors";
    return {};
  }
  return fe->fields;
}

std::string describe(const std::vector<FieldError>& errors) {
  std::string out;
  for (const auto& e : errors) out += fmt::format("\n  {} {} ({})", e.field, e.rule, e.reason);
  return out.empty() ? std::string(" none") : out;
}

// Exactly one failure, at `field`, for `rule`.
::testing::AssertionResult fails_once(const Result<Manifest>& r, std::string_view field,
                                      std::string_view rule) {
  if (r.has_value()) return ::testing::AssertionFailure() << "manifest was accepted";
  const auto errors = failures(r);
  if (errors.size() == 1 && errors[0].field == field && errors[0].rule == rule) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected only " << field << " " << rule << ", got:" << describe(errors);
}

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

TEST(ValidateManifest, TooManyFilesStillReportsEachBadFile) {
  auto in = valid_input(101);
  in.files[100].bytes = 0;
  const auto errors = failures(validate(in));
  ASSERT_EQ(errors.size(), 2U) << describe(errors);
  EXPECT_EQ(errors[0].field, "files");
  EXPECT_EQ(errors[0].rule, rule::kTooManyFiles);
  EXPECT_EQ(errors[1].field, "files[100].bytes");
  EXPECT_EQ(errors[1].rule, rule::kOutOfRange);
}

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

TEST(IsBase64Sha256, AcceptsCanonicalDigests) {
  EXPECT_TRUE(is_base64_sha256(kEmptySha));
  EXPECT_TRUE(is_base64_sha256(kToqSha));
  EXPECT_TRUE(is_base64_sha256("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
  EXPECT_TRUE(is_base64_sha256("//////////////////////////////////////////8="));
}

TEST(IsBase64Sha256, RejectsWrongLength) {
  EXPECT_FALSE(is_base64_sha256(""));
  EXPECT_FALSE(is_base64_sha256(kEmptySha.substr(0, 43)));  // padding dropped
  EXPECT_FALSE(is_base64_sha256(std::string("A") + std::string(kEmptySha)));
  EXPECT_FALSE(is_base64_sha256(std::string(kEmptySha) + "="));
  // 31 and 33 bytes encode to 44 characters too.
  EXPECT_FALSE(is_base64_sha256("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="));
  EXPECT_FALSE(is_base64_sha256("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
}

TEST(IsBase64Sha256, RejectsCharactersOutsideTheAlphabet) {
  for (char c : {'*', ' ', '.', '\0', '=', '\n', '%'}) {
    for (std::size_t pos : {std::size_t{0}, std::size_t{20}, std::size_t{42}}) {
      std::string s(kEmptySha);
      s[pos] = c;
      EXPECT_FALSE(is_base64_sha256(s)) << "char " << int{c} << " at " << pos;
    }
  }
  std::string non_ascii(kEmptySha);
  non_ascii[5] = '\xC3';
  EXPECT_FALSE(is_base64_sha256(non_ascii));
}

TEST(IsBase64Sha256, RejectsNonCanonicalPaddingBits) {
  // 'U' = 20 = 0b010100; 'V', 'W', 'X' set the two padding bits.
  std::string s(kEmptySha);
  for (char c : {'V', 'W', 'X'}) {
    s[42] = c;
    EXPECT_FALSE(is_base64_sha256(s)) << c;
  }
  // Of the 64 symbols exactly the 16 multiples of 4 can end a 32-byte digest.
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  int accepted = 0;
  for (std::size_t v = 0; v < kAlphabet.size(); ++v) {
    s[42] = kAlphabet[v];
    EXPECT_EQ(is_base64_sha256(s), v % 4 == 0) << kAlphabet[v];
    accepted += is_base64_sha256(s) ? 1 : 0;
  }
  EXPECT_EQ(accepted, 16);
}

TEST(IsBase64Sha256, RejectsUrlSafeAlphabet) {
  EXPECT_FALSE(is_base64_sha256("_7FbkP-xKzUMJS75jnnx-7ksf-vPol6gpHIzkXp8qGY="));
  EXPECT_FALSE(is_base64_sha256("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU="));
}

TEST(IsBase64Sha256, RejectsHex) {
  EXPECT_FALSE(
      is_base64_sha256("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  EXPECT_FALSE(
      is_base64_sha256("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
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

// ---- utf8_length ----

TEST(Utf8Length, CountsCodePoints) {
  EXPECT_EQ(utf8_length(""), 0U);
  EXPECT_EQ(utf8_length("abc"), 3U);
  EXPECT_EQ(utf8_length(std::string_view("a\0b", 3)), 3U);  // NUL is valid UTF-8
  EXPECT_EQ(utf8_length(kE2), 1U);
  EXPECT_EQ(utf8_length(kEuro3), 1U);
  EXPECT_EQ(utf8_length(kEmoji4), 1U);
  EXPECT_EQ(utf8_length(repeat(kEmoji4, 5) + "x" + std::string(kE2)), 7U);
}

TEST(Utf8Length, AcceptsBoundaryCodePoints) {
  EXPECT_EQ(utf8_length("\x7F"), 1U);              // U+007F
  EXPECT_EQ(utf8_length("\xC2\x80"), 1U);          // U+0080, smallest 2-byte
  EXPECT_EQ(utf8_length("\xDF\xBF"), 1U);          // U+07FF
  EXPECT_EQ(utf8_length("\xE0\xA0\x80"), 1U);      // U+0800, smallest 3-byte
  EXPECT_EQ(utf8_length("\xED\x9F\xBF"), 1U);      // U+D7FF, just below the surrogates
  EXPECT_EQ(utf8_length("\xEE\x80\x80"), 1U);      // U+E000, just above them
  EXPECT_EQ(utf8_length("\xEF\xBF\xBF"), 1U);      // U+FFFF
  EXPECT_EQ(utf8_length("\xF0\x90\x80\x80"), 1U);  // U+10000, smallest 4-byte
  EXPECT_EQ(utf8_length("\xF4\x8F\xBF\xBF"), 1U);  // U+10FFFF, the last code point
}

TEST(Utf8Length, RejectsOverlongForms) {
  for (const std::string_view bad : {"\xC0\xAF", "\xC1\xBF", "\xC0\x80", "\xE0\x80\xAF",
                                     "\xE0\x9F\xBF", "\xF0\x80\x80\xAF", "\xF0\x8F\xBF\xBF"}) {
    EXPECT_EQ(utf8_length(bad), std::nullopt) << fmt::format("{:?}", bad);
  }
}

TEST(Utf8Length, RejectsSurrogates) {
  for (const std::string_view bad : {"\xED\xA0\x80", "\xED\xAF\xBF", "\xED\xB0\x80", "\xED\xBF\xBF",
                                     "\xED\xA0\xBD\xED\xB3\xB7"}) {  // last: a CESU-8 pair
    EXPECT_EQ(utf8_length(bad), std::nullopt) << fmt::format("{:?}", bad);
  }
}

TEST(Utf8Length, RejectsCodePointsAboveTheLast) {
  for (const std::string_view bad : {"\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xF7\xBF\xBF\xBF",
                                     "\xF8\x88\x80\x80\x80", "\xFC\x84\x80\x80\x80\x80"}) {
    EXPECT_EQ(utf8_length(bad), std::nullopt) << fmt::format("{:?}", bad);
  }
}

TEST(Utf8Length, StopsAtTheEndOfTheView) {
  // The bytes after the view would complete the sequence; they are not part of the text.
  constexpr std::string_view kEuro = "\xE2\x82\xAC";
  EXPECT_EQ(utf8_length(kEuro.substr(0, 2)), std::nullopt);
  EXPECT_EQ(utf8_length(kEuro.substr(0, 1)), std::nullopt);
  constexpr std::string_view kCamera = "\xF0\x9F\x93\xB7";
  EXPECT_EQ(utf8_length(kCamera.substr(0, 3)), std::nullopt);
  EXPECT_EQ(utf8_length(kCamera), 1U);
}

TEST(Utf8Length, RejectsTruncatedAndStrayBytes) {
  for (const std::string_view bad :
       {"\xC3", "a\xE2\x82", "\xF0\x9F\x93", "\x80", "a\xBF", "\xFE", "\xFF",
        "\xE2\x28\xA1",      // second byte not a continuation
        "\xE2\x82\x28",      // third byte not a continuation
        "\xF0\x9F\x93\x28",  // fourth byte not a continuation
        "\xC3\xA9\xA9"}) {   // one continuation too many
    EXPECT_EQ(utf8_length(bad), std::nullopt) << fmt::format("{:?}", bad);
  }
}

}  // namespace
}  // namespace toq::core
