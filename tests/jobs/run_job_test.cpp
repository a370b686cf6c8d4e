// The RunJob use case (core/service/run_job.hpp) on the real database (SQLite, or MariaDB when
// TOQ_TEST_DATABASE=mysql: the leases' compare-and-sets under READ COMMITTED), the real embedded
// store and the real media pipeline, with corpus media: a batch goes from RECEIVED to READY (or
// FAILED with per-asset codes), the ZIP is recorded, the listing moves, the outbox gets its event;
// transient faults release the job with backoff, expired leases are taken over, a job started too
// often fails for good, and a retry's job writes under its own prefix and reads raw keys only.

#include "core/service/run_job.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/model/object_keys.hpp"
#include "core/service/complete_upload_batch.hpp"
#include "core/service/create_upload_batch.hpp"
#include "core/service/register_listing.hpp"
#include "core/service/retry_batch.hpp"

#include "adapter/media/pipeline/file_digest.hpp"
#include "adapter/media/pipeline/pipeline.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "support/base64.hpp"
#include "support/hex.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace toq::core {
namespace {

namespace fs = std::filesystem;
using toq::testing::TempDir;

using toq::testing::ManualClock;

template <class T>
T must(Result<T> r, std::string_view what = "") {
  if (!r) {
    throw std::runtime_error(
        fmt::format("{}: {} {}", what, to_string(r.error().code), r.error().message));
  }
  return std::move(*r);
}

Principal as(Role role, std::int64_t id) {
  return Principal{UserId{id}, role};
}

struct CorpusFile {
  std::string name;
  std::string media_type;
};

// The real pipeline, with a hook that runs (once) before the first asset it is given: a worker
// that stalls there.
class StallingProcessor : public MediaProcessor {
 public:
  explicit StallingProcessor(MediaProcessor& inner) : inner_(inner) {}
  Result<AssetWorkResult> process_asset(const AssetWork& work) override {
    if (before_first_asset) std::exchange(before_first_asset, {})();
    return inner_.process_asset(work);
  }
  Result<ArchiveInfo> build_archive(const ArchiveWork& work) override {
    return inner_.build_archive(work);
  }
  std::function<void()> before_first_asset;

