#pragma once
// What the suites of the upload-session routes share (uploads/urls, status, downloads, retry):
// one served toq-media (served_suite.hpp) without worker processes, its batches processed
// instead by the stand-in on the server's own database (media_api_client.hpp) so the routes are
// seen at every stage without real media; multipart from 5 MiB (S3's minimum part size), so a
// 6 MiB video goes in two parts.

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "http/media_api_client.hpp"
#include "http/served_suite.hpp"

namespace toq::testing {

inline constexpr const char* kUrls = "/api/v2/listings/media/uploads/urls";
inline constexpr const char* kStatus = "/api/v2/listings/media/status";
inline constexpr const char* kDownloads = "/api/v2/listings/media/downloads";
inline constexpr const char* kRetry = "/api/v2/listings/media/uploads/retry";

template <class Suite>
class RouteSuite : public ServedSuite<Suite> {
 public:
  static std::map<std::string, std::string> server_env() {
    return {{"TOQ_MEDIA_PROCESSING_START_WORKERS", "false"},
            {"TOQ_MEDIA_STORAGE_MULTIPART_THRESHOLD_BYTES", "5MiB"},
            {"TOQ_MEDIA_STORAGE_PART_SIZE_BYTES", "5MiB"}};
  }

 protected:
  using Served = ServedSuite<Suite>;

  static const std::string& photographer() { return Served::api().token(7, "photographer"); }
  static const std::string& owner() { return Served::api().token(11, "owner"); }
  static const std::string& client() { return Served::api().token(500, "client"); }

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
};

}  // namespace toq::testing
