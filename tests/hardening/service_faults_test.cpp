// Faults under the use cases, injected for real: the S3 object store answering 503, 500 or not at
// all (the S3 adapter against a scripted server on loopback), the database's disk full (SQLite on
// a small tmpfs), and the clock jumping back and forth under presigned URLs. Each ends in a clean
// error or a retry, and the database and the store stay consistent: a failed create leaves its
// batch FAILED and the listing free, a refused write leaves nothing behind, and the same request
// succeeds once the fault is gone.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapter/aws/s3_object_store.hpp"
#include "adapter/sqlite/sqlite_database.hpp"
#include "adapter/storage/storage_request_handler.hpp"
#include "service/service_fixture.hpp"
#include "support/http/curl_http_client.hpp"
#include "support/scripted_http_server.hpp"
#include "support/small_disk.hpp"

namespace toq::testing {
namespace {

using namespace std::chrono_literals;
using core::BatchStatus;
using core::ErrorCode;

// ------------------------------------------------------------------------ the S3 store fails

enum class StoreMode : std::uint8_t { kHealthy, kSlowDown, kInternalError, kSilent };

class StoreFaults : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    support::HttpClientOptions http;
    http.request_timeout = 300ms;  // a silent store is given up on quickly
    http.retry.max_attempts = 3;
    http.retry.base_delay = 1ms;
    http.retry.max_delay = 2ms;
    aws::S3StoreOptions options;
    options.bucket = "toq-test";
    options.region = "sa-east-1";
    options.endpoint = server_.base_url();
    options.path_style = true;
    options.credentials = std::make_shared<aws::StaticCredentialsProvider>(
        aws::Credentials{"AKIDTEST", "test-secret", std::nullopt});
    s3_ = must(aws::S3ObjectStore::create(options, std::make_shared<support::CurlHttpClient>(http),
                                          clock_),
               "s3 store");
  }

  core::CreateUploadBatch s3_creator() {
    return core::CreateUploadBatch({*db_, *s3_, *s3_, clock_}, upload_options());
  }

  // What S3 would answer, or the fault of the moment. Only CreateMultipartUpload reaches the
  // store in a create (single PUT URLs are signed offline).
  ScriptedResponse answer(const ReceivedRequest& r) {
    ++calls_;
    switch (mode_.load()) {
      case StoreMode::kSlowDown: return {.status = 503, .body = s3_error("SlowDown")};
      case StoreMode::kInternalError: return {.status = 500, .body = s3_error("InternalError")};
      case StoreMode::kSilent: return {.stall = true};
      case StoreMode::kHealthy: break;
    }
    if (r.method != "POST" || r.query().find("uploads") == std::string::npos)
      return {.status = 501};
    const auto key = r.path().substr(std::string{"/toq-test/"}.size());
    return {.status = 200,
            .body = fmt::format(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><InitiateMultipartUploadResult>"
                "<Bucket>toq-test</Bucket><Key>{}</Key><UploadId>up-{}</UploadId>"
                "</InitiateMultipartUploadResult>",
                key, calls_.load())};
  }

  static std::string s3_error(std::string_view code) {
    return fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{}</Code>"
        "<Message>injected</Message><RequestId>R1</RequestId></Error>",
        code);
  }

  std::vector<core::Batch> batches(std::int64_t listing_id) {
    return must(tx([&](core::UnitOfWork& u) {
      return u.batches().list_by_listing(core::ListingId{listing_id});
    }));
  }

  std::atomic<StoreMode> mode_{StoreMode::kHealthy};
  std::atomic<int> calls_{0};
  ScriptedHttpServer server_{[this](const ReceivedRequest& r) { return answer(r); }};
  std::unique_ptr<aws::S3ObjectStore> s3_;
};

TEST_F(StoreFaults, CreateMeetingA503A500OrASilentStoreFailsCleanlyAndFreesTheListing) {
  listing(28);
  const auto files = [&] {
    return manifest(28, {file("f-1", "PHOTO_HORIZONTAL", 20 * kKiB, 1),
                         file("v-1", "VIDEO_VERTICAL", 200 * kKiB, 1)});
  };
  std::size_t failed = 0;
  for (const StoreMode mode :
       {StoreMode::kSlowDown, StoreMode::kInternalError, StoreMode::kSilent}) {
    mode_ = mode;
    const int before = calls_.load();
    auto r = s3_creator().run({photographer(), files()});
    // STORE_UNAVAILABLE: the API answers 503 with Retry-After (error_mapper.hpp).
    ASSERT_TRUE(fails_with(r, ErrorCode::kStoreUnavailable)) << static_cast<int>(mode);
    EXPECT_EQ(calls_.load() - before, 3) << "every attempt of the retry policy was made";
    ++failed;
    // The batch is FAILED, not left open: the listing takes a new batch.
    auto all = batches(28);
    ASSERT_EQ(all.size(), failed);
    EXPECT_EQ(all.back().status, BatchStatus::kFailed);
    EXPECT_FALSE(must(tx([&](core::UnitOfWork& u) {
                   return u.batches().find_open(core::ListingId{28});
                 })).has_value());
    auto assets =
        must(tx([&](core::UnitOfWork& u) { return u.assets().list_by_batch(all.back().id); }));
    for (const auto& a : assets) EXPECT_FALSE(a.multipart_upload_id.has_value());
  }
  // The store is back: the same create succeeds and records the upload id S3 gave.
  mode_ = StoreMode::kHealthy;
  auto ok = must(s3_creator().run({photographer(), files()}));
  ASSERT_TRUE(ok.files[1].multipart.has_value());
  auto assets =
      must(tx([&](core::UnitOfWork& u) { return u.assets().list_by_batch(ok.batch_id); }));
  ASSERT_EQ(assets.size(), 2U);
  EXPECT_EQ(assets[1].multipart_upload_id, ok.files[1].multipart->upload_id);
  EXPECT_EQ(batches(28).back().status, BatchStatus::kPendingUpload);
}

