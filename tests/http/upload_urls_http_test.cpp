// POST /api/v2/listings/media/uploads/urls on the real `toq-media serve` (route_suite.hpp): each
// success shape of the contract and each error code.

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/route_suite.hpp"
#include "support/result_matchers.hpp"

namespace toq::testing {
namespace {

using nlohmann::json;
constexpr std::int64_t kMiB = 1024 * 1024;

class UploadUrlsHttpTest : public RouteSuite<UploadUrlsHttpTest> {};

TEST_F(UploadUrlsHttpTest, UrlsReportWhatIsUploadedAndResumeAMultipartUpload) {
  api().register_listing(200, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const std::vector<UploadFile> files = {{"f-1", "PHOTO_HORIZONTAL", test_bytes(4000, 'a'), 1},
                                         {"v-1", "VIDEO_VERTICAL", test_bytes(6 * kMiB, 'v'), 1}};
  auto created = api().create(200, files, photographer());
  ASSERT_EQ(created.raw.status, 201) << created.raw.body;
  const std::int64_t batch = created.body.at("batchId");
  MediaApi::upload_singles(created.body, files);
  // The browser sends part 1 of the video, then reloads the page.
  const auto& mp = created.body.at("files")[1].at("multipart");
  const std::string etag1 =
      MediaApi::put_part(mp.at("parts")[0].at("url"), files[1].data.substr(0, 5 * kMiB));

  auto r = api().post(kUrls, {{"listingIdentityId", 200}, {"batchId", batch}}, photographer());
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
  auto done = api().complete(
      200, batch, photographer(),
      json::array({{{"clientId", "v-1"},
                    {"parts", json::array({{{"partNumber", 1}, {"etag", etag1}},
                                           {{"partNumber", 2}, {"etag", etag2}}})}}}));
  EXPECT_EQ(done.raw.status, 202) << done.raw.body;

  // Past PENDING_UPLOAD: 409 BATCH_NOT_PENDING.
  expect_error(api().post(kUrls, {{"listingIdentityId", 200}, {"batchId", batch}}, photographer()),
               409, "BATCH_NOT_PENDING");
}

TEST_F(UploadUrlsHttpTest, UrlsFilterByClientIdsAndRefuseUnknownOnes) {
  api().register_listing(201, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  auto created = api().create(201, photos(), photographer());
  ASSERT_EQ(created.raw.status, 201) << created.raw.body;
  const std::int64_t batch = created.body.at("batchId");
  auto r =
      api().post(kUrls, {{"listingIdentityId", 201}, {"batchId", batch}, {"clientIds", {"f-2"}}},
                 photographer());
  ASSERT_EQ(r.raw.status, 200) << r.raw.body;
  ASSERT_EQ(r.body.at("files").size(), 1U);
  EXPECT_EQ(r.body.at("files")[0].at("clientId"), "f-2");
  EXPECT_EQ(r.body.at("files")[0].at("uploaded"), false);

  auto unknown = api().post(
      kUrls, {{"listingIdentityId", 201}, {"batchId", batch}, {"clientIds", {"f-1", "zz-9"}}},
      photographer());
  expect_error(unknown, 400, "INVALID_REQUEST");
  EXPECT_NE(unknown.body.at("message").get<std::string>().find("zz-9"), std::string::npos);
  EXPECT_EQ(unknown.body.at("details").at("fields")[0].at("field"), "clientIds[1]");

  expect_error(api().post(kUrls, {{"listingIdentityId", 201}}, photographer()), 400,
               "INVALID_REQUEST");
  expect_error(api().post(kUrls, {{"listingIdentityId", 201}, {"batchId", "x"}}, photographer()),
               400, "INVALID_REQUEST");
  expect_error(
      api().post(kUrls, {{"listingIdentityId", 201}, {"batchId", batch}, {"clientIds", {1}}},
                 photographer()),
      400, "INVALID_REQUEST");
  expect_error(api().post(kUrls, {{"listingIdentityId", 201}, {"batchId", batch}}, ""), 401,
               "UNAUTHENTICATED");
  expect_error(api().post(kUrls, {{"listingIdentityId", 201}, {"batchId", batch}},
                          api().token(8, "photographer")),
               403, "FORBIDDEN");
  api().register_listing(202, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  expect_error(api().post(kUrls, {{"listingIdentityId", 202}, {"batchId", batch}}, photographer()),
               404, "BATCH_NOT_FOUND");
  expect_error(api().post(kUrls, {{"listingIdentityId", 201}, {"batchId", 987654}}, photographer()),
               404, "BATCH_NOT_FOUND");
}

}  // namespace
}  // namespace toq::testing
