// The HTTP API of the real `toq-media serve`, driven over HTTP as the platform and the
// photographer's page would: register a listing, create a batch, upload through the presigned
// URLs (single PUT and multipart), complete (202, then 200 with the same job), and the errors.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "adapter/sqlite/connection.hpp"
#include "http/http_client.hpp"
#include "http/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

using nlohmann::json;

constexpr std::int64_t kMiB = 1024 * 1024;
constexpr std::int64_t kPhotographer = 7;
constexpr std::int64_t kOwner = 11;

std::string sha256_base64(const std::string& data) {
  std::array<unsigned char, 32> digest{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha256(), nullptr);
  std::array<unsigned char, 64> out{};
  const int n = EVP_EncodeBlock(out.data(), digest.data(), static_cast<int>(len));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

std::string bytes_of(std::size_t size, char seed) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    s[i] = static_cast<char>(seed + static_cast<char>(i % 251));
  return s;
}

struct Reply {
  HttpResult raw;
  json body;
};

struct DeclaredFile {
  std::string client_id;
  std::string data;
  std::int64_t sequence;
};

// One server for the suite (each test uses its own listing), started on an ephemeral port with a
// lowered multipart threshold: 5 MiB (the part size's minimum), so a 6 MiB photo goes multipart.
class ApiHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ =
        new ServeProcess(*dir_ / "var", {{"TOQ_MEDIA_STORAGE_MULTIPART_THRESHOLD_BYTES", "5MiB"},
                                         {"TOQ_MEDIA_STORAGE_PART_SIZE_BYTES", "5MiB"},
                                         {"TOQ_MEDIA_SERVER_MAX_BODY_BYTES", "256KiB"}});
    service_token_ = new std::string(server_->token(1, "service"));
    photographer_token_ = new std::string(server_->token(kPhotographer, "photographer"));
  }
  static void TearDownTestSuite() {
    delete photographer_token_;
    delete service_token_;
    // A clean stop after all the traffic above (under ASan, also no leak or error report).
    if (const int status = server_->stop(); status != 0) {
      ADD_FAILURE() << "toq-media serve exited with " << status << ":\n" << server_->log_text();
    }
    delete server_;
    delete dir_;
  }

  static Reply call(const std::string& method, const std::string& path,
                    const std::optional<std::string>& body, const std::string& token,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpCall c;
    c.method = method;
    c.url = server_->base_url() + path;
    c.body = body;
    c.headers = std::move(headers);
    if (body) c.headers.emplace_back("Content-Type", "application/json");
    if (!token.empty()) c.headers.emplace_back("Authorization", "Bearer " + token);
    Reply r{recorded_http(c), nullptr};
    if (!r.raw.body.empty()) r.body = json::parse(r.raw.body, nullptr, false);
    return r;
  }

  static void register_listing(std::int64_t id,
                               const std::string& status = "PENDING_PHOTO_PROCESSING") {
    const json body = {{"ownerId", kOwner},
                       {"photographerId", kPhotographer},
                       {"kind", "RESIDENTIAL"},
                       {"status", status}};
    auto r = call("PUT", "/api/v2/internal/listings/" + std::to_string(id), body.dump(),
                  *service_token_);
    ASSERT_EQ(r.raw.status, 200) << r.raw.body;
  }

  static json manifest(std::int64_t listing, const std::vector<DeclaredFile>& files) {
    json out = {{"listingIdentityId", listing}, {"batchReference", "sessao"}};
    out["files"] = json::array();
    for (const auto& f : files) {
      out["files"].push_back({{"clientId", f.client_id},
                              {"mediaType", "PHOTO_HORIZONTAL"},
                              {"filename", f.client_id + ".jpg"},
                              {"contentType", "image/jpeg"},
                              {"bytes", f.data.size()},
                              {"checksumSha256", sha256_base64(f.data)},
                              {"title", "Sala"},
                              {"sequence", f.sequence}});
    }
    return out;
  }

  static Reply create(std::int64_t listing, const std::vector<DeclaredFile>& files,
                      const std::string& token) {
    return call("POST", "/api/v2/listings/media/uploads", manifest(listing, files).dump(), token);
  }

  // Uploads a file through its single-PUT instructions, sending exactly the given headers.
  static void put_single(const json& instructions, const std::string& data) {
    HttpCall c;
    c.method = instructions.at("method");
    c.url = instructions.at("url");
    for (const auto& [name, value] : instructions.at("headers").items()) {
      c.headers.emplace_back(name, value.get<std::string>());
    }
    c.body = data;
    const auto r = recorded_http(c);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  static json complete_body(std::int64_t listing, std::int64_t batch, json files = json::array()) {
    return {{"listingIdentityId", listing}, {"batchId", batch}, {"files", std::move(files)}};
  }

  static inline TempDir* dir_ = nullptr;
  static inline ServeProcess* server_ = nullptr;
  static inline std::string* service_token_ = nullptr;
  static inline std::string* photographer_token_ = nullptr;
};