 private:
  MediaProcessor& inner_;
};

class RunJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::make_unique<toq::testing::TestDatabase>(dir_.path(), "media.sqlite3");
    db_ = database_->get();
    storage::LocalStoreOptions options;
    options.root = dir_ / "store";
    options.public_base_url = "http://127.0.0.1:9";
    options.credentials = {"test", "secret"};
    options.durable = false;
    store_ = must(storage::LocalObjectStore::open(options, clock_), "store");
    fs::create_directories(dir_ / "work");
    work_link_ = dir_ / "work-link";
    fs::create_directory_symlink(dir_ / "work", work_link_);
    processor_ = std::make_unique<media::PipelineProcessor>(
        media::PipelineContext{.store = store_.get(),
                               .multipart = store_.get(),
                               .work_root = work_link_,
                               .limits = {},
                               .enforce_declared_orientation = true});
  }

  // On `processor` when one is given, else on the fixture's pipeline.
  RunJob runner(std::string worker = "w1", std::int32_t max_attempts = 5,
                MediaProcessor* processor = nullptr) {
    return RunJob(*db_, processor != nullptr ? *processor : *processor_, clock_,
                  RunJobOptions{.worker_id = std::move(worker),
                                .lease = std::chrono::seconds(30),
                                .max_attempts = max_attempts,
                                .backoff = [](std::int32_t) { return std::chrono::seconds(10); },
                                .on_claimed = {},
                                .on_helping = {},
                                .item_poll = std::chrono::milliseconds(20),
                                .stopping = {},
                                .on_work_due = {},
                                .wait = {}});
  }

  // A runner whose rings (on_work_due) and waits (options.wait, which never sleeps here: it runs
  // `on_wait`) go to the test.
  RunJob told_runner(std::string worker, std::function<void()> on_work_due,
                     std::function<void(std::chrono::milliseconds)> on_wait = {}) {
    return RunJob(*db_, *processor_, clock_,
                  RunJobOptions{.worker_id = std::move(worker),
                                .lease = std::chrono::seconds(30),
                                .max_attempts = 5,
                                .backoff = [](std::int32_t) { return std::chrono::seconds(10); },
                                .on_claimed = {},
                                .on_helping = {},
                                .item_poll = std::chrono::seconds(7),
                                .stopping = {},
                                .on_work_due = std::move(on_work_due),
                                .wait = std::move(on_wait)});
  }

  // Registers listing `id`, declares the files, uploads their bytes and completes (with the
  // request's `traceparent`): a QUEUED job.
  CompleteUploadBatchOutput submit(std::int64_t id, const std::vector<CorpusFile>& files,
                                   const std::string& traceparent = "") {
    RegisterListing registrar({*db_, clock_});
    must(registrar.upsert(
             {as(Role::kService, 1), id, 11, 7, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING"}),
         "listing");
    ManifestInput manifest;
    manifest.listing_identity_id = id;
    std::vector<media::FileDigest> digests;
    std::int64_t seq = 0;
    for (const auto& f : files) {
      const auto path = fs::path(TOQ_CORPUS_DIR) / f.name;
      auto d = must(media::sha256_of_file(path), "digest");
      FileDeclarationInput in;
      in.client_id = f.name;
      in.media_type = f.media_type;
      in.filename = f.name;
      in.content_type = f.media_type.starts_with("VIDEO") ? "video/mp4" : "image/jpeg";
      in.bytes = d.bytes;
      in.checksum_sha256 = d.base64;
      in.title = f.name;
      in.sequence = ++seq;
      manifest.files.push_back(in);
      digests.push_back(d);
    }
    CreateUploadBatchOptions options;
    CreateUploadBatch creator({*db_, *store_, *store_, clock_}, options);
    auto created = must(creator.run({as(Role::kPhotographer, 7), manifest}), "create");
    for (std::size_t i = 0; i < files.size(); ++i) {
      auto source = must(media::open_file_source(fs::path(TOQ_CORPUS_DIR) / files[i].name));
      PutOptions put;
      put.content_length = digests[i].bytes;
      put.checksum_sha256 = digests[i].base64;
      must(store_->put(raw_key(created.listing_id, created.batch_id, created.files[i].asset_id),
                       *source, put),
           "upload");
    }
    CompleteUploadBatch completer({*db_, *store_, *store_, clock_});
    return must(
        completer.run({as(Role::kPhotographer, 7), id, created.batch_id.value, {}, traceparent}),
        "complete");
  }

  Batch batch(BatchId id) {
    return *must(db_->transact([&](UnitOfWork& u) { return u.batches().find(id); }));
  }
  std::vector<Job> jobs(BatchId id) {
    return must(db_->transact([&](UnitOfWork& u) { return u.jobs().list_by_batch(id); }));
  }
  std::vector<Asset> assets(BatchId id) {
    return must(db_->transact([&](UnitOfWork& u) { return u.assets().list_by_batch(id); }));
  }
  std::vector<OutboxEvent> outbox() {
    return must(db_->transact([&](UnitOfWork& u) { return u.outbox().due(clock_.now(), 100); }));
  }
  std::string listing_status(std::int64_t id) {
    return (*must(db_->transact([&](UnitOfWork& u) { return u.listings().find(ListingId{id}); })))
        .status;
  }

  TempDir dir_;
  ManualClock clock_{Timestamp{std::chrono::milliseconds{1'780'000'000'000}}};
  std::unique_ptr<toq::testing::TestDatabase> database_;
  Database* db_ = nullptr;
  std::unique_ptr<storage::LocalObjectStore> store_;
  fs::path work_link_;
  std::unique_ptr<media::PipelineProcessor> processor_;
};

TEST_F(RunJobTest, BatchBecomesReadyWithZipListingMovedAndEvent) {
  auto done = submit(28, {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"},
                          {"jpeg_progressive.jpg", "PHOTO_VERTICAL"},
                          {"video_no_audio.mp4", "VIDEO_HORIZONTAL"}});
  std::vector<AssetId> recorded;
  auto report = must(runner().run_next(
      [&](const Asset&, const AssetWorkResult& r) { recorded.push_back(r.asset); }));
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->end, JobRunReport::End::kSucceeded);
  EXPECT_EQ(report->assets_ready, 3);
  EXPECT_EQ(recorded.size(), 3u);

  EXPECT_EQ(batch(done.batch_id).status, BatchStatus::kReady);
  auto all = jobs(done.batch_id);
  ASSERT_EQ(all.size(), 1u) << "one job per completion";
  const auto& job = all.front();
  EXPECT_EQ(job.status, JobStatus::kSucceeded);
  ASSERT_TRUE(job.started_at.has_value());
  ASSERT_TRUE(job.completed_at.has_value());
  ASSERT_TRUE(job.archive.has_value()) << "a READY batch always has its ZIP";
  EXPECT_EQ(report->archive, job.archive) << "the report names the ZIP it recorded (the log)";
  EXPECT_EQ(job.archive->key, archive_key(ListingId{28}, done.batch_id, job.id));
  auto zip = must(store_->head(job.archive->key));
  ASSERT_TRUE(zip.has_value());
  EXPECT_EQ(zip->size, job.archive->bytes);
  for (const auto& a : assets(done.batch_id)) {
    EXPECT_EQ(a.status, AssetStatus::kReady);
    EXPECT_EQ(a.job_id, job.id);
    auto renditions =
        must(db_->transact([&](UnitOfWork& u) { return u.assets().renditions(a.id, job.id); }));
    EXPECT_FALSE(renditions.empty());
    for (const auto& r : renditions) {
      EXPECT_TRUE(r.key.starts_with(job_output_prefix(ListingId{28}, done.batch_id, job.id)));
      EXPECT_TRUE(must(store_->head(r.key)).has_value()) << r.key;
    }
  }
  EXPECT_EQ(listing_status(28), "PENDING_OWNER_APPROVAL");
  auto events = outbox();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "media.batch.ready");
  EXPECT_EQ(events[0].event_id, fmt::format("msg_job{}_ready", job.id.value));
  EXPECT_NE(events[0].payload.find(R"("listingStatus":"PENDING_OWNER_APPROVAL")"),
            std::string::npos)
      << events[0].payload;
  EXPECT_NE(events[0].payload.find(fmt::format(R"("batchId":{})", done.batch_id.value)),
            std::string::npos);
  // Nothing else is due.
  EXPECT_FALSE(must(runner().run_next()).has_value());
}

