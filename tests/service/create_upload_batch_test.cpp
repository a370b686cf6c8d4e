// CreateUploadBatch on the real SQLite adapter and the real local object store.

#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "service/service_fixture.hpp"

namespace toq::testing {
namespace {

using core::ErrorCode;
using core::Role;

class CreateUploadBatchTest : public ServiceTest {};

TEST_F(CreateUploadBatchTest, SinglePutBelowThresholdAndMultipartAbove) {
  listing(28);
  auto out = create_mixed(28);
  EXPECT_GT(out.batch_id.value, 0);
  EXPECT_EQ(out.listing_id.value, 28);
  EXPECT_EQ(out.status, core::BatchStatus::kPendingUpload);
  EXPECT_EQ(out.expires_at, pinned_now() + std::chrono::hours(1));
  ASSERT_EQ(out.files.size(), 2u);

  const auto& photo = out.files[0];
  EXPECT_EQ(photo.client_id, "f-1");
  ASSERT_TRUE(photo.upload.has_value());
  EXPECT_FALSE(photo.multipart.has_value());
  EXPECT_EQ(photo.upload->method, "PUT");
  const std::string key = core::raw_key(out.listing_id, out.batch_id, photo.asset_id);
  EXPECT_NE(photo.upload->url.find(key), std::string::npos) << photo.upload->url;
  std::map<std::string, std::string> headers(photo.upload->headers.begin(),
                                             photo.upload->headers.end());
  EXPECT_EQ(headers["Content-Type"], "image/jpeg");
  EXPECT_EQ(headers["x-amz-checksum-sha256"], sha256_base64(contents_["f-1"]));

  const auto& video = out.files[1];
  EXPECT_EQ(video.client_id, "v-1");
  ASSERT_TRUE(video.multipart.has_value());
  EXPECT_FALSE(video.upload.has_value());
  EXPECT_EQ(video.multipart->part_size_bytes, kPartSize);
  ASSERT_EQ(video.multipart->parts.size(), 4u);
  std::int64_t total = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(video.multipart->parts[i].part_number, static_cast<int>(i) + 1);
    EXPECT_NE(video.multipart->parts[i].url.find("uploadId=" + video.multipart->upload_id),
              std::string::npos);
    total += video.multipart->parts[i].bytes;
  }
  EXPECT_EQ(video.multipart->parts.back().bytes, 8 * kKiB);
  EXPECT_EQ(total, 200 * kKiB);

  // The batch and its assets are stored, the upload id recorded and known to the store.
  auto assets =
      must(tx([&](core::UnitOfWork& u) { return u.assets().list_by_batch(out.batch_id); }));
  ASSERT_EQ(assets.size(), 2u);
  EXPECT_EQ(assets[0].id, photo.asset_id);
  EXPECT_FALSE(assets[0].multipart_upload_id.has_value());
  EXPECT_EQ(assets[1].multipart_upload_id, video.multipart->upload_id);
  for (const auto& a : assets) EXPECT_EQ(a.status, core::AssetStatus::kPendingUpload);
  const std::string video_key = core::raw_key(out.listing_id, out.batch_id, video.asset_id);
  EXPECT_TRUE(store_->list_parts(video_key, video.multipart->upload_id).has_value());