// ------------------------------------------------------------------ the database's disk fills

class DatabaseDiskFull : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    TOQ_REQUIRE_SMALL_DISK(disk_);
    full_db_ = must(sqlite::SqliteDatabase::open({disk_ / "media.sqlite3", 5000, true}), "db");
  }

  SmallDisk disk_{4 * 1024 * kKiB};
  std::unique_ptr<core::Database> full_db_;
};

TEST_F(DatabaseDiskFull, CreateOnAFullDatabaseDiskIsInsufficientStorageAndLeavesNoBatch) {
  core::RegisterListing registrar({*full_db_, clock_});
  must(registrar.upsert(
           {service(), 28, kOwner, kPhotographer, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING"}),
       "listing");
  core::CreateUploadBatch creator({*full_db_, *store_, *store_, clock_}, upload_options());
  // A manifest of 100 files with long titles: far more pages than the last free bytes hold.
  const auto big_manifest = [&] {
    std::vector<core::FileDeclarationInput> files;
    for (int i = 1; i <= 100; ++i) {
      auto f = file(fmt::format("f-{}", i), "PHOTO_HORIZONTAL", 10 * kKiB, i);
      f.title = std::string(100, static_cast<char>('a' + i % 26));
      files.push_back(std::move(f));
    }
    return manifest(28, std::move(files));
  };
  disk_.fill_leaving(0);
  auto r = creator.run({photographer(), big_manifest()});
  ASSERT_TRUE(fails_with(r, ErrorCode::kInsufficientStorage));
  EXPECT_FALSE(r.error().hint.empty());
  // The transaction rolled back whole: no batch, no asset; the database still reads.
  const auto none = must(full_db_->transact(
      [&](core::UnitOfWork& u) { return u.batches().list_by_listing(core::ListingId{28}); }));
  EXPECT_TRUE(none.empty());
  disk_.free_filler();
  auto ok = must(creator.run({photographer(), big_manifest()}), "create once space is back");
  EXPECT_EQ(ok.files.size(), 100U);
  // A fresh connection sees the same database: nothing was torn.
  full_db_.reset();
  auto reopened = must(sqlite::SqliteDatabase::open({disk_ / "media.sqlite3", 5000, true}));
  const auto after = must(reopened->transact(
      [&](core::UnitOfWork& u) { return u.batches().list_by_listing(core::ListingId{28}); }));
  ASSERT_EQ(after.size(), 1U);
  EXPECT_EQ(after[0].id, ok.batch_id);
}

// ------------------------------------------------------------------------ the clock jumps

class ClockJumps : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    handler_.emplace(*store_, storage::StorageHandlerConfig{});
  }

  storage::StorageResponse put(const core::SingleUpload& upload, const std::vector<std::byte>& b) {
    auto req = storage_request_for(upload.method, upload.url, upload.headers, "127.0.0.1:9");
    req.headers.emplace_back("Content-Length", std::to_string(b.size()));
    support::MemorySource body{std::string{reinterpret_cast<const char*>(b.data()), b.size()}};
    return handler_->handle(req, body);
  }

  core::RefreshUploadUrlsInput refresh_input(const core::CreateUploadBatchOutput& b) {
    return {
        photographer(), b.listing_id.value, b.batch_id.value, std::vector<std::string>{"f-1"}, {}};
  }

  std::optional<storage::StorageRequestHandler> handler_;
};

// A URL signed before the clock jumped back is "from the future" beyond the allowed skew, and
// after a jump forward it has expired: both are refused with S3's error and store nothing; a
// refresh at the new time gives URLs that work, and the batch completes.
TEST_F(ClockJumps, PresignedUrlsAcrossAJumpBackOrForwardAreRefusedCleanlyAndRefreshed) {
  listing(28);
  auto batch = must(creator().run(
      {photographer(), manifest(28, {file("f-1", "PHOTO_HORIZONTAL", 20 * kKiB, 1)})}));
  const auto& bytes = contents_.at("f-1");
  const std::string key = core::raw_key(batch.listing_id, batch.batch_id, batch.files[0].asset_id);

  clock_.advance(-2h);
  auto early = put(*batch.files[0].upload, bytes);
  EXPECT_EQ(early.status, 403) << early.body;
  EXPECT_NE(early.body.find("<Code>"), std::string::npos) << early.body;
  EXPECT_FALSE(must(store_->head(key)).has_value());

  clock_.advance(5h);  // 3 h after signing: the 1 h URL has expired
  auto late = put(*batch.files[0].upload, bytes);
  EXPECT_EQ(late.status, 403) << late.body;
  EXPECT_FALSE(must(store_->head(key)).has_value());
  EXPECT_TRUE(files_under(store_->temp_dir()).empty());

  // The batch is as it was: still pending, nothing uploaded; a refresh signs at the new time.
  auto fresh = must(refresher().run(refresh_input(batch)));
  ASSERT_EQ(fresh.files.size(), 1U);
  EXPECT_FALSE(fresh.files[0].uploaded);
  EXPECT_EQ(fresh.expires_at, clock_.now() + 1h);
  auto ok = put(*fresh.files[0].upload, bytes);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(must(completer().run(complete_input(batch, {}))).created);
}

}  // namespace
}  // namespace toq::testing
