// Disks failing with EIO under the use cases: the SQLite database's file, or the embedded store's
// directory, through the EIO shim linked into this binary (tests/support/eio_shim.cpp; real
// write/pwrite/fsync calls fail, so SQLite's and the store's own error paths run). During a
// complete, a job's claim, a job's finish, a rendition write and the ZIP write, each ends in a
// clean error or a released job, nothing is lost or recorded twice, and the same work succeeds
// once the disk answers again.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/service/complete_upload_batch.hpp"
#include "core/service/create_upload_batch.hpp"
#include "core/service/register_listing.hpp"
#include "core/service/run_job.hpp"

#include "adapter/media/pipeline/pipeline.hpp"
#include "adapter/sqlite/sqlite_database.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "hardening/corpus_batch.hpp"
#include "hardening/fault_run_job.hpp"
#include "hardening/store_handler_fixture.hpp"
#include "storage/http_client.hpp"
#include "storage/storage_test_support.hpp"
#include "support/eio_fault.hpp"
#include "support/io/byte_sources.hpp"
#include "support/manual_clock.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

extern "C" long toq_eio_shim_calls_failed();

namespace toq::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using core::BatchStatus;
using core::ErrorCode;
using core::JobRunReport;
using core::JobStatus;

class IoErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TOQ_EIO_ARM_FILE", fault_.arm_file().c_str(), 1);
    fs::create_directories(dir_ / "db");
    db_ = must(sqlite::SqliteDatabase::open({dir_ / "db" / "media.sqlite3", 5000, true}), "db");
    storage::LocalStoreOptions options;
    options.root = dir_ / "store";
    options.public_base_url = "http://127.0.0.1:9";
    options.credentials = {"test", "secret"};
    store_ = must(storage::LocalObjectStore::open(options, clock_), "store");
    fs::create_directories(dir_ / "work");
    processor_ = std::make_unique<media::PipelineProcessor>(
        media::PipelineContext{.store = store_.get(),
                               .multipart = store_.get(),
                               .work_root = dir_ / "work",
                               .limits = {},
                               .enforce_declared_orientation = true});
  }

  void TearDown() override {
    fault_.clear();
    ::unsetenv("TOQ_EIO_ARM_FILE");
  }

  fs::path db_disk() const { return dir_ / "db"; }
  fs::path store_disk() const { return dir_ / "store"; }

  core::RunJob runner() { return fault_run_job(*db_, *processor_, clock_); }

  core::CompleteUploadBatch completer() {
    return core::CompleteUploadBatch({*db_, *store_, *store_, clock_});
  }

  core::Result<core::Listing> register_listing(std::int64_t id) {
    core::RegisterListing registrar({*db_, clock_});
    return registrar.upsert({core::Principal{core::UserId{1}, core::Role::kService}, id, 11, 7,
                             "RESIDENTIAL", "PENDING_PHOTO_PROCESSING"});
  }

  // Two corpus photos declared and uploaded (not completed).
  core::CreateUploadBatchOutput uploaded(std::int64_t id) {
    must(register_listing(id), "listing");
    const auto m = corpus_manifest(id, two_corpus_photos());
    core::CreateUploadBatch creator({*db_, *store_, *store_, clock_}, {});
    auto b = must(creator.run({photographer_, m}), "create");
    upload_corpus(*store_, b, m);
    return b;
  }
  core::CompleteUploadBatchInput complete_input(const core::CreateUploadBatchOutput& b) {
    return {photographer_, b.listing_id.value, b.batch_id.value, {}, {}};
  }
  core::CreateUploadBatchOutput queued(std::int64_t id) {
    auto b = uploaded(id);
    must(completer().run(complete_input(b)), "complete");
    return b;
  }

  core::Batch batch(core::BatchId id) {
    return *must(db_->transact([&](core::UnitOfWork& u) { return u.batches().find(id); }));
  }
  std::vector<core::Job> jobs(core::BatchId id) {
    return must(db_->transact([&](core::UnitOfWork& u) { return u.jobs().list_by_batch(id); }));
  }
  std::vector<core::OutboxEvent> outbox() {
    return must(
        db_->transact([&](core::UnitOfWork& u) { return u.outbox().due(clock_.now(), 100); }));
  }

  // The batch READY with its ZIP in the store, one job, one "ready" event.
  void expect_ready_once(const core::CreateUploadBatchOutput& b) {
    EXPECT_EQ(batch(b.batch_id).status, BatchStatus::kReady);
    auto all = jobs(b.batch_id);
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all[0].status, JobStatus::kSucceeded);
    ASSERT_TRUE(all[0].archive.has_value());
    auto zip = must(store_->head(all[0].archive->key));
    ASSERT_TRUE(zip.has_value());
    EXPECT_EQ(zip->size, all[0].archive->bytes);
    int ready = 0;
    for (const auto& e : outbox()) ready += e.type == "media.batch.ready" ? 1 : 0;
    EXPECT_EQ(ready, 1);
  }

  TempDir dir_;
  EioFault fault_{dir_ / "eio-armed"};
  ManualClock clock_{core::Timestamp{std::chrono::milliseconds{1'780'000'000'000}}};
  core::Principal photographer_{core::UserId{7}, core::Role::kPhotographer};
  std::unique_ptr<core::Database> db_;
  std::unique_ptr<storage::LocalObjectStore> store_;
  std::unique_ptr<media::PipelineProcessor> processor_;
};

