// Disks failing with EIO under the real `toq-media serve`: the EIO shim
// (tests/support/eio_shim.cpp) is preloaded into the server, and the test arms it on the database's
// file or on the store's directory. What a client sees is a clear answer with a code and the
// request's id (503 DATABASE_UNAVAILABLE with Retry-After on the API; S3's 500 InternalError on
// /storage/), the log has the cause under that id, nothing was half done, and the same request
// succeeds once the disk answers again.

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/media_api_client.hpp"
#include "http/served_suite.hpp"
#include "storage/http_client.hpp"
#include "support/eio_fault.hpp"
#include "support/result_matchers.hpp"

namespace toq::testing {
namespace {

using nlohmann::json;

class IoErrorsHttpTest : public ServedSuite<IoErrorsHttpTest> {
 public:
  static std::filesystem::path arm_file() { return temp_dir() / "eio-armed"; }

  static std::map<std::string, std::string> server_env() {
    // An ASan build's runtime must come first; the shim before it is harmless (it only wraps
    // libc calls), so the check is turned off for the server.
    const char* asan = std::getenv("ASAN_OPTIONS");
    return {
        {"LD_PRELOAD", TOQ_EIO_SHIM},
        {"TOQ_EIO_ARM_FILE", arm_file().string()},
        {"ASAN_OPTIONS", std::string{asan != nullptr ? asan : ""} + ":verify_asan_link_order=0"},
        {"TOQ_MEDIA_PROCESSING_START_WORKERS", "false"}};
  }

 protected:
  void TearDown() override { fault_.clear(); }

  static const std::string& photographer() { return api().token(7, "photographer"); }
  std::filesystem::path database_file() const { return server().data_dir() / "toq-media.db"; }
  std::filesystem::path store_dir() const { return server().data_dir() / "objects"; }

  static std::vector<UploadFile> photo() {
    return {{"f-1", "PHOTO_HORIZONTAL", test_bytes(3000, 'e'), 1}};
  }

  // The batch's row as the server's database holds it.
  static std::string batch_status(std::int64_t batch) {
    auto b = must(api().database().transact(
        [&](core::UnitOfWork& u) { return u.batches().find(core::BatchId{batch}); }));
    return b ? std::string{core::to_string(b->status)} : "none";
  }
  static std::size_t jobs_of(std::int64_t batch) {
    return must(api().database().transact([&](core::UnitOfWork& u) {
             return u.jobs().list_by_batch(core::BatchId{batch});
           }))
        .size();
  }

  EioFault fault_{arm_file()};
};

// Complete, while the database's disk fails every write: 503 DATABASE_UNAVAILABLE (JSON, code,
// hint, Retry-After, X-Request-Id), the cause ("disk I/O error") logged under that id; the batch
// is still PENDING_UPLOAD without a job. The disk answers again: the same complete is 202, and
// makes one job.
TEST_F(IoErrorsHttpTest, CompleteOnAFailingDatabaseDiskIs503WithItsCauseLoggedThenSucceeds) {
  api().register_listing(501, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  auto created = api().create(501, photo(), photographer());
  ASSERT_EQ(created.raw.status, 201) << created.raw.body;
  MediaApi::upload_singles(created.body, photo());
  const std::int64_t batch = created.body.at("batchId");

  fault_.arm(database_file());
  auto failed = api().complete(501, batch, photographer(), json::array(),
                               {{"X-Request-Id", "eio-complete-1"}});
  fault_.clear();
  EXPECT_EQ(failed.raw.status, 503) << failed.raw.body;
  ASSERT_TRUE(failed.body.is_object()) << failed.raw.body;
  EXPECT_EQ(failed.body.value("code", ""), "DATABASE_UNAVAILABLE") << failed.raw.body;
  EXPECT_FALSE(failed.body.value("message", "").empty());
  EXPECT_EQ(failed.raw.header("x-request-id"), "eio-complete-1");
  EXPECT_FALSE(failed.raw.header("retry-after").empty());
  auto logged = server().find_log("request failed", "request_id", "eio-complete-1");
  ASSERT_TRUE(logged) << server().log_text();
  EXPECT_NE(logged->at("error").get<std::string>().find("disk I/O error"), std::string::npos)
      << logged->dump();
  EXPECT_EQ(batch_status(batch), "PENDING_UPLOAD");
  EXPECT_EQ(jobs_of(batch), 0U);

  auto done = api().complete(501, batch, photographer());
  EXPECT_EQ(done.raw.status, 202) << done.raw.body;
  EXPECT_EQ(batch_status(batch), "RECEIVED");
  EXPECT_EQ(jobs_of(batch), 1U);
}

// A PUT to a presigned URL while the store's disk fails: S3's 500 InternalError whose RequestId
// is the response's X-Request-Id and the logged request_id, the cause (EIO) in the log; the batch
// still lacks the file (complete says so); the same PUT succeeds once the disk is back.
TEST_F(IoErrorsHttpTest, UploadOnAFailingStoreDiskIsInternalErrorWithItsCauseLogged) {
  api().register_listing(502, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING");
  auto created = api().create(502, photo(), photographer());
  ASSERT_EQ(created.raw.status, 201) << created.raw.body;
  const auto& upload = created.body.at("files").at(0).at("upload");
  const std::int64_t batch = created.body.at("batchId");

  fault_.arm(store_dir());
  auto failed = MediaApi::put_single(upload, photo()[0].data);
  fault_.clear();
  EXPECT_EQ(failed.status, 500) << failed.body;
  EXPECT_EQ(xml_element(failed.body, "Code"), "InternalError") << failed.body;
  const std::string id = xml_element(failed.body, "RequestId");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(failed.header("x-request-id"), id);
  auto logged = server().find_log("request failed", "request_id", id);
  ASSERT_TRUE(logged) << server().log_text();
  EXPECT_NE(logged->at("error").get<std::string>().find("Input/output error"), std::string::npos)
      << logged->dump();
  auto incomplete = api().complete(502, batch, photographer());
  EXPECT_EQ(incomplete.raw.status, 422) << incomplete.raw.body;

  EXPECT_EQ(MediaApi::put_single(upload, photo()[0].data).status, 200);
  EXPECT_EQ(api().complete(502, batch, photographer()).raw.status, 202);
}

}  // namespace
}  // namespace toq::testing
