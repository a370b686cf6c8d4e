// The four routes added to `toq-media serve` for issue 5 — uploads/urls, status, downloads,
// uploads/retry — driven over HTTP against the real binary: each success shape of the contract and
// each error code. Batches are processed by the stand-in on the server's own database (see
// media_api_client.hpp), since the processing engine is another issue.

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/media_api_client.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

using nlohmann::json;

constexpr std::int64_t kMiB = 1024 * 1024;
constexpr const char* kUrls = "/api/v2/listings/media/uploads/urls";
constexpr const char* kStatus = "/api/v2/listings/media/status";
constexpr const char* kDownloads = "/api/v2/listings/media/downloads";
constexpr const char* kRetry = "/api/v2/listings/media/uploads/retry";

class RoutesHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    // Multipart from 5 MiB (S3's minimum part size), so a 6 MiB video goes in two parts.
    server_ =
        new ServeProcess(*dir_ / "var", {{"TOQ_MEDIA_PROCESSING_START_WORKERS", "false"},
                                         {"TOQ_MEDIA_STORAGE_MULTIPART_THRESHOLD_BYTES", "5MiB"},
                                         {"TOQ_MEDIA_STORAGE_PART_SIZE_BYTES", "5MiB"}});
    api_ = new MediaApi(*server_);
  }
  static void TearDownTestSuite() {
    delete api_;
    if (const int status = server_->stop(); status != 0) {
      ADD_FAILURE() << "toq-media serve exited with " << status << ":\n" << server_->log_text();
    }
    delete server_;
    delete dir_;
  }

  static const std::string& photographer() { return api_->token(7, "photographer"); }
  static const std::string& owner() { return api_->token(11, "owner"); }
  static const std::string& client() { return api_->token(500, "client"); }

  static void expect_error(const ApiReply& r, long status, const std::string& code) {
    EXPECT_EQ(r.raw.status, status) << r.raw.body;
    ASSERT_TRUE(r.body.is_object()) << r.raw.body;
    EXPECT_EQ(r.body.value("code", ""), code) << r.raw.body;
    EXPECT_TRUE(r.body.at("message").is_string());
    EXPECT_FALSE(r.raw.header("x-request-id").empty());
  }

  static std::vector<UploadFile> photos() {
    return {{"f-1", "PHOTO_HORIZONTAL", test_bytes(3000, 'a'), 1},
            {"f-2", "PHOTO_VERTICAL", test_bytes(2000, 'b'), 2}};
  }

  static inline TempDir* dir_ = nullptr;
  static inline ServeProcess* server_ = nullptr;
  static inline MediaApi* api_ = nullptr;
};

// ------------------------------------------------------------------ uploads/urls