// The shim is in this binary and reaches SQLite's own writes (libsqlite3 calls pwrite64).
TEST_F(IoErrors, TheShimFailsTheDatabaseWritesOnlyWhileArmed) {
  const long before = toq_eio_shim_calls_failed();
  fault_.arm(db_disk());
  auto r = register_listing(5);
  fault_.clear();
  EXPECT_FALSE(r.has_value());
  EXPECT_GT(toq_eio_shim_calls_failed(), before);
  EXPECT_TRUE(register_listing(5).has_value()) << "and passes them once cleared";
}

// Complete: its transaction cannot be written. A clean error naming the disk's failure, the batch
// still PENDING_UPLOAD without a job; the same complete succeeds once the disk is back, once.
TEST_F(IoErrors, CompleteOnAFailingDatabaseDiskLosesNothingAndSucceedsAfterwards) {
  auto b = uploaded(40);
  fault_.arm(db_disk());
  auto r = completer().run(complete_input(b));
  fault_.clear();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDatabaseUnavailable) << r.error().message;
  EXPECT_NE(r.error().message.find("I/O error"), std::string::npos) << r.error().message;
  EXPECT_FALSE(r.error().hint.empty());
  EXPECT_EQ(batch(b.batch_id).status, BatchStatus::kPendingUpload);
  EXPECT_TRUE(jobs(b.batch_id).empty());

  // Reads failing too: SQLite may take a page it cannot read for a malformed one (CORRUPT),
  // which stays DATABASE_ERROR (500: real corruption is no transient fault); either way nothing
  // is written and nothing is lost.
  fault_.arm(db_disk(), true);
  auto unreadable = completer().run(complete_input(b));
  fault_.clear();
  ASSERT_FALSE(unreadable.has_value());
  EXPECT_TRUE(unreadable.error().code == ErrorCode::kDatabaseUnavailable ||
              unreadable.error().code == ErrorCode::kDatabaseError)
      << unreadable.error().message;
  EXPECT_EQ(batch(b.batch_id).status, BatchStatus::kPendingUpload);
  EXPECT_TRUE(jobs(b.batch_id).empty());

  auto done = must(completer().run(complete_input(b)), "complete once the disk is back");
  EXPECT_TRUE(done.created);
  EXPECT_EQ(batch(b.batch_id).status, BatchStatus::kReceived);
  EXPECT_EQ(jobs(b.batch_id).size(), 1U);
}