TEST_F(ApiHttpTest, RegisterAndReadAListing) {
  register_listing(100);
  auto r = call("GET", "/api/v2/internal/listings/100", std::nullopt, *service_token_);
  ASSERT_EQ(r.raw.status, 200) << r.raw.body;
  EXPECT_EQ(r.body.at("listingIdentityId"), 100);
  EXPECT_EQ(r.body.at("ownerId"), kOwner);
  EXPECT_EQ(r.body.at("photographerId"), kPhotographer);
  EXPECT_EQ(r.body.at("kind"), "RESIDENTIAL");
  EXPECT_TRUE(r.body.at("updatedAt").is_string());
  auto missing = call("GET", "/api/v2/internal/listings/424242", std::nullopt, *service_token_);
  EXPECT_EQ(missing.raw.status, 404);
  EXPECT_EQ(missing.body.at("code"), "LISTING_NOT_FOUND");
  auto forbidden = call("GET", "/api/v2/internal/listings/100", std::nullopt, *photographer_token_);
  EXPECT_EQ(forbidden.raw.status, 403);
  EXPECT_EQ(forbidden.body.at("code"), "FORBIDDEN");
}

TEST_F(ApiHttpTest, UploadSingleAndMultipartThenCompleteTwice) {
  register_listing(101);
  const std::vector<DeclaredFile> files = {{"f-1", bytes_of(1000, 'a'), 1},
                                           {"f-2", bytes_of(2000, 'b'), 2},
                                           {"f-3", bytes_of(6 * kMiB, 'c'), 3}};
  auto created = create(101, files, *photographer_token_);
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
      call("POST", "/api/v2/listings/media/uploads/complete", body.dump(), *photographer_token_);
  ASSERT_EQ(first.raw.status, 202) << first.raw.body;
  EXPECT_EQ(first.body.at("batchId"), batch);
  EXPECT_EQ(first.body.at("status"), "RECEIVED");
  EXPECT_GT(first.body.at("jobId").get<std::int64_t>(), 0);
  EXPECT_GT(first.body.at("estimatedDurationSeconds").get<std::int64_t>(), 0);

  auto again =
      call("POST", "/api/v2/listings/media/uploads/complete", body.dump(), *photographer_token_);
  ASSERT_EQ(again.raw.status, 200) << again.raw.body;
  EXPECT_EQ(again.body.at("jobId"), first.body.at("jobId"));
}

TEST_F(ApiHttpTest, FiftyConcurrentCompletesGetOneJobRow) {
  register_listing(102);
  const DeclaredFile file{"f-1", bytes_of(4096, 'x'), 1};
  auto created = create(102, {file}, *photographer_token_);
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
          call("POST", "/api/v2/listings/media/uploads/complete", body, *photographer_token_);
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
  auto conn = sqlite::Connection::open({server_->data_dir() / "toq-media.db", 5000});
  ASSERT_TRUE(conn.has_value()) << conn.error().message;
  auto rows = (*conn)->prepare("SELECT count(*), max(run) FROM jobs WHERE batch_id = ?1");
  ASSERT_TRUE(rows.has_value()) << rows.error().message;
  rows->bind_all(created.body.at("batchId").get<std::int64_t>());
  ASSERT_TRUE(rows->step().value_or(false));
  EXPECT_EQ(rows->int64(0), 1);
  EXPECT_EQ(rows->int64(1), 1);
}

