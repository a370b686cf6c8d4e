// ListDownloadUrls on the real SQLite adapter and the real local store's signer: the variants the
// job recorded, originals by role, order, friendly names in the signed URLs, the ZIP, 204 cases,
// the READY-without-ZIP inconsistency, and every refusal.

#include <algorithm>

#include "service/service_fixture.hpp"

namespace toq::testing {
namespace {

using core::ErrorCode;
using core::Role;

class ListDownloadUrlsTest : public ServiceTest {
 protected:
  core::ListDownloadUrlsInput input(std::int64_t listing_id, std::optional<std::int64_t> batch,
                                    core::Principal caller = as(Role::kOwner, kOwner)) {
    return {caller, listing_id, batch};
  }
  // The query parameter of a presigned URL, percent-decoded.
  static std::string query_param(const std::string& url, const std::string& name) {
    const auto at = url.find(name + "=");
    if (at == std::string::npos) return {};
    const auto start = at + name.size() + 1;
    const auto end = url.find('&', start);
    const std::string raw = url.substr(start, end == std::string::npos ? end : end - start);
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '%' && i + 2 < raw.size()) {
        out.push_back(static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16)));
        i += 2;
      } else {
        out.push_back(raw[i]);
      }
    }
    return out;
  }
};

TEST_F(ListDownloadUrlsTest, ReadyBatchListsVariantsOriginalsAndTheZip) {
  listing(28);
  auto batch = processed_mixed(28);
  auto out = must(downloads().run(input(28, std::nullopt)));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->listing_id.value, 28);
  EXPECT_EQ(out->batch_id, batch.batch_id);
  EXPECT_EQ(out->expires_at, clock_.now() + std::chrono::minutes{10});
  EXPECT_EQ(out->zip.filename, "imovel-28-midias.zip");
  EXPECT_EQ(out->zip.bytes, kStandInZipBytes);
  EXPECT_EQ(out->zip.sha256_hex, kStandInZipSha256);
  EXPECT_NE(out->zip.url.find("archive.zip"), std::string::npos);
  EXPECT_EQ(query_param(out->zip.url, "response-content-disposition"),
            storage::content_disposition("imovel-28-midias.zip"));

  ASSERT_EQ(out->assets.size(), 2u);
  const auto& photo = out->assets[0];  // photos before videos
  EXPECT_EQ(photo.media_type, core::MediaType::kPhotoHorizontal);
  EXPECT_EQ(photo.title, "Sala de estar");
  EXPECT_EQ(photo.width, 6000);
  ASSERT_EQ(photo.variants.size(), 5u);  // 4 renditions in recording order, then the original
  EXPECT_EQ(photo.variants[0].name, "thumbnail");
  EXPECT_EQ(photo.variants[0].format, "jpeg");
  EXPECT_EQ(photo.variants[0].width, 320);
  EXPECT_EQ(photo.variants[1].format, "webp");
  EXPECT_EQ(photo.variants[2].name, "large");
  EXPECT_EQ(query_param(photo.variants[0].url, "response-content-disposition"),
            storage::content_disposition("01 - Sala de estar - thumbnail.jpg"));
  EXPECT_EQ(query_param(photo.variants[1].url, "response-content-disposition"),
            storage::content_disposition("01 - Sala de estar - thumbnail.webp"));
  const auto& original = photo.variants[4];
  EXPECT_EQ(original.name, "original");
  EXPECT_EQ(original.format, "jpeg");
  EXPECT_EQ(original.bytes, 20 * kKiB);
  EXPECT_NE(original.url.find("/raw/"), std::string::npos);
  EXPECT_EQ(query_param(original.url, "response-content-disposition"),
            storage::content_disposition("IMG.jpg"));
  const auto& video = out->assets[1];
  EXPECT_EQ(video.media_type, core::MediaType::kVideoVertical);
  ASSERT_EQ(video.variants.size(), 3u);
  EXPECT_EQ(video.variants[1].name, "720p");
  EXPECT_EQ(video.variants[1].format, "mp4");
  EXPECT_EQ(video.variants[2].format, "mp4");  // original: video/mp4
}

