// POST /api/v2/listings/media/downloads on the real `toq-media serve` (route_suite.hpp): each
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

class DownloadsHttpTest : public RouteSuite<DownloadsHttpTest> {};

TEST_F(DownloadsHttpTest, DownloadsAre204UntilReadyThenSignedUrlsWithFriendlyNames) {
  api().register_listing(220, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  auto none = api().post(kDownloads, {{"listingIdentityId", 220}}, owner());
  EXPECT_EQ(none.raw.status, 204) << none.raw.body;
  EXPECT_TRUE(none.raw.body.empty());

  const auto files = photos();
  const auto batch = api().completed_batch(220, files, photographer());
  auto received = api().post(kDownloads, {{"listingIdentityId", 220}, {"batchId", batch}}, owner());
  EXPECT_EQ(received.raw.status, 204);
  EXPECT_TRUE(received.raw.body.empty());
  const auto job = api().process(batch);

  auto r = api().post(kDownloads, {{"listingIdentityId", 220}}, owner());
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

TEST_F(DownloadsHttpTest, DownloadsForClientsOnlyWhenPublishedAndWithoutOriginals) {
  api().register_listing(221, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const auto batch = api().completed_batch(221, photos(), photographer());
  api().process(batch);
  expect_error(api().post(kDownloads, {{"listingIdentityId", 221}}, client()), 403, "FORBIDDEN");
  api().register_listing(221, "RESIDENTIAL", "PUBLISHED");
  auto r = api().post(kDownloads, {{"listingIdentityId", 221}}, client());
  ASSERT_EQ(r.raw.status, 200) << r.raw.body;
  for (const auto& a : r.body.at("assets")) {
    for (const auto& v : a.at("variants")) EXPECT_NE(v.at("name"), "original");
  }
  EXPECT_TRUE(r.body.at("zip").at("url").is_string());
}

TEST_F(DownloadsHttpTest, DownloadsOfAReadyBatchWithoutItsZipIs500AndLogged) {
  api().register_listing(222, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const auto batch = api().completed_batch(222, photos(), photographer());
  api().process(batch, {.failed_client_ids = {}, .record_archive = false});
  auto r = api().call("POST", kDownloads, json{{"listingIdentityId", 222}}, owner());
  expect_error(r, 500, "INTERNAL_ERROR");
  const std::string id = r.raw.header("x-request-id");
  auto logged = server().find_log("request failed", "request_id", id);
  ASSERT_TRUE(logged.has_value()) << server().log_text();
  EXPECT_NE(logged->at("error").get<std::string>().find("no archive"), std::string::npos);
}

TEST_F(DownloadsHttpTest, DownloadsErrors) {
  api().register_listing(223, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  api().register_listing(224, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  const auto batch = api().completed_batch(223, photos(), photographer());
  api().process(batch);
  expect_error(api().post(kDownloads, {{"listingIdentityId", 987654}}, owner()), 404,
               "LISTING_NOT_FOUND");
  expect_error(api().post(kDownloads, {{"listingIdentityId", 224}, {"batchId", batch}}, owner()),
               404, "BATCH_NOT_FOUND");
  expect_error(api().post(kDownloads, {{"listingIdentityId", 223}}, api().token(1, "service")), 403,
               "FORBIDDEN");
  expect_error(api().post(kDownloads, {{"listingIdentityId", 223}}, ""), 401, "UNAUTHENTICATED");
  expect_error(api().post(kDownloads, {{"listingIdentityId", "223"}}, owner()), 400,
               "INVALID_REQUEST");
}

}  // namespace
}  // namespace toq::testing