// Also: the complete call's traceparent is the job's, the run's report's (the worker's log), the
// libvips failure record's and the webhook event's.
TEST_F(RunJobTest, OneBadFileFailsTheBatchWithItsCodeAndLeavesTheListing) {
  const std::string trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto done = submit(
      29, {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"}, {"jpeg_truncated.jpg", "PHOTO_HORIZONTAL"}},
      trace);
  std::string recorded_trace;
  auto report = must(runner().run_next([&](const Asset&, const AssetWorkResult& r) {
    if (r.failure) recorded_trace = r.failure->traceparent;
  }));
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->traceparent, trace);
  EXPECT_EQ(recorded_trace, trace);
  EXPECT_EQ(report->end, JobRunReport::End::kFailed);
  EXPECT_EQ(report->assets_ready, 1);
  EXPECT_EQ(report->assets_failed, 1);
  EXPECT_EQ(batch(done.batch_id).status, BatchStatus::kFailed);
  auto job = jobs(done.batch_id).front();
  EXPECT_EQ(job.status, JobStatus::kFailed);
  EXPECT_TRUE(job.started_at.has_value());
  EXPECT_EQ(job.error_code, ErrorCode::kCorruptMedia);
  EXPECT_FALSE(job.archive.has_value());
  EXPECT_EQ(job.traceparent, trace);
  for (const auto& a : assets(done.batch_id)) {
    if (a.declared.client_id == "jpeg_truncated.jpg") {
      ASSERT_EQ(a.status, AssetStatus::kFailed);
      ASSERT_TRUE(a.failure.has_value());
      EXPECT_EQ(a.failure->code, ErrorCode::kCorruptMedia);
      EXPECT_FALSE(a.failure->hint.empty());
      EXPECT_EQ(a.failure->traceparent, trace) << "the failure record names the run's trace";
    } else {
      EXPECT_EQ(a.status, AssetStatus::kReady);
    }
  }
  EXPECT_EQ(listing_status(29), "PENDING_PHOTO_PROCESSING");
  auto events = outbox();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "media.batch.failed");
  EXPECT_EQ(events[0].traceparent, trace);
}

TEST_F(RunJobTest, TransientFaultReleasesWithBackoffThenSucceeds) {
  auto done = submit(30, {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"}});
  // The work directory vanishes (a disk fault): an infrastructure error, not the photo's fault.
  fs::remove(work_link_);
  { std::ofstream(work_link_) << "not a directory"; }
  auto first = must(runner().run_next());
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->end, JobRunReport::End::kReleased);
  ASSERT_TRUE(first->error.has_value());
  auto job = jobs(done.batch_id).front();
  EXPECT_EQ(job.status, JobStatus::kQueued);
  EXPECT_EQ(job.attempt, 1);
  EXPECT_EQ(job.available_at, clock_.now() + std::chrono::seconds(10));
  EXPECT_TRUE(job.started_at.has_value()) << "a released job keeps its start time";
  // Not due before its backoff.
  EXPECT_FALSE(must(runner().run_next()).has_value());
  fs::remove(work_link_);
  fs::create_directory_symlink(dir_ / "work", work_link_);
  clock_.advance(std::chrono::seconds(10));
  auto second = must(runner().run_next());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->end, JobRunReport::End::kSucceeded);
  EXPECT_EQ(second->attempt, 2);
  EXPECT_EQ(batch(done.batch_id).status, BatchStatus::kReady);
  EXPECT_EQ(jobs(done.batch_id).size(), 1u);
}

