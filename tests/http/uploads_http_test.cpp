// POST /api/v2/listings/media/uploads and .../uploads/complete on the real `toq-media serve`, as
// the photographer's page drives them: create a batch, upload through the presigned URLs (single
// PUT and multipart), complete (202, then 200 with the same job), and each error of the two
// routes.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/api_suite.hpp"

namespace toq::testing {
namespace {

using nlohmann::json;

class UploadsHttpTest : public ApiSuite<UploadsHttpTest> {};

TEST_F(UploadsHttpTest, UploadSingleAndMultipartThenCompleteTwice) {
  register_listing(101);
  const std::vector<DeclaredFile> files = {{"f-1", test_bytes(1000, 'a'), 1},
                                           {"f-2", test_bytes(2000, 'b'), 2},
                                           {"f-3", test_bytes(6 * kMiB, 'c'), 3}};
  auto created = create(101, files, photographer_token());
  ASSERT_EQ(created.raw.status, 201) << created.raw.body;
  EXPECT_EQ(created.body.at("status"), "PENDING_UPLOAD");
  EXPECT_EQ(created.body.at("listingIdentityId"), 101);
  EXPECT_TRUE(created.body.at("expiresAt").is_string());
  const std::int64_t batch = created.body.at("batchId");
  const auto& out = created.body.at("files");
  ASSERT_EQ(out.size(), 3U);

  for (std::size_t i = 0; i < 2; ++i) {
    ASSERT_TRUE(out[i].contains("upload")) << out[i];
    EXPECT_FALSE(out[i].contains("multipart"));
    EXPECT_EQ(out[i].at("clientId"), files[i].client_id);
    put_single(out[i].at("upload"), files[i].data);
  }

  ASSERT_TRUE(out[2].contains("multipart")) << out[2];
  const auto& mp = out[2].at("multipart");
  EXPECT_EQ(mp.at("partSizeBytes"), 5 * kMiB);
  ASSERT_EQ(mp.at("parts").size(), 2U);
  json parts = json::array();
  std::size_t offset = 0;
  for (const auto& part : mp.at("parts")) {
    const auto size = part.at("bytes").get<std::size_t>();
    HttpCall c;
    c.method = "PUT";
    c.url = part.at("url");
    c.body = files[2].data.substr(offset, size);
    offset += size;
    const auto r = recorded_http(c);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_FALSE(r.header("etag").empty());
    parts.push_back({{"partNumber", part.at("partNumber")}, {"etag", r.header("etag")}});
  }
  EXPECT_EQ(offset, files[2].data.size());

  const json body =
      complete_body(101, batch, json::array({{{"clientId", "f-3"}, {"parts", parts}}}));
  auto first =
      call("POST", "/api/v2/listings/media/uploads/complete", body.dump(), photographer_token());
  ASSERT_EQ(first.raw.status, 202) << first.raw.body;
  EXPECT_EQ(first.body.at("batchId"), batch);
  EXPECT_EQ(first.body.at("status"), "RECEIVED");
  EXPECT_GT(first.body.at("jobId").get<std::int64_t>(), 0);
  EXPECT_GT(first.body.at("estimatedDurationSeconds").get<std::int64_t>(), 0);

  auto again =
      call("POST", "/api/v2/listings/media/uploads/complete", body.dump(), photographer_token());
  ASSERT_EQ(again.raw.status, 200) << again.raw.body;
  EXPECT_EQ(again.body.at("jobId"), first.body.at("jobId"));
}

// A PUT the store fails on (its temp directory replaced by a file: ENOTDIR, even as root) is a
// 500 whose "request failed" line carries the request's id and the traceparent it sent, like
// every other line of that request.
TEST_F(UploadsHttpTest, StoreFailureIsLoggedWithTheRequestsIdAndTraceparent) {
  register_listing(109);
  const std::vector<DeclaredFile> files = {{"f-1", test_bytes(1000, 'a'), 1}};
  auto created = create(109, files, photographer_token());
  ASSERT_EQ(created.raw.status, 201) << created.raw.body;
  const auto& upload = created.body.at("files")[0].at("upload");
  const auto tmp = server().data_dir() / "objects" / ".tmp";
  std::filesystem::remove_all(tmp);
  std::ofstream{tmp} << "not a directory";
  constexpr const char* kTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  HttpCall c;
  c.method = upload.at("method");
  c.url = upload.at("url");
  for (const auto& [name, value] : upload.at("headers").items()) {
    c.headers.emplace_back(name, value.get<std::string>());
  }
  c.headers.emplace_back("traceparent", kTrace);
  c.body = files[0].data;
  const auto r = http(c);
  std::filesystem::remove(tmp);
  std::filesystem::create_directory(tmp);
  EXPECT_GE(r.status, 500) << r.body;
  const std::string id = r.header("x-request-id");
  ASSERT_FALSE(id.empty());
  const auto failed = server().find_log("request failed", "request_id", id);
  ASSERT_TRUE(failed.has_value()) << server().log_text();
  EXPECT_EQ(failed->value("traceparent", ""), kTrace) << failed->dump();
  const auto access = server().await_log("request", "request_id", id);
  ASSERT_TRUE(access.has_value());
  EXPECT_EQ(access->value("traceparent", ""), kTrace) << access->dump();
  put_single(upload, files[0].data);  // the store works again
}

TEST_F(UploadsHttpTest, FiftyConcurrentCompletesGetOneJobRow) {
  register_listing(102);
  const DeclaredFile file{"f-1", test_bytes(4096, 'x'), 1};
  auto created = create(102, {file}, photographer_token());
  ASSERT_EQ(created.raw.status, 201) << created.raw.body;
  put_single(created.body.at("files")[0].at("upload"), file.data);
  const std::string body = complete_body(102, created.body.at("batchId")).dump();

  constexpr int kCallers = 50;
  std::vector<Reply> replies(kCallers);
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      replies[static_cast<std::size_t>(i)] =
          call("POST", "/api/v2/listings/media/uploads/complete", body, photographer_token());
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  int created_count = 0;
  std::set<std::int64_t> jobs;
  for (const auto& r : replies) {
    ASSERT_TRUE(r.raw.status == 202 || r.raw.status == 200) << r.raw.status << r.raw.body;
    if (r.raw.status == 202) ++created_count;
    jobs.insert(r.body.at("jobId").get<std::int64_t>());
  }
  EXPECT_EQ(created_count, 1);
  EXPECT_EQ(jobs.size(), 1U);
  // And the database holds exactly one job row for the batch, with a run number of 1.
  auto conn = sqlite::Connection::open({server().data_dir() / "toq-media.db", 5000});
  ASSERT_TRUE(conn.has_value()) << conn.error().message;
  auto rows = (*conn)->prepare("SELECT count(*), max(run) FROM jobs WHERE batch_id = ?1");
  ASSERT_TRUE(rows.has_value()) << rows.error().message;
  rows->bind_all(created.body.at("batchId").get<std::int64_t>());
  ASSERT_TRUE(rows->step().value_or(false));
  EXPECT_EQ(rows->int64(0), 1);
  EXPECT_EQ(rows->int64(1), 1);
}

TEST_F(UploadsHttpTest, CompleteWithAFileNotUploadedIsUploadIncomplete) {
  register_listing(103);
  const std::vector<DeclaredFile> files = {{"f-1", test_bytes(100, 'a'), 1},
                                           {"f-2", test_bytes(200, 'b'), 2}};
  auto created = create(103, files, photographer_token());
  ASSERT_EQ(created.raw.status, 201) << created.raw.body;
  put_single(created.body.at("files")[0].at("upload"), files[0].data);
  auto r = call("POST", "/api/v2/listings/media/uploads/complete",
                complete_body(103, created.body.at("batchId")).dump(), photographer_token());
  ASSERT_EQ(r.raw.status, 422) << r.raw.body;
  EXPECT_EQ(r.body.at("code"), "UPLOAD_INCOMPLETE");
  EXPECT_EQ(r.body.at("details").at("missing"), json::array({"f-2"}));
  EXPECT_EQ(r.body.at("details").at("mismatched"), json::array());
}

TEST_F(UploadsHttpTest, InvalidManifestNamesTheField) {
  register_listing(104);
  json m = manifest(104, {{"f-1", "abc", 1}, {"f-2", "def", 2}});
  m["files"][1]["sequence"] = 0;
  auto r = call("POST", "/api/v2/listings/media/uploads", m.dump(), photographer_token());
  ASSERT_EQ(r.raw.status, 400) << r.raw.body;
  EXPECT_EQ(r.body.at("code"), "INVALID_MANIFEST");
  const auto& fields = r.body.at("details").at("fields");
  ASSERT_FALSE(fields.empty());
  EXPECT_EQ(fields[0].at("field"), "files[1].sequence");
  EXPECT_TRUE(fields[0].at("reason").is_string());
  EXPECT_TRUE(fields[0].at("rule").is_string());

  m = manifest(104, {{"f-1", "abc", 1}, {"f-2", "def", 2}, {"f-3", "ghi", 3}});
  m["files"][2]["bytes"] = "3";
  auto typed = call("POST", "/api/v2/listings/media/uploads", m.dump(), photographer_token());
  ASSERT_EQ(typed.raw.status, 400) << typed.raw.body;
  EXPECT_EQ(typed.body.at("code"), "INVALID_MANIFEST");
  EXPECT_EQ(typed.body.at("details").at("fields")[0].at("field"), "files[2].bytes");
  EXPECT_EQ(typed.body.at("details").at("fields")[0].at("reason"), "expected an integer");
}

TEST_F(UploadsHttpTest, ClientRoleMayNotCreateABatch) {
  register_listing(106);
  auto r = create(106, {{"f-1", "abc", 1}}, server().token(99, "client"));
  ASSERT_EQ(r.raw.status, 403) << r.raw.body;
  EXPECT_EQ(r.body.at("code"), "FORBIDDEN");
}

TEST_F(UploadsHttpTest, UnknownListingIsNotFound) {
  auto r = create(999999, {{"f-1", "abc", 1}}, photographer_token());
  ASSERT_EQ(r.raw.status, 404) << r.raw.body;
  EXPECT_EQ(r.body.at("code"), "LISTING_NOT_FOUND");
}

TEST_F(UploadsHttpTest, SecondOpenBatchIsAConflictNamingTheFirst) {
  register_listing(107);
  auto first = create(107, {{"f-1", "abc", 1}}, photographer_token());
  ASSERT_EQ(first.raw.status, 201) << first.raw.body;
  auto second = create(107, {{"f-1", "abc", 1}}, photographer_token());
  ASSERT_EQ(second.raw.status, 409) << second.raw.body;
  EXPECT_EQ(second.body.at("code"), "OPEN_BATCH_EXISTS");
  EXPECT_EQ(second.body.at("details").at("batchId"), first.body.at("batchId"));
}

// The handler reads the access log's ids from the manifest it parsed (the body is not parsed a
// second time for them): the line names the listing whether the create was answered or refused,
// and the batch when one was created.
TEST_F(UploadsHttpTest, AccessLogNamesTheListingOfEveryCreate) {
  register_listing(110);
  const auto access = [&](const Reply& r) {
    auto line = server().await_log("request", "request_id", r.raw.header("x-request-id"));
    EXPECT_TRUE(line.has_value()) << server().log_text();
    return line.value_or(json::object());
  };
  const std::string path = "/api/v2/listings/media/uploads";

  auto created = create(110, {{"f-1", "abc", 1}}, photographer_token());
  ASSERT_EQ(created.raw.status, 201) << created.raw.body;
  auto line = access(created);
  EXPECT_EQ(line.value("listing_id", 0), 110) << line.dump();
  EXPECT_EQ(line.value("batch_id", 0), created.body.at("batchId")) << line.dump();

  auto conflict = create(110, {{"f-1", "abc", 1}}, photographer_token());
  ASSERT_EQ(conflict.raw.status, 409) << conflict.raw.body;
  line = access(conflict);
  EXPECT_EQ(line.value("listing_id", 0), 110) << line.dump();
  EXPECT_FALSE(line.contains("batch_id")) << line.dump();

  json invalid = manifest(110, {{"f-1", "abc", 1}});
  invalid["files"][0]["sequence"] = 0;
  auto refused = call("POST", path, invalid.dump(), photographer_token());
  ASSERT_EQ(refused.raw.status, 400) << refused.raw.body;
  EXPECT_EQ(access(refused).value("listing_id", 0), 110);

  std::vector<DeclaredFile> files;
  for (int i = 1; i <= 101; ++i) files.push_back({"f-" + std::to_string(i), "abc", i});
  auto too_many = create(110, files, photographer_token());
  ASSERT_EQ(too_many.raw.status, 400) << too_many.raw.body;
  EXPECT_EQ(access(too_many).value("listing_id", 0), 110);

  auto not_json = call("POST", path, R"({"listingIdentityId": 110, oops)", photographer_token());
  ASSERT_EQ(not_json.raw.status, 400) << not_json.raw.body;
  EXPECT_FALSE(access(not_json).contains("listing_id"));
}

TEST_F(UploadsHttpTest, ListingNotReadyForUpload) {
  register_listing(108, "PUBLISHED");
  auto r = create(108, {{"f-1", "abc", 1}}, photographer_token());
  ASSERT_EQ(r.raw.status, 409) << r.raw.body;
  EXPECT_EQ(r.body.at("code"), "LISTING_NOT_READY_FOR_UPLOAD");
}

}  // namespace
}  // namespace toq::testing