// A worker's claim cannot be written: run_next fails, the job stays QUEUED and unclaimed, and the
// next run_next claims and finishes it.
TEST_F(IoErrors, ClaimOnAFailingDatabaseDiskLeavesTheJobQueued) {
  auto b = queued(41);
  fault_.arm(db_disk());
  auto r = runner().run_next();
  fault_.clear();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDatabaseUnavailable) << r.error().message;
  auto job = jobs(b.batch_id).at(0);
  EXPECT_EQ(job.status, JobStatus::kQueued);
  EXPECT_EQ(job.attempt, 0);
  EXPECT_FALSE(job.started_at.has_value());

  auto report = must(runner().run_next(), "run");
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->end, JobRunReport::End::kSucceeded);
  EXPECT_EQ(report->attempt, 1);
  expect_ready_once(b);
}

// The outputs are made and recorded, then the disk fails when the run ends (the ZIP recorded, the
// batch READY, the event: one transaction). Nothing of that ending is half written: the batch is
// not READY, no event is out; the lease runs out and the next run ends the job, once.
TEST_F(IoErrors, FinishOnAFailingDatabaseDiskIsTakenOverAndEndsOnce) {
  auto b = queued(42);
  int recorded = 0;
  auto r = runner().run_next([&](const core::Asset&, const core::AssetWorkResult&) {
    if (++recorded == 2) fault_.arm(db_disk());  // both assets recorded: only the ending is left
  });
  fault_.clear();
  ASSERT_EQ(recorded, 2);
  if (r.has_value()) {
    ASSERT_TRUE(r->has_value());
    EXPECT_NE((*r)->end, JobRunReport::End::kSucceeded);
  }
  EXPECT_NE(batch(b.batch_id).status, BatchStatus::kReady);
  EXPECT_TRUE(outbox().empty());
  EXPECT_FALSE(jobs(b.batch_id).at(0).archive.has_value());

  clock_.advance(2min);  // past the lease (or the release's backoff)
  auto report = must(runner().run_next(), "run");
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->end, JobRunReport::End::kSucceeded);
  expect_ready_once(b);
}

// The store's disk fails while the renditions are written, then while the ZIP is: an
// infrastructure error each time, so the job is released with a backoff (not the photos' fault:
// no asset FAILED), nothing is left at the ZIP's key, and the run after the disk recovers is READY.
TEST_F(IoErrors, RenditionAndZipWritesOnAFailingStoreDiskReleaseTheJob) {
  auto b = queued(43);
  fault_.arm(store_disk());  // reads still work: the raw uploads are read, the outputs are not
  auto first = must(runner().run_next(), "run");
  fault_.clear();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->end, JobRunReport::End::kReleased);
  ASSERT_TRUE(first->error.has_value());
  EXPECT_NE(first->error->message.find("Input/output error"), std::string::npos)
      << first->error->message;
  EXPECT_EQ(jobs(b.batch_id).at(0).status, JobStatus::kQueued);

  clock_.advance(10s);
  int recorded = 0;
  auto second = must(runner().run_next([&](const core::Asset&, const core::AssetWorkResult&) {
    if (++recorded == 2) fault_.arm(store_disk());  // the ZIP is all that is left
  }));
  fault_.clear();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->end, JobRunReport::End::kReleased);
  auto job = jobs(b.batch_id).at(0);
  EXPECT_EQ(job.status, JobStatus::kQueued);
  EXPECT_FALSE(job.archive.has_value());
  EXPECT_FALSE(must(store_->head(core::archive_key(b.listing_id, b.batch_id, job.id))).has_value());
  EXPECT_NE(batch(b.batch_id).status, BatchStatus::kFailed);

  clock_.advance(10s);
  auto third = must(runner().run_next(), "run");
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->end, JobRunReport::End::kSucceeded);
  expect_ready_once(b);
}

// ------------------------------------------------- the store's own HTTP side on a failing disk