TEST_F(RunJobTest, ExpiredLeaseIsTakenOverAndAlreadyRecordedAssetsAreKept) {
  auto done = submit(
      31, {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"}, {"jpeg_exif_gps.jpg", "PHOTO_HORIZONTAL"}});
  // A worker claimed the job, recorded the first asset and died (its lease never renewed).
  auto claimed = *must(db_->transact([&](UnitOfWork& u) {
    return u.jobs().claim_next("dead", clock_.now() + std::chrono::seconds(30), clock_.now());
  }));
  must(db_->transact([&](UnitOfWork& u) {
    return u.batches().transition(done.batch_id, BatchStatus::kReceived, BatchStatus::kProcessing,
                                  clock_.now());
  }));
  auto first_asset = assets(done.batch_id).front();
  must(db_->transact([&](UnitOfWork& u) {
    return u.assets().mark_processing(first_asset.id, claimed.id, clock_.now());
  }));
  auto outcome = must(processor_->process_asset(
      AssetWork{.listing = ListingId{31},
                .batch = done.batch_id,
                .job = claimed.id,
                .asset = first_asset.id,
                .declared = first_asset.declared,
                .raw_key = raw_key(ListingId{31}, done.batch_id, first_asset.id)}));
  must(db_->transact([&](UnitOfWork& u) {
    return u.assets().mark_ready(first_asset.id, claimed.id, outcome.facts, outcome.renditions,
                                 clock_.now());
  }));
  // While the lease holds, nobody else takes the job.
  EXPECT_FALSE(must(runner("w2").run_next()).has_value());
  clock_.advance(std::chrono::seconds(31));
  std::vector<AssetId> processed;
  auto report = must(runner("w2").run_next(
      [&](const Asset&, const AssetWorkResult& r) { processed.push_back(r.asset); }));
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->end, JobRunReport::End::kSucceeded);
  EXPECT_EQ(report->attempt, 2);
  ASSERT_EQ(processed.size(), 1u) << "the asset the dead worker recorded is not processed again";
  EXPECT_NE(processed.front(), first_asset.id);
  auto all = jobs(done.batch_id);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].started_at, claimed.started_at) << "started_at is the first start";
}

// The clock jumps an hour forward while a worker is between two assets: its lease looks expired,
// a second worker takes the job over and finishes it. The first then ends without recording
// anything more (an error or a lost lease, never a second ending), and the batch is READY once:
// every asset READY, one job SUCCEEDED, one media.batch.ready event.
TEST_F(RunJobTest, ClockJumpingForwardMidRunHandsTheJobOverWithoutASecondEnding) {
  auto done = submit(
      34, {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"}, {"jpeg_exif_gps.jpg", "PHOTO_HORIZONTAL"}});
  std::optional<Result<std::optional<JobRunReport>>> takeover;
  auto first = runner("w1").run_next([&](const Asset&, const AssetWorkResult&) {
    if (takeover) return;
    clock_.advance(std::chrono::hours(1));
    takeover = runner("w2").run_next();
  });
  ASSERT_TRUE(takeover.has_value());
  ASSERT_TRUE(takeover->has_value()) << takeover->error().message;
  ASSERT_TRUE(takeover->value().has_value());
  EXPECT_EQ(takeover->value()->end, JobRunReport::End::kSucceeded);
  if (first) {
    ASSERT_TRUE(first->has_value());
    EXPECT_EQ((*first)->end, JobRunReport::End::kLeaseLost);
  }
  EXPECT_EQ(batch(done.batch_id).status, BatchStatus::kReady);
  const auto all = jobs(done.batch_id);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].status, JobStatus::kSucceeded);
  for (const auto& a : assets(done.batch_id)) EXPECT_EQ(a.status, AssetStatus::kReady);
  const auto events = outbox();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "media.batch.ready");
}