TEST_F(ApiHttpTest, CompleteWithAFileNotUploadedIsUploadIncomplete) {
  register_listing(103);
  const std::vector<DeclaredFile> files = {{"f-1", bytes_of(100, 'a'), 1},
                                           {"f-2", bytes_of(200, 'b'), 2}};
  auto created = create(103, files, *photographer_token_);
  ASSERT_EQ(created.raw.status, 201) << created.raw.body;
  put_single(created.body.at("files")[0].at("upload"), files[0].data);
  auto r = call("POST", "/api/v2/listings/media/uploads/complete",
                complete_body(103, created.body.at("batchId")).dump(), *photographer_token_);
  ASSERT_EQ(r.raw.status, 422) << r.raw.body;
  EXPECT_EQ(r.body.at("code"), "UPLOAD_INCOMPLETE");
  EXPECT_EQ(r.body.at("details").at("missing"), json::array({"f-2"}));
  EXPECT_EQ(r.body.at("details").at("mismatched"), json::array());
}

TEST_F(ApiHttpTest, InvalidManifestNamesTheField) {
  register_listing(104);
  json m = manifest(104, {{"f-1", "abc", 1}, {"f-2", "def", 2}});
  m["files"][1]["sequence"] = 0;
  auto r = call("POST", "/api/v2/listings/media/uploads", m.dump(), *photographer_token_);
  ASSERT_EQ(r.raw.status, 400) << r.raw.body;
  EXPECT_EQ(r.body.at("code"), "INVALID_MANIFEST");
  const auto& fields = r.body.at("details").at("fields");
  ASSERT_FALSE(fields.empty());
  EXPECT_EQ(fields[0].at("field"), "files[1].sequence");
  EXPECT_TRUE(fields[0].at("reason").is_string());
  EXPECT_TRUE(fields[0].at("rule").is_string());

  m = manifest(104, {{"f-1", "abc", 1}, {"f-2", "def", 2}, {"f-3", "ghi", 3}});
  m["files"][2]["bytes"] = "3";
  auto typed = call("POST", "/api/v2/listings/media/uploads", m.dump(), *photographer_token_);
  ASSERT_EQ(typed.raw.status, 400) << typed.raw.body;
  EXPECT_EQ(typed.body.at("code"), "INVALID_MANIFEST");
  EXPECT_EQ(typed.body.at("details").at("fields")[0].at("field"), "files[2].bytes");
  EXPECT_EQ(typed.body.at("details").at("fields")[0].at("reason"), "expected an integer");
}

TEST_F(ApiHttpTest, MissingOrBadTokenIsUnauthenticated) {
  const std::string body = manifest(105, {{"f-1", "abc", 1}}).dump();
  for (const std::string& token :
       {std::string{}, std::string{"not.a.jwt"}, *photographer_token_ + "x"}) {
    auto r = call("POST", "/api/v2/listings/media/uploads", body, token);
    EXPECT_EQ(r.raw.status, 401) << r.raw.body;
    EXPECT_EQ(r.body.at("code"), "UNAUTHENTICATED");
    EXPECT_EQ(r.raw.header("www-authenticate"), "Bearer");
  }
  auto listing = call("GET", "/api/v2/internal/listings/105", std::nullopt, "");
  EXPECT_EQ(listing.raw.status, 401);
}

TEST_F(ApiHttpTest, ClientRoleMayNotCreateABatch) {
  register_listing(106);
  auto r = create(106, {{"f-1", "abc", 1}}, server_->token(99, "client"));
  ASSERT_EQ(r.raw.status, 403) << r.raw.body;
  EXPECT_EQ(r.body.at("code"), "FORBIDDEN");
}

TEST_F(ApiHttpTest, UnknownListingIsNotFound) {
  auto r = create(999999, {{"f-1", "abc", 1}}, *photographer_token_);
  ASSERT_EQ(r.raw.status, 404) << r.raw.body;
  EXPECT_EQ(r.body.at("code"), "LISTING_NOT_FOUND");
}