class StoreDiskIoErrors : public StoreHandlerTest {
 protected:
  void SetUp() override {
    ::setenv("TOQ_EIO_ARM_FILE", fault_.arm_file().c_str(), 1);
    open_store(dir_ / "store");
  }
  void TearDown() override {
    fault_.clear();
    ::unsetenv("TOQ_EIO_ARM_FILE");
  }

  TempDir dir_;
  EioFault fault_{dir_ / "eio-armed"};
};

// A PUT whose bytes cannot be written: S3's 500 InternalError (what S3 answers for its own
// failure), one request id in the header, the XML and the report of the cause (EIO, named);
// nothing at the key and nothing in .tmp; the same PUT succeeds once the disk is back.
TEST_F(StoreDiskIoErrors, PutOnAFailingDiskIsInternalErrorWithTheCauseReportedUnderOneId) {
  const std::string key = "listings/1/batches/2/raw/3";
  const std::string data = noise_bytes(300 * 1024, 5);
  fault_.arm(dir_ / "store");
  auto r = put(key, data, "req-eio-1");
  fault_.clear();
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_EQ(xml_element(r.body, "Code"), "InternalError") << r.body;
  EXPECT_EQ(xml_element(r.body, "RequestId"), "req-eio-1");
  EXPECT_EQ(std::string{r.header("x-amz-request-id")}, "req-eio-1");
  ASSERT_EQ(reported_.size(), 1U);
  EXPECT_EQ(reported_[0].request_id, "req-eio-1");
  EXPECT_EQ(reported_[0].cause.code, ErrorCode::kStorageError);
  EXPECT_NE(reported_[0].cause.message.find("Input/output error"), std::string::npos)
      << reported_[0].cause.message;
  EXPECT_NE(reported_[0].what.find(key), std::string::npos);
  EXPECT_FALSE(must(store_->head(key)).has_value());
  expect_no_temp_files();

  auto again = put(key, data, "req-eio-2");
  EXPECT_EQ(again.status, 200) << again.body;
  support::BufferSink sink;
  must(store_->get(key, sink));
  EXPECT_EQ(sink.bytes, data);
}

// A part, then the complete (which writes the assembled object), on a failing disk: clean
// STORAGE_ERRORs naming EIO, the upload and its earlier parts intact, no object, nothing in .tmp;
// the complete succeeds with the right bytes once the disk is back.
TEST_F(StoreDiskIoErrors, MultipartPartAndCompleteOnAFailingDisk) {
  const std::string key = "listings/1/batches/2/raw/4";
  const auto id = must(store_->create_multipart(key, {"video/mp4", std::nullopt, std::nullopt}));
  const std::vector<std::string> data = {noise_bytes(100 * 1024, 1), noise_bytes(50 * 1024, 2)};
  std::vector<core::CompletedPart> parts;
  for (int n = 1; n <= 2; ++n) {
    support::MemorySource body{data[static_cast<std::size_t>(n - 1)]};
    parts.push_back({n, must(store_->upload_part(key, id, n, body, std::nullopt)).etag});
  }
  fault_.arm(dir_ / "store");
  support::MemorySource third{noise_bytes(80 * 1024, 3)};
  auto part = store_->upload_part(key, id, 3, third, std::nullopt);
  auto done = store_->complete_multipart(key, id, parts);
  fault_.clear();
  ASSERT_TRUE(fails_with(part, ErrorCode::kStorageError));
  EXPECT_NE(part.error().message.find("Input/output error"), std::string::npos);
  ASSERT_TRUE(fails_with(done, ErrorCode::kStorageError));
  EXPECT_FALSE(must(store_->head(key)).has_value());
  expect_no_temp_files();
  EXPECT_EQ(must(store_->list_parts(key, id)).size(), 2U);

  must(store_->complete_multipart(key, id, parts), "complete once the disk is back");
  support::BufferSink sink;
  must(store_->get(key, sink));
  EXPECT_EQ(sink.bytes, data[0] + data[1]);
}

}  // namespace
}  // namespace toq::testing