TEST_F(ListDownloadUrlsTest, OriginalsOnlyForOwnerPhotographerAndAdmin) {
  listing(28);
  processed_mixed(28);
  listing(28, "RESIDENTIAL", "PUBLISHED");
  for (auto caller : {as(Role::kOwner, kOwner), photographer(), as(Role::kAdmin, 1)}) {
    auto out = must(downloads().run(input(28, std::nullopt, caller)));
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->assets[0].variants.back().name, "original") << core::to_string(caller.role);
  }
  auto client = must(downloads().run(input(28, std::nullopt, as(Role::kClient, 500))));
  ASSERT_TRUE(client.has_value());
  for (const auto& a : client->assets) {
    EXPECT_TRUE(
        std::ranges::none_of(a.variants, [](const auto& v) { return v.name == "original"; }));
  }
  EXPECT_EQ(client->assets[0].variants.size(), 4u);
  EXPECT_FALSE(client->zip.url.empty());
}

TEST_F(ListDownloadUrlsTest, ClientsOnlyOncePublishedAndNeverService) {
  listing(28);  // PENDING_PHOTO_PROCESSING
  processed_mixed(28);
  EXPECT_TRUE(fails_with(downloads().run(input(28, std::nullopt, as(Role::kClient, 500))),
                         ErrorCode::kForbidden));
  listing(28, "RESIDENTIAL", "PENDING_OWNER_APPROVAL");
  EXPECT_TRUE(fails_with(downloads().run(input(28, std::nullopt, as(Role::kClient, 500))),
                         ErrorCode::kForbidden));
  for (auto caller : {as(Role::kService, 1), as(Role::kPhotographer, 8), as(Role::kOwner, 12)}) {
    EXPECT_TRUE(
        fails_with(downloads().run(input(28, std::nullopt, caller)), ErrorCode::kForbidden));
  }
  listing(28, "RESIDENTIAL", "PUBLISHED");
  EXPECT_TRUE(must(downloads().run(input(28, std::nullopt, as(Role::kClient, 500)))).has_value());
  // Published does not open the door to others.
  EXPECT_TRUE(fails_with(downloads().run(input(28, std::nullopt, as(Role::kService, 1))),
                         ErrorCode::kForbidden));
}

TEST_F(ListDownloadUrlsTest, NothingReadyIs204) {
  listing(28);
  EXPECT_FALSE(must(downloads().run(input(28, std::nullopt))).has_value());  // no batch at all
  auto pending = create_mixed(28);
  EXPECT_FALSE(must(downloads().run(input(28, std::nullopt))).has_value());
  EXPECT_FALSE(must(downloads().run(input(28, pending.batch_id.value))).has_value());
  auto parts = upload(pending);
  must(completer().run(complete_input(pending, parts)));
  must(run_job_stand_in(*db_, pending.batch_id, clock_.now(), {.failed_client_ids = {"f-1"}}));
  EXPECT_FALSE(must(downloads().run(input(28, std::nullopt))).has_value());  // FAILED only
}

TEST_F(ListDownloadUrlsTest, DefaultIsTheLatestReadyBatchAndAnOlderOneCanBeNamed) {
  listing(28);
  auto first = processed_mixed(28);
  auto second = processed_mixed(28);
  auto third = create_mixed(28);  // pending: not a candidate
  (void)third;
  EXPECT_EQ(must(downloads().run(input(28, std::nullopt)))->batch_id, second.batch_id);
  EXPECT_EQ(must(downloads().run(input(28, first.batch_id.value)))->batch_id, first.batch_id);
}

// The job whose outputs an answer hands out, read from the ZIP's key (.../out/{jobId}/archive.zip).
std::string served_job(const core::ListDownloadUrlsOutput& out) {
  const auto at = out.zip.url.find("/out/");
  if (at == std::string::npos) return {};
  return out.zip.url.substr(at + 5, out.zip.url.find('/', at + 5) - at - 5);
}