  // The instructions work: the bytes uploaded as told complete the batch.
  auto done = must(completer().run(complete_input(out, upload(out))));
  EXPECT_TRUE(done.created);
}

TEST_F(CreateUploadBatchTest, PartSizeGrowsToStayWithinTenThousandParts) {
  constexpr std::int64_t kMiB = 1024 * 1024;
  EXPECT_EQ(core::part_size_for(10 * 1024 * kMiB, 16 * kMiB), 16 * kMiB);
  EXPECT_EQ(core::part_size_for(200 * 1024 * kMiB, 16 * kMiB), 21 * kMiB);
  EXPECT_LE((200 * 1024 * kMiB + 21 * kMiB - 1) / (21 * kMiB), core::kMaxPartNumber);
}

TEST_F(CreateUploadBatchTest, InvalidManifestListsTheFields) {
  listing(28);
  auto a = file("f-1", "PHOTO_HORIZONTAL", 10, 1);
  auto b = file("f-1", "PHOTO_HORIZONTAL", 10, 2);
  auto r = creator().run({photographer(), manifest(28, {a, b})});
  ASSERT_TRUE(fails_with(r, ErrorCode::kInvalidManifest));
  const auto* fields = std::get_if<core::FieldErrors>(&r.error().details);
  ASSERT_NE(fields, nullptr);
  ASSERT_FALSE(fields->fields.empty());
  EXPECT_EQ(fields->fields[0].field, "files[1].clientId");

  EXPECT_TRUE(
      fails_with(creator().run({photographer(), manifest(28, {})}), ErrorCode::kInvalidManifest));
}

// A caller with no business on the listing never makes the service validate a manifest: the
// listing lookup and the permission come first, so a stranger's 340,000-entry manifest costs one
// lookup.
TEST_F(CreateUploadBatchTest, ListingAndCallerAreCheckedBeforeTheManifest) {
  listing(28);
  core::ManifestInput junk;
  junk.files.resize(100);
  junk.files_sent = 340000;

  junk.listing_identity_id = 999999;
  EXPECT_TRUE(fails_with(creator().run({photographer(), junk}), ErrorCode::kListingNotFound));

  junk.listing_identity_id = 28;
  for (const auto& stranger : {as(Role::kClient, 500), as(Role::kPhotographer, 8),
                               as(Role::kOwner, kOwner), as(Role::kService, 1)}) {
    auto r = creator().run({stranger, junk});
    ASSERT_TRUE(fails_with(r, ErrorCode::kForbidden));
    EXPECT_TRUE(std::holds_alternative<std::monostate>(r.error().details));
  }

  // Without a listing id there is nothing to look up: the answer names that one field.
  junk.listing_identity_id.reset();
  auto r = creator().run({photographer(), junk});
  ASSERT_TRUE(fails_with(r, ErrorCode::kInvalidManifest));
  const auto* fields = std::get_if<core::FieldErrors>(&r.error().details);
  ASSERT_NE(fields, nullptr);
  ASSERT_EQ(fields->fields.size(), 1U);
  EXPECT_EQ(fields->fields[0].field, "listingIdentityId");

  // The listing's own photographer gets the bounded validation.
  junk.listing_identity_id = 28;
  r = creator().run({photographer(), junk});
  ASSERT_TRUE(fails_with(r, ErrorCode::kInvalidManifest));
  fields = std::get_if<core::FieldErrors>(&r.error().details);
  ASSERT_NE(fields, nullptr);
  EXPECT_EQ(fields->fields.size(), core::FieldErrors::kMaxFieldErrors);
  EXPECT_EQ(fields->fields[0].rule, "TOO_MANY_FILES");
  EXPECT_GT(fields->omitted, 0U);
}

// The probe's 100 x 10 GiB videos made 64,000 part URLs in one answer. The answer now carries
// each file's part count and URLs for its first parts only: kPartUrlsPerFile per file,
// kMaxPartUrlsPerAnswer in all (files past the budget get none and ask /uploads/urls).
TEST_F(CreateUploadBatchTest, PartUrlsAreBoundedPerFileAndPerAnswer) {
  listing(28);
  constexpr int kFiles = 30;  // 30 x 8 = 240 URLs wanted, more than the answer's 200
  constexpr int kParts = 20;  // each file: 20 parts of 64 KiB
  std::vector<core::FileDeclarationInput> files;
  for (int i = 1; i <= kFiles; ++i) {
    files.push_back(file(fmt::format("v-{}", i), "VIDEO_HORIZONTAL", kParts * kPartSize, i));
  }
  auto out = must(creator().run({photographer(), manifest(28, files)}));
  ASSERT_EQ(out.files.size(), static_cast<std::size_t>(kFiles));
  std::size_t urls = 0;
  for (std::size_t i = 0; i < out.files.size(); ++i) {
    const auto& mp = out.files[i].multipart;
    ASSERT_TRUE(mp.has_value());
    EXPECT_EQ(mp->part_count, kParts);
    EXPECT_EQ(mp->part_size_bytes, kPartSize);
    const std::size_t expected = i < 25 ? core::kPartUrlsPerFile : 0;  // 25 x 8 = 200
    ASSERT_EQ(mp->parts.size(), expected) << "file " << i;
    for (std::size_t k = 0; k < mp->parts.size(); ++k) {
      EXPECT_EQ(mp->parts[k].part_number, static_cast<int>(k) + 1);
    }
    urls += mp->parts.size();
  }
  EXPECT_EQ(urls, core::kMaxPartUrlsPerAnswer);
}

TEST_F(CreateUploadBatchTest, FileTooLargeAndUnsupportedMediaType) {
  listing(28);
  auto big = file("f-1", "PHOTO_HORIZONTAL", 10, 1);
  big.bytes = 61 * 1024 * 1024;  // photos: 60 MiB
  auto r = creator().run({photographer(), manifest(28, {big})});
  ASSERT_TRUE(fails_with(r, ErrorCode::kFileTooLarge));
  EXPECT_NE(std::get_if<core::FieldErrors>(&r.error().details), nullptr);

  auto gif = file("f-1", "PHOTO_HORIZONTAL", 10, 1);
  gif.content_type = "image/gif";
  r = creator().run({photographer(), manifest(28, {gif})});
  ASSERT_TRUE(fails_with(r, ErrorCode::kUnsupportedMediaType));
  EXPECT_NE(std::get_if<core::FieldErrors>(&r.error().details), nullptr);
}

TEST_F(CreateUploadBatchTest, ListingNotFound) {
  EXPECT_TRUE(fails_with(
      creator().run({photographer(), manifest(404, {file("f-1", "PHOTO_HORIZONTAL", 10, 1)})}),
      ErrorCode::kListingNotFound));
}

TEST_F(CreateUploadBatchTest, OpenBatchExistsNamesTheOpenBatch) {
  listing(28);
  auto first = create_mixed(28);
  auto r = creator().run({photographer(), manifest(28, {file("f-9", "PHOTO_HORIZONTAL", 10, 1)})});
  ASSERT_TRUE(fails_with(r, ErrorCode::kOpenBatchExists));
  const auto* details = std::get_if<core::ConflictDetails>(&r.error().details);
  ASSERT_NE(details, nullptr);
  EXPECT_EQ(details->what, "batchId");
  EXPECT_EQ(details->id, first.batch_id.value);
}

TEST_F(CreateUploadBatchTest, RefusedCreateWritesNothing) {
  listing(28, "RESIDENTIAL", "PUBLISHED");
  EXPECT_TRUE(fails_with(
      creator().run({photographer(), manifest(28, {file("f-1", "PHOTO_HORIZONTAL", 10, 1)})}),
      ErrorCode::kListingNotReadyForUpload));
  auto batches = must(
      tx([&](core::UnitOfWork& u) { return u.batches().list_by_listing(core::ListingId{28}); }));
  EXPECT_TRUE(batches.empty());
}

// A store failure after the batch was written abandons the batch (PENDING_UPLOAD -> FAILED), so
// the listing is not blocked; the store's error is returned. Injected for real: the local store's
// directory of multipart uploads is replaced by a plain file.
TEST_F(CreateUploadBatchTest, StoreFailureAbandonsTheBatchAndFreesTheListing) {
  listing(28);
  const auto uploads = dir_.path() / "store" / ".multipart";
  std::filesystem::remove_all(uploads);
  { std::ofstream(uploads) << "not a directory"; }
  auto r =
      creator().run({photographer(), manifest(28, {file("f-1", "PHOTO_HORIZONTAL", 10, 1),
                                                   file("v-1", "VIDEO_VERTICAL", 200 * kKiB, 1)})});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kStorageError) << r.error().message;
  auto batches = must(
      tx([&](core::UnitOfWork& u) { return u.batches().list_by_listing(core::ListingId{28}); }));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].status, core::BatchStatus::kFailed);

  std::filesystem::remove(uploads);
  std::filesystem::create_directory(uploads);
  EXPECT_TRUE(creator()
                  .run({photographer(), manifest(28, {file("f-2", "PHOTO_HORIZONTAL", 10, 1)})})
                  .has_value());
}