// The clock jumps back an hour while a job runs: the lease only looks longer; nobody else takes
// the job and it ends normally.
TEST_F(RunJobTest, ClockJumpingBackMidRunKeepsTheLeaseAndTheRunEndsNormally) {
  auto done = submit(
      35, {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"}, {"jpeg_exif_gps.jpg", "PHOTO_HORIZONTAL"}});
  std::optional<std::optional<JobRunReport>> other;
  auto report = must(runner("w1").run_next([&](const Asset&, const AssetWorkResult&) {
    if (other) return;
    clock_.advance(-std::chrono::hours(1));
    other = must(runner("w2").run_next());
  }));
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(other->has_value()) << "a job whose lease holds was taken over";
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->end, JobRunReport::End::kSucceeded);
  EXPECT_EQ(batch(done.batch_id).status, BatchStatus::kReady);
}

// A worker is paused in the middle of an asset (a long GC-like stall, a stopped VM) until its
// leases expire; a second worker takes the job and that asset over and finishes the batch. Then
// the first one wakes up, finishes processing the asset and tries to record it: its late write
// is fenced off (the item is no longer its own), it ends with a lost lease, and nothing it did
// changes the outcome: the batch READY once, one job SUCCEEDED, one event, every asset recorded
// once, and every recorded output in the store with the bytes and SHA-256 the database holds
// (the stale worker rewrote the same keys with the same bytes).
TEST_F(RunJobTest, StaleWorkerWakingAfterATakeoverCannotRecordItsLateResult) {
  auto done = submit(
      36, {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"}, {"jpeg_exif_gps.jpg", "PHOTO_HORIZONTAL"}});
  StallingProcessor stalling(*processor_);
  std::optional<Result<std::optional<JobRunReport>>> takeover;
  std::map<AssetId, int> recorded;
  stalling.before_first_asset = [&] {
    clock_.advance(std::chrono::seconds(31));  // past the 30 s leases of the job and of the item
    takeover =
        runner("w2").run_next([&](const Asset& a, const AssetWorkResult&) { ++recorded[a.id]; });
  };
  RunJob stale = runner("w1", 5, &stalling);
  auto report =
      must(stale.run_next([&](const Asset& a, const AssetWorkResult&) { ++recorded[a.id]; }));
  ASSERT_TRUE(takeover.has_value()) << "the first worker never reached an asset";
  ASSERT_TRUE(takeover->has_value()) << takeover->error().message;
  ASSERT_TRUE(takeover->value().has_value());
  EXPECT_EQ(takeover->value()->end, JobRunReport::End::kSucceeded);
  EXPECT_EQ(takeover->value()->attempt, 2);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->end, JobRunReport::End::kLeaseLost);

  EXPECT_EQ(batch(done.batch_id).status, BatchStatus::kReady);
  const auto all = jobs(done.batch_id);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].status, JobStatus::kSucceeded);
  ASSERT_TRUE(all[0].archive.has_value());
  const auto events = outbox();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "media.batch.ready");
  const auto batch_assets = assets(done.batch_id);
  ASSERT_EQ(recorded.size(), batch_assets.size());
  for (const auto& [asset, times] : recorded) EXPECT_EQ(times, 1) << "asset " << asset.value;

  const auto matches_store = [&](const std::string& key, std::int64_t bytes,
                                 const std::string& sha256_hex) {
    auto info = must(store_->head(key), "head");
    ASSERT_TRUE(info.has_value()) << key;
    EXPECT_EQ(info->size, bytes) << key;
    ASSERT_TRUE(info->checksum_sha256.has_value()) << key;
    const auto digest = support::base64_decode(*info->checksum_sha256);
    ASSERT_TRUE(digest.has_value()) << key;
    EXPECT_EQ(support::hex_lower(*digest), sha256_hex) << key;
  };
  for (const auto& a : batch_assets) {
    EXPECT_EQ(a.status, AssetStatus::kReady);
    const auto renditions =
        must(db_->transact([&](UnitOfWork& u) { return u.assets().renditions(a.id, all[0].id); }));
    EXPECT_FALSE(renditions.empty());
    for (const auto& r : renditions) matches_store(r.key, r.bytes, r.sha256_hex);
  }
  matches_store(all[0].archive->key, all[0].archive->bytes, all[0].archive->sha256_hex);
}