TEST_F(ApiHttpTest, SecondOpenBatchIsAConflictNamingTheFirst) {
  register_listing(107);
  auto first = create(107, {{"f-1", "abc", 1}}, *photographer_token_);
  ASSERT_EQ(first.raw.status, 201) << first.raw.body;
  auto second = create(107, {{"f-1", "abc", 1}}, *photographer_token_);
  ASSERT_EQ(second.raw.status, 409) << second.raw.body;
  EXPECT_EQ(second.body.at("code"), "OPEN_BATCH_EXISTS");
  EXPECT_EQ(second.body.at("details").at("batchId"), first.body.at("batchId"));
}

TEST_F(ApiHttpTest, ListingNotReadyForUpload) {
  register_listing(108, "PUBLISHED");
  auto r = create(108, {{"f-1", "abc", 1}}, *photographer_token_);
  ASSERT_EQ(r.raw.status, 409) << r.raw.body;
  EXPECT_EQ(r.body.at("code"), "LISTING_NOT_READY_FOR_UPLOAD");
}

TEST_F(ApiHttpTest, RequestIdIsEchoedOrGeneratedAndLogged) {
  auto echoed = call("GET", "/healthz", std::nullopt, "", {{"X-Request-Id", "req-42.a:b_c"}});
  EXPECT_EQ(echoed.raw.status, 200);
  EXPECT_EQ(echoed.raw.header("x-request-id"), "req-42.a:b_c");
  auto insane = call("GET", "/healthz", std::nullopt, "", {{"X-Request-Id", "bad id<script>"}});
  const std::string generated = insane.raw.header("x-request-id");
  EXPECT_EQ(generated.size(), 32U);
  EXPECT_NE(generated, "bad id<script>");
  auto error =
      call("GET", "/api/v2/internal/listings/1", std::nullopt, "", {{"X-Request-Id", "err-1"}});
  EXPECT_EQ(error.raw.header("x-request-id"), "err-1");
  auto line = server_->find_log("request", "request_id", "req-42.a:b_c");
  ASSERT_TRUE(line) << server_->log_text();
  EXPECT_EQ(line->at("method"), "GET");
  EXPECT_EQ(line->at("path"), "/healthz");
  EXPECT_EQ(line->at("status"), 200);
  EXPECT_TRUE(line->at("duration_ms").is_number());
}

TEST_F(ApiHttpTest, MalformedJsonWrongShapesAndHugeBodies) {
  for (const std::string body : {"{", "[]", "{\"listingIdentityId\": 1,}", "null"}) {
    auto r = call("POST", "/api/v2/listings/media/uploads", body, *photographer_token_);
    EXPECT_EQ(r.raw.status, 400) << body << r.raw.body;
    EXPECT_EQ(r.body.at("code"), "INVALID_REQUEST") << body;
    EXPECT_TRUE(r.body.at("message").is_string());
  }
  auto huge = call("POST", "/api/v2/listings/media/uploads", std::string(300 * 1024, ' '),
                   *photographer_token_);
  EXPECT_EQ(huge.raw.status, 413) << huge.raw.body;
  EXPECT_EQ(huge.body.at("code"), "PAYLOAD_TOO_LARGE");
  auto bad_id = call("GET", "/api/v2/internal/listings/abc", std::nullopt, *service_token_);
  EXPECT_EQ(bad_id.raw.status, 400);
  auto unknown = call("GET", "/api/v2/nothing", std::nullopt, "");
  EXPECT_EQ(unknown.raw.status, 404);
  EXPECT_EQ(unknown.body.at("code"), "NOT_FOUND");
}

TEST_F(ApiHttpTest, HealthAndReadiness) {
  auto health = call("GET", "/healthz", std::nullopt, "");
  EXPECT_EQ(health.raw.status, 200);
  auto ready = call("GET", "/readyz", std::nullopt, "");
  ASSERT_EQ(ready.raw.status, 200) << ready.raw.body;
  EXPECT_EQ(ready.body.at("checks").at("database"), "ok");
  EXPECT_EQ(ready.body.at("checks").at("store"), "ok");
}