// A retry of a READY batch of a PUBLISHED listing: clients keep getting the last READY outputs
// while it runs, the new run's once it is READY, and a failed retry leaves the outputs it had.
TEST_F(ListDownloadUrlsTest, ReprocessingKeepsServingTheLastReadyOutputs) {
  listing(28);
  auto batch = processed_mixed(28);
  listing(28, "RESIDENTIAL", "PUBLISHED");
  const auto client = as(Role::kClient, 500);
  auto before = must(downloads().run(input(28, std::nullopt, client)));
  ASSERT_TRUE(before.has_value());
  const std::string first_job = served_job(*before);
  ASSERT_FALSE(first_job.empty()) << before->zip.url;

  const core::RetryBatchInput retry{as(Role::kAdmin, 1), 28, batch.batch_id.value, {}};
  auto second = must(core::RetryBatch({*db_, clock_}).run(retry));
  for (const auto& caller : {client, as(Role::kOwner, kOwner)}) {
    auto during = must(downloads().run(input(28, std::nullopt, caller)));
    ASSERT_TRUE(during.has_value()) << "204 while the batch is reprocessed";
    EXPECT_EQ(during->batch_id, batch.batch_id);
    EXPECT_EQ(served_job(*during), first_job);
    ASSERT_EQ(during->assets.size(), 2U);
    for (const auto& a : during->assets) {
      for (const auto& v : a.variants) {
        if (v.name == "original") continue;
        EXPECT_NE(v.url.find("/out/" + first_job + "/"), std::string::npos) << v.url;
      }
    }
  }
  must(run_job_stand_in(*db_, batch.batch_id, clock_.now()));
  auto after = must(downloads().run(input(28, std::nullopt, client)));
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(served_job(*after), std::to_string(second.job_id.value));

  // A failed retry: the batch is FAILED, the outputs of the run that succeeded stay served.
  must(core::RetryBatch({*db_, clock_}).run(retry));
  must(run_job_stand_in(*db_, batch.batch_id, clock_.now(), {.failed_client_ids = {"f-1"}}));
  auto failed = must(downloads().run(input(28, std::nullopt, client)));
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(served_job(*failed), std::to_string(second.job_id.value));
  EXPECT_EQ(failed->assets.size(), 2U);
}

// A client sees only the listing's current batch: an older batch id is not found for it, while
// the people who made the media can still name it.
TEST_F(ListDownloadUrlsTest, ClientSeesOnlyTheCurrentBatch) {
  listing(28);
  auto first = processed_mixed(28);
  auto second = processed_mixed(28);
  listing(28, "RESIDENTIAL", "PUBLISHED");
  const auto client = as(Role::kClient, 500);
  EXPECT_EQ(must(downloads().run(input(28, std::nullopt, client)))->batch_id, second.batch_id);
  EXPECT_EQ(must(downloads().run(input(28, second.batch_id.value, client)))->batch_id,
            second.batch_id);
  EXPECT_TRUE(fails_with(downloads().run(input(28, first.batch_id.value, client)),
                         ErrorCode::kBatchNotFound));
  EXPECT_EQ(must(downloads().run(input(28, first.batch_id.value)))->batch_id, first.batch_id);
}