// ---------------------------------------------------------------- the authorization matrix

struct Case {
  Role role;
  std::int64_t user;
  std::vector<const char*> types;
  const char* kind;
  const char* status;
  std::optional<ErrorCode> expected;  // nullopt: created
};

constexpr auto kRes = "RESIDENTIAL";
constexpr auto kDev = "DEVELOPMENT";
constexpr auto kPpp = "PENDING_PHOTO_PROCESSING";
constexpr auto kPoa = "PENDING_OWNER_APPROVAL";
constexpr auto kPub = "PUBLISHED";
constexpr auto kArc = "ARCHIVED";
constexpr auto kForbidden = ErrorCode::kForbidden;
constexpr auto kNotReady = ErrorCode::kListingNotReadyForUpload;
const std::optional<ErrorCode> kOk;

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      // The listing's photographer: photos and videos while PENDING_PHOTO_PROCESSING.
      {Role::kPhotographer, 7, {"PHOTO_HORIZONTAL"}, kRes, kPpp, kOk},
      {Role::kPhotographer, 7, {"VIDEO_VERTICAL"}, kDev, kPpp, kOk},
      {Role::kPhotographer, 7, {"PHOTO_VERTICAL", "VIDEO_HORIZONTAL"}, kRes, kPpp, kOk},
      {Role::kPhotographer, 7, {"PHOTO_HORIZONTAL"}, kRes, kPub, kNotReady},
      {Role::kPhotographer, 7, {"PHOTO_HORIZONTAL"}, kRes, kPoa, kNotReady},
      {Role::kPhotographer, 7, {"PROJECT_DOC"}, kDev, kPpp, kForbidden},
      {Role::kPhotographer, 7, {"PROJECT_RENDER"}, kDev, kPub, kForbidden},
      {Role::kPhotographer, 7, {"PHOTO_HORIZONTAL", "PROJECT_DOC"}, kDev, kPpp, kForbidden},
      // Another photographer: forbidden, whatever the listing's status (no state leaks).
      {Role::kPhotographer, 8, {"PHOTO_HORIZONTAL"}, kRes, kPpp, kForbidden},
      {Role::kPhotographer, 8, {"PHOTO_HORIZONTAL"}, kRes, kPub, kForbidden},
      // The owner: project files of a DEVELOPMENT listing in a live status.
      {Role::kOwner, 11, {"PROJECT_DOC"}, kDev, kPpp, kOk},
      {Role::kOwner, 11, {"PROJECT_DOC"}, kDev, kPoa, kOk},
      {Role::kOwner, 11, {"PROJECT_RENDER"}, kDev, kPub, kOk},
      {Role::kOwner, 11, {"PROJECT_DOC", "PROJECT_RENDER"}, kDev, kPub, kOk},
      {Role::kOwner, 11, {"PROJECT_DOC"}, kDev, kArc, kNotReady},
      {Role::kOwner, 11, {"PROJECT_DOC"}, kRes, kPpp, kForbidden},
      {Role::kOwner, 11, {"PHOTO_HORIZONTAL"}, kDev, kPpp, kForbidden},
      {Role::kOwner, 11, {"VIDEO_VERTICAL"}, kRes, kPpp, kForbidden},
      {Role::kOwner, 11, {"PROJECT_DOC", "PHOTO_HORIZONTAL"}, kDev, kPpp, kForbidden},
      {Role::kOwner, 12, {"PROJECT_DOC"}, kDev, kPpp, kForbidden},
      // Admin: anyone's files, but the listing's state rules still hold.
      {Role::kAdmin, 1, {"PHOTO_HORIZONTAL"}, kRes, kPpp, kOk},
      {Role::kAdmin, 1, {"VIDEO_HORIZONTAL"}, kDev, kPpp, kOk},
      {Role::kAdmin, 1, {"PROJECT_DOC"}, kDev, kPub, kOk},
      {Role::kAdmin, 1, {"PHOTO_HORIZONTAL", "PROJECT_RENDER"}, kDev, kPpp, kOk},
      {Role::kAdmin, 1, {"PHOTO_HORIZONTAL"}, kRes, kPub, kNotReady},
      {Role::kAdmin, 1, {"PROJECT_DOC"}, kRes, kPpp, kNotReady},
      {Role::kAdmin, 1, {"PROJECT_RENDER"}, kDev, kArc, kNotReady},
      {Role::kAdmin, 1, {"PHOTO_HORIZONTAL", "PROJECT_RENDER"}, kDev, kPub, kNotReady},
      // Client and service never upload, even with the photographer's or owner's user id.
      {Role::kClient, 7, {"PHOTO_HORIZONTAL"}, kRes, kPpp, kForbidden},
      {Role::kClient, 11, {"PROJECT_DOC"}, kDev, kPpp, kForbidden},
      {Role::kService, 7, {"PHOTO_HORIZONTAL"}, kRes, kPpp, kForbidden},
      {Role::kService, 11, {"PROJECT_DOC"}, kDev, kPub, kForbidden},
  };
  return kCases;
}

TEST_F(CreateUploadBatchTest, AuthorizationMatrix) {
  std::int64_t listing_id = 100;
  for (const Case& c : cases()) {
    ++listing_id;  // a fresh listing per case: no open batch in the way
    listing(listing_id, c.kind, c.status);
    std::vector<core::FileDeclarationInput> files;
    for (std::size_t i = 0; i < c.types.size(); ++i) {
      files.push_back(file("c-" + std::to_string(i), c.types[i], 100, 1));
    }
    auto r = creator().run({as(c.role, c.user), manifest(listing_id, files)});
    std::string label = std::to_string(static_cast<int>(c.role)) + "/" + std::to_string(c.user) +
                        " " + c.types[0] + (c.types.size() > 1 ? "+" : "") + " " + c.kind + " " +
                        c.status;
    if (c.expected) {
      EXPECT_TRUE(fails_with(r, *c.expected)) << label;
    } else {
      EXPECT_TRUE(r.has_value()) << label << ": " << (r ? "" : r.error().message);
    }
  }
}

}  // namespace
}  // namespace toq::testing