// Also the worker processes: serve starts processing.workers of them and stops every one.
TEST(ServeProcessTest, SigtermAndSigintStopCleanly) {
  for (const int sig : {SIGTERM, SIGINT}) {
    TempDir dir;
    ServeProcess server{dir / "var", {{"TOQ_MEDIA_PROCESSING_WORKERS", "2"}}};
    HttpCall c;
    c.url = server.base_url() + "/healthz";
    EXPECT_EQ(recorded_http(c).status, 200);
    const auto line = server.find_log("listening");
    ASSERT_TRUE(line);
    EXPECT_EQ(line->at("workers"), 2);
    const std::string data_dir = (dir / "var").string();
    const auto workers_running = [&] {
      // "[t]" keeps the shell running pgrep (whose command line holds the pattern) out.
      return run_capture("pgrep -f " + shell_quote("[t]oq-media worker --data-dir " + data_dir),
                         Stderr::kDiscard)
          .output;
    };
    for (int i = 0; i < 100 && workers_running().empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_FALSE(workers_running().empty()) << "no worker process started";
    EXPECT_EQ(server.stop(sig), 0) << server.log_text();
    EXPECT_TRUE(server.find_log("stopped")) << server.log_text();
    EXPECT_EQ(workers_running(), "") << "worker processes outlived serve";
  }
}

// SIGTERM while an upload is still sending its body: the request in flight finishes (200, the
// object stored) and the process then exits 0.
TEST(ServeProcessTest, SigtermLetsAnUploadInFlightFinish) {
  TempDir dir;
  ServeProcess server{dir / "var", {}};
  const auto service = server.token(1, "service");
  const auto photographer = server.token(kPhotographer, "photographer");
  const auto json_call = [&](const std::string& path, const json& body, const std::string& token,
                             const std::string& method = "POST") {
    HttpCall c;
    c.method = method;
    c.url = server.base_url() + path;
    c.body = body.dump();
    c.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}};
    auto r = recorded_http(c);
    return std::make_pair(r.status, json::parse(r.body, nullptr, false));
  };
  auto listing = json_call("/api/v2/internal/listings/200",
                           {{"ownerId", kOwner},
                            {"photographerId", kPhotographer},
                            {"kind", "RESIDENTIAL"},
                            {"status", "PENDING_PHOTO_PROCESSING"}},
                           service, "PUT");
  ASSERT_EQ(listing.first, 200);
  const std::string data = bytes_of(static_cast<std::size_t>(4 * kMiB), 'z');
  auto created = json_call("/api/v2/listings/media/uploads",
                           {{"listingIdentityId", 200},
                            {"files",
                             {{{"clientId", "f-1"},
                               {"mediaType", "PHOTO_HORIZONTAL"},
                               {"filename", "a.jpg"},
                               {"contentType", "image/jpeg"},
                               {"bytes", data.size()},
                               {"checksumSha256", sha256_base64(data)},
                               {"sequence", 1}}}}},
                           photographer);
  ASSERT_EQ(created.first, 201) << created.second;
  const auto& upload = created.second.at("files")[0].at("upload");

  HttpCall put;
  put.method = "PUT";
  put.url = upload.at("url");
  for (const auto& [name, value] : upload.at("headers").items()) {
    put.headers.emplace_back(name, value.get<std::string>());
  }
  std::size_t sent = 0;
  std::atomic<bool> half_sent{false};
  put.reader_length = static_cast<curl_off_t>(data.size());
  put.reader = [&](char* buffer, std::size_t size) -> std::size_t {
    if (sent >= data.size() / 2 && !half_sent) {
      half_sent = true;
      std::this_thread::sleep_for(std::chrono::milliseconds{500});  // SIGTERM arrives meanwhile
    }
    const std::size_t n = std::min({size, data.size() - sent, std::size_t{64 * 1024}});
    std::copy_n(data.data() + sent, n, buffer);
    sent += n;
    return n;
  };
  HttpResult result;
  std::thread uploader([&] { result = recorded_http(put); });
  while (!half_sent) std::this_thread::sleep_for(std::chrono::milliseconds{5});
  const int exit_status = server.stop(SIGTERM);
  uploader.join();
  EXPECT_EQ(result.status, 200) << result.body;
  EXPECT_EQ(sent, data.size());
  EXPECT_EQ(exit_status, 0) << server.log_text();
}

}  // namespace
}  // namespace toq::testing