TEST_F(RunJobTest, JobStartedTooOftenFailsForGood) {
  auto done = submit(32, {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"}});
  // Two workers died holding it (their leases expired), the first after planning its item.
  const AssetId asset = assets(done.batch_id).front().id;
  for (int i = 0; i < 2; ++i) {
    auto claimed = must(db_->transact([&](UnitOfWork& u) {
      return u.jobs().claim_next("dead", clock_.now() + std::chrono::seconds(5), clock_.now());
    }));
    ASSERT_TRUE(claimed.has_value());
    if (i == 0) {
      must(db_->transact([&](UnitOfWork& u) {
        return u.items().plan(claimed->id, {{asset, false}}, clock_.now());
      }));
    }
    clock_.advance(std::chrono::seconds(6));
  }
  auto report = must(runner("w3", /*max_attempts=*/2).run_next());
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->end, JobRunReport::End::kFailed);
  EXPECT_EQ(batch(done.batch_id).status, BatchStatus::kFailed);
  auto a = assets(done.batch_id).front();
  ASSERT_TRUE(a.failure.has_value());
  EXPECT_EQ(a.failure->code, ErrorCode::kProcessingTimeout);
  auto job = jobs(done.batch_id).front();
  EXPECT_EQ(job.status, JobStatus::kFailed);
  EXPECT_TRUE(job.started_at.has_value() && job.completed_at.has_value());
  // The job ended without its item: the item is closed, so the FAILED batch (which may now be
  // retried or deleted) leaves nothing for a worker to claim.
  auto items = must(db_->transact([&](UnitOfWork& u) { return u.items().list_by_job(job.id); }));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].status, WorkItemStatus::kDone);
  EXPECT_FALSE(must(db_->transact([&](UnitOfWork& u) {
                 return u.items().claim_next("w4", clock_.now() + std::chrono::seconds(30),
                                             clock_.now() + std::chrono::hours(1), std::nullopt);
               })).has_value());
}

// A second worker with no job of its own helps the job another holds: it claims the remaining
// work items (the video first went to the job's worker: heavy items are claimed first), and only
// the job's worker builds the ZIP and ends the job, once every item is done.
TEST_F(RunJobTest, SecondWorkerHelpsWithTheJobsItemsAndOnlyTheJobsWorkerEndsIt) {
  auto done = submit(36, {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"},
                          {"jpeg_progressive.jpg", "PHOTO_VERTICAL"},
                          {"video_no_audio.mp4", "VIDEO_HORIZONTAL"}});
  std::optional<std::optional<JobRunReport>> helped;
  std::vector<std::string> first_kinds;
  auto report = must(runner("w1").run_next([&](const Asset& a, const AssetWorkResult&) {
    first_kinds.push_back(std::string(to_string(a.declared.media_type)));
    if (!helped) helped = must(runner("w2").run_next());
  }));
  ASSERT_TRUE(helped.has_value() && helped->has_value());
  EXPECT_EQ((*helped)->end, JobRunReport::End::kHelped);
  EXPECT_EQ((*helped)->assets_ready, 2) << "the helper took both photos";
  ASSERT_EQ(first_kinds.size(), 1u) << "the job's worker recorded only the video";
  EXPECT_EQ(first_kinds[0], "VIDEO_HORIZONTAL");
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->end, JobRunReport::End::kSucceeded);
  EXPECT_EQ(report->assets_ready, 3);
  const auto all = jobs(done.batch_id);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].status, JobStatus::kSucceeded);
  ASSERT_TRUE(all[0].archive.has_value());
  auto items = must(db_->transact([&](UnitOfWork& u) { return u.items().list_by_job(all[0].id); }));
  ASSERT_EQ(items.size(), 3u);
  std::map<std::string, int> by_owner;
  for (const auto& item : items) {
    EXPECT_EQ(item.status, WorkItemStatus::kDone);
    EXPECT_EQ(item.attempt, 1);
    ++by_owner[item.lease_owner.value_or("")];
  }
  EXPECT_EQ(by_owner["w1"], 1);
  EXPECT_EQ(by_owner["w2"], 2);
  EXPECT_EQ(batch(done.batch_id).status, BatchStatus::kReady);
  ASSERT_EQ(outbox().size(), 1u);
}