TEST_F(RoutesHttpTest, UrlsReportWhatIsUploadedAndResumeAMultipartUpload) {
  api_->register_listing(200, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const std::vector<UploadFile> files = {{"f-1", "PHOTO_HORIZONTAL", test_bytes(4000, 'a'), 1},
                                         {"v-1", "VIDEO_VERTICAL", test_bytes(6 * kMiB, 'v'), 1}};
  auto created = api_->create(200, files, photographer());
  ASSERT_EQ(created.raw.status, 201) << created.raw.body;
  const std::int64_t batch = created.body.at("batchId");
  MediaApi::upload_singles(created.body, files);
  // The browser sends part 1 of the video, then reloads the page.
  const auto& mp = created.body.at("files")[1].at("multipart");
  const std::string etag1 =
      MediaApi::put_part(mp.at("parts")[0].at("url"), files[1].data.substr(0, 5 * kMiB));

  auto r = api_->post(kUrls, {{"listingIdentityId", 200}, {"batchId", batch}}, photographer());
  ASSERT_EQ(r.raw.status, 200) << r.raw.body;
  EXPECT_EQ(r.body.at("batchId"), batch);
  EXPECT_EQ(r.body.at("listingIdentityId"), 200);
  EXPECT_EQ(r.body.at("status"), "PENDING_UPLOAD");
  EXPECT_TRUE(r.body.at("expiresAt").is_string());
  ASSERT_EQ(r.body.at("files").size(), 2U);
  const auto& photo = r.body.at("files")[0];
  EXPECT_EQ(photo.at("clientId"), "f-1");
  EXPECT_EQ(photo.at("uploaded"), true);
  EXPECT_EQ(photo.at("upload").at("method"), "PUT");
  EXPECT_FALSE(photo.contains("multipart"));
  EXPECT_FALSE(photo.contains("uploadedParts"));
  const auto& video = r.body.at("files")[1];
  EXPECT_EQ(video.at("uploaded"), false);
  EXPECT_FALSE(video.contains("upload"));
  EXPECT_EQ(video.at("multipart").at("uploadId"), mp.at("uploadId"));
  EXPECT_EQ(video.at("multipart").at("partSizeBytes"), 5 * kMiB);
  ASSERT_EQ(video.at("uploadedParts").size(), 1U);
  EXPECT_EQ(video.at("uploadedParts")[0].at("partNumber"), 1);
  EXPECT_EQ(video.at("uploadedParts")[0].at("etag"), etag1);
  EXPECT_EQ(video.at("uploadedParts")[0].at("bytes"), 5 * kMiB);
  ASSERT_EQ(video.at("multipart").at("parts").size(), 1U);  // only the missing part
  const auto& part2 = video.at("multipart").at("parts")[0];
  EXPECT_EQ(part2.at("partNumber"), 2);
  EXPECT_EQ(part2.at("bytes"), 1 * kMiB);

  // The fresh URL works, and complete takes the parts from both sessions.
  const std::string etag2 = MediaApi::put_part(part2.at("url"), files[1].data.substr(5 * kMiB));
  auto done = api_->complete(
      200, batch, photographer(),
      json::array({{{"clientId", "v-1"},
                    {"parts", json::array({{{"partNumber", 1}, {"etag", etag1}},
                                           {{"partNumber", 2}, {"etag", etag2}}})}}}));
  EXPECT_EQ(done.raw.status, 202) << done.raw.body;

  // Past PENDING_UPLOAD: 409 BATCH_NOT_PENDING.
  expect_error(api_->post(kUrls, {{"listingIdentityId", 200}, {"batchId", batch}}, photographer()),
               409, "BATCH_NOT_PENDING");
}

TEST_F(RoutesHttpTest, UrlsFilterByClientIdsAndRefuseUnknownOnes) {
  api_->register_listing(201, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  auto created = api_->create(201, photos(), photographer());
  ASSERT_EQ(created.raw.status, 201) << created.raw.body;
  const std::int64_t batch = created.body.at("batchId");
  auto r =
      api_->post(kUrls, {{"listingIdentityId", 201}, {"batchId", batch}, {"clientIds", {"f-2"}}},
                 photographer());
  ASSERT_EQ(r.raw.status, 200) << r.raw.body;
  ASSERT_EQ(r.body.at("files").size(), 1U);
  EXPECT_EQ(r.body.at("files")[0].at("clientId"), "f-2");
  EXPECT_EQ(r.body.at("files")[0].at("uploaded"), false);

  auto unknown = api_->post(
      kUrls, {{"listingIdentityId", 201}, {"batchId", batch}, {"clientIds", {"f-1", "zz-9"}}},
      photographer());
  expect_error(unknown, 400, "INVALID_REQUEST");
  EXPECT_NE(unknown.body.at("message").get<std::string>().find("zz-9"), std::string::npos);
  EXPECT_EQ(unknown.body.at("details").at("fields")[0].at("field"), "clientIds[1]");

  expect_error(api_->post(kUrls, {{"listingIdentityId", 201}}, photographer()), 400,
               "INVALID_REQUEST");
  expect_error(api_->post(kUrls, {{"listingIdentityId", 201}, {"batchId", "x"}}, photographer()),
               400, "INVALID_REQUEST");
  expect_error(
      api_->post(kUrls, {{"listingIdentityId", 201}, {"batchId", batch}, {"clientIds", {1}}},
                 photographer()),
      400, "INVALID_REQUEST");
  expect_error(api_->post(kUrls, {{"listingIdentityId", 201}, {"batchId", batch}}, ""), 401,
               "UNAUTHENTICATED");
  expect_error(api_->post(kUrls, {{"listingIdentityId", 201}, {"batchId", batch}},
                          api_->token(8, "photographer")),
               403, "FORBIDDEN");
  api_->register_listing(202, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  expect_error(api_->post(kUrls, {{"listingIdentityId", 202}, {"batchId", batch}}, photographer()),
               404, "BATCH_NOT_FOUND");
  expect_error(api_->post(kUrls, {{"listingIdentityId", 201}, {"batchId", 987654}}, photographer()),
               404, "BATCH_NOT_FOUND");
}

// ------------------------------------------------------------------ status

TEST_F(RoutesHttpTest, StatusFollowsTheBatchFromUploadToReady) {
  api_->register_listing(210, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const auto files = photos();
  auto created = api_->create(210, files, photographer());
  ASSERT_EQ(created.raw.status, 201);
  const std::int64_t batch = created.body.at("batchId");

  auto pending = api_->post(kStatus, {{"listingIdentityId", 210}}, photographer());
  ASSERT_EQ(pending.raw.status, 200) << pending.raw.body;
  EXPECT_EQ(pending.body.at("batchId"), batch);
  EXPECT_EQ(pending.body.at("status"), "PENDING_UPLOAD");
  EXPECT_TRUE(pending.body.at("job").is_null());
  EXPECT_EQ(pending.body.at("progress"),
            json({{"total", 2}, {"ready", 0}, {"failed", 0}, {"processing", 2}}));
  EXPECT_TRUE(pending.body.at("error").is_null());

  MediaApi::upload_singles(created.body, files);
  ASSERT_EQ(api_->complete(210, batch, photographer()).raw.status, 202);
  auto received = api_->post(kStatus, {{"listingIdentityId", 210}, {"batchId", batch}}, owner());
  ASSERT_EQ(received.raw.status, 200) << received.raw.body;
  EXPECT_EQ(received.body.at("status"), "RECEIVED");
  EXPECT_EQ(received.body.at("job").at("status"), "QUEUED");
  EXPECT_TRUE(received.body.at("job").at("startedAt").is_null());

  const auto job = api_->process(batch);
  auto ready = api_->post(kStatus, {{"listingIdentityId", 210}, {"batchId", batch}},
                          api_->token(1, "admin"));
  ASSERT_EQ(ready.raw.status, 200) << ready.raw.body;
  const json& b = ready.body;
  EXPECT_EQ(b.at("listingIdentityId"), 210);
  EXPECT_EQ(b.at("status"), "READY");
  EXPECT_TRUE(b.at("createdAt").is_string());
  EXPECT_TRUE(b.at("updatedAt").is_string());
  EXPECT_EQ(b.at("job").at("jobId"), job.id.value);
  EXPECT_EQ(b.at("job").at("status"), "SUCCEEDED");
  EXPECT_EQ(b.at("job").at("attempt"), 1);
  EXPECT_TRUE(b.at("job").at("startedAt").is_string());
  EXPECT_TRUE(b.at("job").at("completedAt").is_string());
  EXPECT_EQ(b.at("progress"), json({{"total", 2}, {"ready", 2}, {"failed", 0}, {"processing", 0}}));
  ASSERT_EQ(b.at("assets").size(), 2U);
  const json& a = b.at("assets")[0];
  EXPECT_TRUE(a.at("assetId").is_number_integer());
  EXPECT_EQ(a.at("clientId"), "f-1");
  EXPECT_EQ(a.at("mediaType"), "PHOTO_HORIZONTAL");
  EXPECT_EQ(a.at("filename"), "IMG_2907.jpg");
  EXPECT_EQ(a.at("title"), "Sala de estar");
  EXPECT_EQ(a.at("sequence"), 1);
  EXPECT_EQ(a.at("status"), "READY");
  EXPECT_EQ(a.at("width"), 6000);
  EXPECT_EQ(a.at("height"), 4000);
  EXPECT_TRUE(a.at("durationSeconds").is_null());
  EXPECT_TRUE(a.at("error").is_null());
  EXPECT_TRUE(b.at("error").is_null());
}

TEST_F(RoutesHttpTest, StatusOfAFailedBatchCarriesTheCodes) {
  api_->register_listing(211, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const std::vector<UploadFile> files = {{"f-1", "PHOTO_HORIZONTAL", test_bytes(100, 'a'), 1},
                                         {"v-2", "VIDEO_VERTICAL", test_bytes(300, 'v'), 2}};
  const auto batch = api_->completed_batch(211, files, photographer());
  api_->process(batch, {.failed_client_ids = {"v-2"}});
  auto r = api_->post(kStatus, {{"listingIdentityId", 211}, {"batchId", batch}}, photographer());
  ASSERT_EQ(r.raw.status, 200) << r.raw.body;
  EXPECT_EQ(r.body.at("status"), "FAILED");
  EXPECT_EQ(r.body.at("progress"),
            json({{"total", 2}, {"ready", 1}, {"failed", 1}, {"processing", 0}}));
  const json& failed = r.body.at("assets")[1];
  EXPECT_EQ(failed.at("status"), "FAILED");
  EXPECT_EQ(failed.at("error").at("code"), "CORRUPT_MEDIA");
  EXPECT_FALSE(failed.at("error").at("message").get<std::string>().empty());
  EXPECT_FALSE(failed.at("error").at("hint").get<std::string>().empty());
  EXPECT_TRUE(failed.at("width").is_null());
  EXPECT_EQ(r.body.at("error").at("code"), "CORRUPT_MEDIA");
  EXPECT_EQ(r.body.at("job").at("status"), "FAILED");
}

TEST_F(RoutesHttpTest, StatusErrors) {
  api_->register_listing(212, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  expect_error(api_->post(kStatus, {{"listingIdentityId", 212}}, photographer()), 404,
               "BATCH_NOT_FOUND");  // no batch yet
  expect_error(
      api_->post(kStatus, {{"listingIdentityId", 212}, {"batchId", 987654}}, photographer()), 404,
      "BATCH_NOT_FOUND");
  expect_error(api_->post(kStatus, {{"listingIdentityId", 987654}}, photographer()), 404,
               "LISTING_NOT_FOUND");
  expect_error(api_->post(kStatus, {{"listingIdentityId", 212}}, client()), 403, "FORBIDDEN");
  expect_error(api_->post(kStatus, {{"listingIdentityId", 212}}, ""), 401, "UNAUTHENTICATED");
  expect_error(api_->post(kStatus, {{"batchId", 1}}, photographer()), 400, "INVALID_REQUEST");
  HttpCall garbage;
  garbage.method = "POST";
  garbage.url = server_->base_url() + kStatus;
  garbage.headers = {{"Authorization", "Bearer " + photographer()},
                     {"Content-Type", "application/json"}};
  garbage.body = "{not json";
  const auto not_json = http(garbage);
  EXPECT_EQ(not_json.status, 400) << not_json.body;
  EXPECT_NE(not_json.body.find("INVALID_REQUEST"), std::string::npos);
}

// ------------------------------------------------------------------ downloads

TEST_F(RoutesHttpTest, DownloadsAre204UntilReadyThenSignedUrlsWithFriendlyNames) {
  api_->register_listing(220, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  auto none = api_->post(kDownloads, {{"listingIdentityId", 220}}, owner());
  EXPECT_EQ(none.raw.status, 204) << none.raw.body;
  EXPECT_TRUE(none.raw.body.empty());

  const auto files = photos();
  const auto batch = api_->completed_batch(220, files, photographer());
  auto received = api_->post(kDownloads, {{"listingIdentityId", 220}, {"batchId", batch}}, owner());
  EXPECT_EQ(received.raw.status, 204);
  EXPECT_TRUE(received.raw.body.empty());
  const auto job = api_->process(batch);

  auto r = api_->post(kDownloads, {{"listingIdentityId", 220}}, owner());
  ASSERT_EQ(r.raw.status, 200) << r.raw.body;
  EXPECT_EQ(r.body.at("listingIdentityId"), 220);
  EXPECT_EQ(r.body.at("batchId"), batch);
  EXPECT_TRUE(r.body.at("expiresAt").is_string());
  const json& zip = r.body.at("zip");
  EXPECT_EQ(zip.at("filename"), "imovel-220-midias.zip");
  EXPECT_EQ(zip.at("bytes"), kStandInZipBytes);
  EXPECT_EQ(zip.at("sha256"), kStandInZipSha256);
  EXPECT_NE(
      zip.at("url").get<std::string>().find("out/" + std::to_string(job.id.value) + "/archive.zip"),
      std::string::npos);
  ASSERT_EQ(r.body.at("assets").size(), 2U);
  const json& photo = r.body.at("assets")[0];
  EXPECT_EQ(photo.at("mediaType"), "PHOTO_HORIZONTAL");
  EXPECT_EQ(photo.at("title"), "Sala de estar");
  EXPECT_EQ(photo.at("sequence"), 1);
  EXPECT_EQ(photo.at("width"), 6000);
  EXPECT_EQ(photo.at("height"), 4000);
  const json& variants = photo.at("variants");
  ASSERT_EQ(variants.size(), 5U);
  EXPECT_EQ(variants[0].at("name"), "thumbnail");
  EXPECT_EQ(variants[0].at("format"), "jpeg");
  EXPECT_EQ(variants[0].at("width"), 320);
  EXPECT_EQ(variants[0].at("height"), 213);
  EXPECT_TRUE(variants[0].at("bytes").is_number_integer());
  const json& original = variants[4];
  EXPECT_EQ(original.at("name"), "original");
  EXPECT_EQ(original.at("bytes"), files[0].data.size());

  // The original's URL is a working presigned GET of the raw upload, saved under its own name.
  HttpCall get;
  get.url = original.at("url");
  const auto bytes = http(get);
  ASSERT_EQ(bytes.status, 200) << bytes.body;
  EXPECT_EQ(bytes.body, files[0].data);
  EXPECT_TRUE(
      bytes.header("content-disposition").starts_with("attachment; filename=\"IMG_2907.jpg\""))
      << bytes.header("content-disposition");
  // A rendition's URL names the file after its title, sequence and variant.
  const std::string thumb = variants[0].at("url");
  EXPECT_NE(thumb.find("response-content-disposition="), std::string::npos);
  EXPECT_NE(thumb.find("01%20-%20Sala%20de%20estar%20-%20thumbnail.jpg"), std::string::npos)
      << thumb;
}

TEST_F(RoutesHttpTest, DownloadsForClientsOnlyWhenPublishedAndWithoutOriginals) {
  api_->register_listing(221, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const auto batch = api_->completed_batch(221, photos(), photographer());
  api_->process(batch);
  expect_error(api_->post(kDownloads, {{"listingIdentityId", 221}}, client()), 403, "FORBIDDEN");
  api_->register_listing(221, "RESIDENTIAL", "PUBLISHED");
  auto r = api_->post(kDownloads, {{"listingIdentityId", 221}}, client());
  ASSERT_EQ(r.raw.status, 200) << r.raw.body;
  for (const auto& a : r.body.at("assets")) {
    for (const auto& v : a.at("variants")) EXPECT_NE(v.at("name"), "original");
  }
  EXPECT_TRUE(r.body.at("zip").at("url").is_string());
}

TEST_F(RoutesHttpTest, DownloadsOfAReadyBatchWithoutItsZipIs500AndLogged) {
  api_->register_listing(222, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const auto batch = api_->completed_batch(222, photos(), photographer());
  api_->process(batch, {.failed_client_ids = {}, .record_archive = false});
  auto r = api_->call("POST", kDownloads, json{{"listingIdentityId", 222}}, owner());
  expect_error(r, 500, "INTERNAL_ERROR");
  const std::string id = r.raw.header("x-request-id");
  auto logged = server_->find_log("request failed", "request_id", id);
  ASSERT_TRUE(logged.has_value()) << server_->log_text();
  EXPECT_NE(logged->at("error").get<std::string>().find("no archive"), std::string::npos);
}

TEST_F(RoutesHttpTest, DownloadsErrors) {
  api_->register_listing(223, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  api_->register_listing(224, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const auto batch = api_->completed_batch(223, photos(), photographer());
  api_->process(batch);
  expect_error(api_->post(kDownloads, {{"listingIdentityId", 987654}}, owner()), 404,
               "LISTING_NOT_FOUND");
  expect_error(api_->post(kDownloads, {{"listingIdentityId", 224}, {"batchId", batch}}, owner()),
               404, "BATCH_NOT_FOUND");
  expect_error(api_->post(kDownloads, {{"listingIdentityId", 223}}, api_->token(1, "service")), 403,
               "FORBIDDEN");
  expect_error(api_->post(kDownloads, {{"listingIdentityId", 223}}, ""), 401, "UNAUTHENTICATED");
  expect_error(api_->post(kDownloads, {{"listingIdentityId", "223"}}, owner()), 400,
               "INVALID_REQUEST");
}

// ------------------------------------------------------------------ retry

TEST_F(RoutesHttpTest, RetryAFailedBatchOnceThenItIsNotRetryable) {
  api_->register_listing(230, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const auto batch = api_->completed_batch(230, photos(), photographer());
  const auto first = api_->process(batch, {.failed_client_ids = {"f-2"}});
  auto r = api_->post(kRetry, {{"listingIdentityId", 230}, {"batchId", batch}}, photographer());
  ASSERT_EQ(r.raw.status, 202) << r.raw.body;
  EXPECT_EQ(r.body.at("batchId"), batch);
  EXPECT_EQ(r.body.at("status"), "PROCESSING");
  const std::int64_t job = r.body.at("jobId");
  EXPECT_NE(job, first.id.value);
  auto status = api_->post(kStatus, {{"listingIdentityId", 230}}, photographer());
  EXPECT_EQ(status.body.at("status"), "PROCESSING");
  EXPECT_EQ(status.body.at("job").at("jobId"), job);
  EXPECT_EQ(status.body.at("progress").at("processing"), 2);

  auto again = api_->post(kRetry, {{"listingIdentityId", 230}, {"batchId", batch}}, owner());
  expect_error(again, 409, "BATCH_NOT_RETRYABLE");
  EXPECT_EQ(again.body.at("details").at("jobId"), job);

  // The new run finishes READY; a READY batch may be reprocessed again.
  api_->process(batch);
  auto ready_retry =
      api_->post(kRetry, {{"listingIdentityId", 230}, {"batchId", batch}}, api_->token(1, "admin"));
  EXPECT_EQ(ready_retry.raw.status, 202) << ready_retry.raw.body;
}

TEST_F(RoutesHttpTest, ConcurrentRetriesCreateOneJob) {
  api_->register_listing(231, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const auto batch = api_->completed_batch(231, photos(), photographer());
  api_->process(batch, {.failed_client_ids = {"f-1"}});
  constexpr int kCallers = 20;
  std::vector<ApiReply> replies(kCallers);
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  const json body = {{"listingIdentityId", 231}, {"batchId", batch}};
  const std::string token = photographer();
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      replies[static_cast<std::size_t>(i)] = api_->post(kRetry, body, token);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  int accepted = 0;
  std::set<std::int64_t> jobs;
  for (const auto& r : replies) {
    if (r.raw.status == 202) {
      ++accepted;
      jobs.insert(r.body.at("jobId").get<std::int64_t>());
    } else {
      ASSERT_EQ(r.raw.status, 409) << r.raw.body;
      EXPECT_EQ(r.body.at("code"), "BATCH_NOT_RETRYABLE");
      jobs.insert(r.body.at("details").at("jobId").get<std::int64_t>());
    }
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(jobs.size(), 1U);  // every loser names the winner's job
  auto rows = must(api_->database().transact(
      [&](core::UnitOfWork& u) { return u.jobs().list_by_batch(core::BatchId{batch}); }));
  EXPECT_EQ(rows.size(), 2U);
}

TEST_F(RoutesHttpTest, RetryErrors) {
  api_->register_listing(232, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  api_->register_listing(233, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  auto created = api_->create(232, photos(), photographer());
  ASSERT_EQ(created.raw.status, 201);
  const std::int64_t batch = created.body.at("batchId");
  expect_error(api_->post(kRetry, {{"listingIdentityId", 232}, {"batchId", batch}}, photographer()),
               409, "BATCH_NOT_RETRYABLE");  // still uploading
  expect_error(api_->post(kRetry, {{"listingIdentityId", 233}, {"batchId", batch}}, photographer()),
               404, "BATCH_NOT_FOUND");
  expect_error(api_->post(kRetry, {{"listingIdentityId", 232}, {"batchId", batch}}, client()), 403,
               "FORBIDDEN");
  expect_error(api_->post(kRetry, {{"listingIdentityId", 232}, {"batchId", batch}}, ""), 401,
               "UNAUTHENTICATED");
  expect_error(api_->post(kRetry, {{"listingIdentityId", 232}}, photographer()), 400,
               "INVALID_REQUEST");
}

}  // namespace
}  // namespace toq::testing