TEST_F(ListDownloadUrlsTest, AssetsOrderedByGroupThenSequence) {
  listing(30, "DEVELOPMENT");
  auto batch = must(creator().run(
      {as(Role::kAdmin, 1), manifest(30, {file("p-1", "PROJECT_DOC", 4 * kKiB, 1),
                                          file("v-2", "VIDEO_VERTICAL", 4 * kKiB, 2),
                                          file("f-2", "PHOTO_VERTICAL", 4 * kKiB, 2),
                                          file("v-1", "VIDEO_HORIZONTAL", 4 * kKiB, 1),
                                          file("f-1", "PHOTO_HORIZONTAL", 4 * kKiB, 1)})}));
  upload(batch);
  must(completer().run(complete_input(batch, {}, as(Role::kAdmin, 1))));
  must(run_job_stand_in(*db_, batch.batch_id, clock_.now()));
  auto out = must(downloads().run(input(30, std::nullopt)));
  ASSERT_TRUE(out.has_value());
  std::vector<std::string> order;
  for (const auto& a : out->assets) {
    order.push_back(std::string{core::to_string(a.media_type)} + "#" + std::to_string(a.sequence));
  }
  EXPECT_EQ(order,
            (std::vector<std::string>{"PHOTO_HORIZONTAL#1", "PHOTO_VERTICAL#2",
                                      "VIDEO_HORIZONTAL#1", "VIDEO_VERTICAL#2", "PROJECT_DOC#1"}));
  EXPECT_EQ(out->assets[4].variants.back().format, "pdf");
}

TEST_F(ListDownloadUrlsTest, ReadyWithoutAZipIsAnInternalError) {
  listing(28);
  auto batch = processed_mixed(28, {.failed_client_ids = {}, .record_archive = false});
  auto r = downloads().run(input(28, std::nullopt));
  ASSERT_TRUE(fails_with(r, ErrorCode::kInternal));
  EXPECT_NE(r.error().message.find("no archive"), std::string::npos) << r.error().message;
  (void)batch;
}

TEST_F(ListDownloadUrlsTest, NotFoundCases) {
  EXPECT_TRUE(fails_with(downloads().run(input(4242, std::nullopt)), ErrorCode::kListingNotFound));
  listing(28);
  listing(29);
  auto batch = processed_mixed(28);
  EXPECT_TRUE(fails_with(downloads().run(input(28, 999999)), ErrorCode::kBatchNotFound));
  EXPECT_TRUE(
      fails_with(downloads().run(input(29, batch.batch_id.value)), ErrorCode::kBatchNotFound));
}

TEST(DownloadFileName, FriendlyAndSafe) {
  core::FileDeclaration f;
  f.filename = "IMG_2907.HEIC";
  f.sequence = 3;
  EXPECT_EQ(core::download_file_name(f, "large", "jpeg"), "03 - IMG_2907 - large.jpg");
  f.title = "Fachada à noite / frente";
  EXPECT_EQ(core::download_file_name(f, "720p", "mp4"), "03 - Fachada à noite _ frente - 720p.mp4");
  EXPECT_EQ(core::download_file_name(f, "original", "heic"), "IMG_2907.HEIC");
  f.filename = "a\\b\x01.jpg";
  EXPECT_EQ(core::download_file_name(f, "original", "jpeg"), "a_b_.jpg");
  EXPECT_EQ(core::archive_file_name(core::ListingId{28}), "imovel-28-midias.zip");
}

// The download's friendly name (and so Content-Disposition filename*) goes through the sanitiser
// the ZIP's entry names use: a right-to-left override or a zero-width character in a title or an
// uploaded file name never reaches the browser.
TEST(DownloadFileName, StripsBidiOverridesAndZeroWidthCharacters) {
  core::FileDeclaration f;
  f.filename = "foto\u202Egpj.exe";
  f.title = "Sala\u200B de\u2060 estar \u202Egpj.exe";
  f.sequence = 1;
  const auto large = core::download_file_name(f, "large", "jpeg");
  EXPECT_EQ(large, "01 - Sala de estar gpj.exe - large.jpg");
  EXPECT_EQ(core::download_file_name(f, "original", "jpeg"), "fotogpj.exe");
  const auto disposition = storage::content_disposition(large);
  for (const char* hidden : {"%E2%80%AE", "%E2%80%8B", "%E2%81%A0"}) {
    EXPECT_EQ(disposition.find(hidden), std::string::npos) << disposition;
  }
}

}  // namespace
}  // namespace toq::testing