// The wake-ups of idle workers (options.on_work_due): the job's worker rings once its plan is
// committed, before its first item; a helper rings once its turn at the job is over (after its
// last item's record); the job's end rings nobody.
TEST_F(RunJobTest, JobsWorkerRingsAfterThePlanAndAHelperAfterItsTurn) {
  auto done = submit(
      39, {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"}, {"jpeg_progressive.jpg", "PHOTO_VERTICAL"}});
  std::vector<std::string> seen;
  RunJob helper = told_runner("w2", [&] { seen.emplace_back("w2 rings"); });
  auto report = must(told_runner("w1", [&] {
                       seen.emplace_back("w1 rings");
                     }).run_next([&](const Asset&, const AssetWorkResult&) {
    seen.emplace_back("w1 recorded");
    if (seen.size() > 2) return;
    auto helped = must(helper.run_next(
        [&](const Asset&, const AssetWorkResult&) { seen.emplace_back("w2 recorded"); }));
    ASSERT_TRUE(helped.has_value());
    EXPECT_EQ(helped->end, JobRunReport::End::kHelped);
  }));
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->end, JobRunReport::End::kSucceeded);
  EXPECT_EQ(seen, (std::vector<std::string>{"w1 rings", "w1 recorded", "w2 recorded", "w2 rings"}));
  EXPECT_EQ(batch(done.batch_id).status, BatchStatus::kReady);
}

// The job's worker waits for an item another worker holds through options.wait, for item_poll at
// most each time: the item's worker died here, and each wait moves the clock on until its lease
// has expired and the job's worker takes the item over.
TEST_F(RunJobTest, JobsWorkerWaitsForAnotherWorkersItemThroughOptionsWait) {
  auto done = submit(
      40, {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"}, {"jpeg_progressive.jpg", "PHOTO_VERTICAL"}});
  std::vector<std::chrono::milliseconds> waits;
  bool stranded = false;
  RunJob runner = told_runner("w1", {}, [&](std::chrono::milliseconds most) {
    waits.push_back(most);
    clock_.advance(std::chrono::seconds(4));
  });
  auto report = must(runner.run_next([&](const Asset&, const AssetWorkResult&) {
    if (std::exchange(stranded, true)) return;
    // Another worker claims the other item for 10 s and dies.
    ASSERT_TRUE(must(db_->transact([&](UnitOfWork& u) {
                  return u.items().claim_next("dead", clock_.now() + std::chrono::seconds(10),
                                              clock_.now(), std::nullopt);
                })).has_value());
  }));
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->end, JobRunReport::End::kSucceeded);
  EXPECT_EQ(report->assets_ready, 2);
  EXPECT_EQ(waits, (std::vector<std::chrono::milliseconds>(3, std::chrono::seconds(7))))
      << "three waits of item_poll: 4, 8 and 12 s after the claim, its lease expired at 10 s";
  EXPECT_EQ(batch(done.batch_id).status, BatchStatus::kReady);
}

// A helper's records and report carry the trace of the job it helps: the second worker records a
// photo libvips cannot decode, and its failure names the job's traceparent like the job's worker's
// would; the worker is told which job it helps (its log lines name it).
TEST_F(RunJobTest, HelperRecordsAFailureWithTheJobsTraceparent) {
  const std::string trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  auto done = submit(
      38, {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"}, {"jpeg_truncated.jpg", "PHOTO_HORIZONTAL"}},
      trace);
  std::optional<Job> helped_job;
  std::optional<JobRunReport> helper_report;
  std::string helper_trace;
  RunJob helper(*db_, *processor_, clock_,
                RunJobOptions{.worker_id = "w2",
                              .lease = std::chrono::seconds(30),
                              .max_attempts = 5,
                              .backoff = [](std::int32_t) { return std::chrono::seconds(10); },
                              .on_claimed = {},
                              .on_helping = [&](const Job& job) { helped_job = job; },
                              .item_poll = std::chrono::milliseconds(20),
                              .stopping = {},
                              .on_work_due = {},
                              .wait = {}});
  bool helper_ran = false;
  auto report = must(runner("w1").run_next([&](const Asset&, const AssetWorkResult&) {
    if (std::exchange(helper_ran, true)) return;
    helper_report = must(helper.run_next([&](const Asset&, const AssetWorkResult& r) {
      if (r.failure) helper_trace = r.failure->traceparent;
    }));
  }));
  ASSERT_TRUE(helper_report.has_value());
  EXPECT_EQ(helper_report->end, JobRunReport::End::kHelped);
  EXPECT_EQ(helper_report->assets_failed, 1) << "the helper took the second photo";
  EXPECT_EQ(helper_report->traceparent, trace);
  ASSERT_TRUE(helped_job.has_value());
  EXPECT_EQ(helped_job->traceparent, trace);
  EXPECT_EQ(helper_trace, trace);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->end, JobRunReport::End::kFailed);
  const auto all = jobs(done.batch_id);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(helped_job->id, all[0].id);
  auto items = must(db_->transact([&](UnitOfWork& u) { return u.items().list_by_job(all[0].id); }));
  for (const auto& a : assets(done.batch_id)) {
    if (a.declared.client_id != "jpeg_truncated.jpg") continue;
    ASSERT_TRUE(a.failure.has_value());
    EXPECT_EQ(a.failure->code, ErrorCode::kCorruptMedia);
    EXPECT_EQ(a.failure->traceparent, trace) << "the helper's failure record names the trace";
    const auto item = std::find_if(items.begin(), items.end(),
                                   [&](const WorkItem& i) { return i.asset_id == a.id; });
    ASSERT_NE(item, items.end());
    EXPECT_EQ(item->lease_owner.value_or(""), "w2") << "recorded by the helper";
  }
}

// An asset whose work item keeps being claimed and never finished (its workers die) fails for
// good with PROCESSING_TIMEOUT, and the batch fails with it.
TEST_F(RunJobTest, ItemClaimedTooOftenFailsItsAssetForGood) {
  const std::string trace = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01";
  auto done = submit(37, {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"}}, trace);
  auto job = *must(db_->transact([&](UnitOfWork& u) {
    return u.jobs().claim_next("dead", clock_.now() + std::chrono::seconds(5), clock_.now());
  }));
  const auto asset = assets(done.batch_id).front();
  must(db_->transact([&](UnitOfWork& u) {
    return u.items().plan(job.id, {{asset.id, false}}, clock_.now());
  }));
  for (int i = 0; i < 3; ++i) {  // three workers died holding it
    ASSERT_TRUE(must(db_->transact([&](UnitOfWork& u) {
                  return u.items().claim_next("dead", clock_.now() + std::chrono::seconds(5),
                                              clock_.now(), std::nullopt);
                })).has_value());
    clock_.advance(std::chrono::seconds(6));
  }
  auto report = must(runner("w2", /*max_attempts=*/3).run_next());
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->attempt, 2);
  EXPECT_EQ(report->end, JobRunReport::End::kFailed);
  const auto a = assets(done.batch_id).front();
  ASSERT_TRUE(a.failure.has_value());
  EXPECT_EQ(a.failure->code, ErrorCode::kProcessingTimeout);
  EXPECT_EQ(a.failure->traceparent, trace);
  EXPECT_EQ(jobs(done.batch_id).front().error_code, ErrorCode::kProcessingTimeout);
  EXPECT_EQ(batch(done.batch_id).status, BatchStatus::kFailed);
}

TEST_F(RunJobTest, RetryOfAReadyBatchWritesUnderItsOwnPrefixFromRawKeysOnly) {
  auto done = submit(33, {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"}});
  ASSERT_EQ(must(runner().run_next())->end, JobRunReport::End::kSucceeded);
  const auto first = jobs(done.batch_id).front();
  const auto asset_id = assets(done.batch_id).front().id;
  auto first_renditions =
      must(db_->transact([&](UnitOfWork& u) { return u.assets().renditions(asset_id, first.id); }));
  std::map<std::string, std::string> before;
  for (const auto& r : first_renditions) before[r.key] = r.sha256_hex;

  RetryBatch retrier({*db_, clock_});
  auto retried =
      must(retrier.run({as(Role::kPhotographer, 7), 33, done.batch_id.value, {}}), "retry");
  for (const auto& key : retried.input_keys) {
    EXPECT_TRUE(raw_input_key(key, ListingId{33}, done.batch_id).has_value()) << key;
  }
  auto report = must(runner().run_next());
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->end, JobRunReport::End::kSucceeded);
  auto all = jobs(done.batch_id);
  ASSERT_EQ(all.size(), 2u);
  const auto& second = all.back();
  EXPECT_EQ(second.run, 2);
  ASSERT_TRUE(second.archive.has_value());
  EXPECT_TRUE(
      second.archive->key.starts_with(job_output_prefix(ListingId{33}, done.batch_id, second.id)));
  auto second_renditions = must(
      db_->transact([&](UnitOfWork& u) { return u.assets().renditions(asset_id, second.id); }));
  for (const auto& r : second_renditions) {
    EXPECT_TRUE(r.key.starts_with(job_output_prefix(ListingId{33}, done.batch_id, second.id)))
        << r.key;
    EXPECT_EQ(before.count(r.key), 0u) << "the retry overwrote the first job's output " << r.key;
  }
  // The first job's outputs are untouched.
  for (const auto& [key, sha] : before) {
    EXPECT_TRUE(must(store_->head(key)).has_value()) << key;
  }
  EXPECT_EQ(batch(done.batch_id).status, BatchStatus::kReady);
}

}  // namespace
}  // namespace toq::core
