// The use cases over a misbehaving S3 store: the real s3rver behind the fault proxy
// (tests/support/s3_fault_proxy.hpp), the real database, the real media pipeline. Where the store
// fails (verifying the uploads at complete, reading a raw upload, writing a rendition, writing the
// ZIP, the housekeeping deletes) the use case ends in a clean error or releases its job for a
// retry; the database and the store agree afterwards; once the fault has passed the same work
// finishes, exactly once.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/model/object_keys.hpp"
#include "core/service/delete_batch.hpp"
#include "core/service/expire_upload_batches.hpp"
#include "core/service/run_job.hpp"
#include "core/service/sweep_housekeeping.hpp"

#include "adapter/media/pipeline/pipeline.hpp"
#include "hardening/corpus_batch.hpp"
#include "hardening/fault_run_job.hpp"
#include "hardening/s3_fault_support.hpp"
#include "service/service_fixture.hpp"

namespace toq::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using core::BatchStatus;
using core::ErrorCode;
using core::JobStatus;

class S3ServiceFaults : public ServiceTest {
 protected:
  void SetUp() override {
    TOQ_REQUIRE_S3_TARGET();
    ServiceTest::SetUp();
    world_.emplace();
    // Listing ids unique per process: the tests share s3rver's bucket.
    listing_id_ = 100000 + (::getpid() % 100000) * 10;
  }

  aws::S3ObjectStore& s3() { return world_->faulty(); }
  S3FaultProxy& proxy() { return world_->proxy(); }

  core::CreateUploadBatch s3_creator() {
    return core::CreateUploadBatch({*db_, s3(), s3(), clock_}, upload_options());
  }
  core::CompleteUploadBatch s3_completer() {
    return core::CompleteUploadBatch({*db_, s3(), s3(), clock_});
  }

  core::Batch batch(core::BatchId id) {
    return *must(tx([&](core::UnitOfWork& u) { return u.batches().find(id); }));
  }
  std::vector<core::Job> jobs(core::BatchId id) {
    return must(tx([&](core::UnitOfWork& u) { return u.jobs().list_by_batch(id); }));
  }
  std::vector<core::Asset> assets(core::BatchId id) {
    return must(tx([&](core::UnitOfWork& u) { return u.assets().list_by_batch(id); }));
  }
  std::string raw(const core::CreateUploadBatchOutput& b, std::size_t i) {
    return core::raw_key(b.listing_id, b.batch_id, b.files[i].asset_id);
  }

  std::optional<S3FaultWorld> world_;
  std::int64_t listing_id_ = 0;
};

// Complete verifies every upload in the store (HeadObject) and completes the multipart ones
// (CompleteMultipartUpload). A store failing either is STORE_UNAVAILABLE (503 with Retry-After at
// the API): the batch stays PENDING_UPLOAD without a job and the client's same complete succeeds
// once the store answers again, making one job.
TEST_F(S3ServiceFaults, CompleteOverAFailingStoreIsUnavailableThenCompletesOnce) {
  listing(listing_id_);
  auto b = must(s3_creator().run(
      {photographer(), manifest(listing_id_, {file("f-1", "PHOTO_HORIZONTAL", 20 * kKiB, 1),
                                              file("v-1", "VIDEO_VERTICAL", 200 * kKiB, 2)})}));
  ASSERT_TRUE(b.files[1].multipart.has_value());
  auto parts = upload_to(world_->direct(), world_->direct(), b);

  const auto still_pending = [&] {
    EXPECT_EQ(batch(b.batch_id).status, BatchStatus::kPendingUpload);
    EXPECT_TRUE(jobs(b.batch_id).empty());
    for (const auto& a : assets(b.batch_id)) EXPECT_EQ(a.status, core::AssetStatus::kPendingUpload);
  };
  // The photo's HEAD comes first: the video's upload is not touched.
  for (const S3Fault fault : {S3Fault::kInternalError, S3Fault::kSlowDown, S3Fault::kSlow}) {
    proxy().inject(S3Op::kHeadObject, fault);
    auto r = s3_completer().run(complete_input(b, parts));
    proxy().clear();
    ASSERT_TRUE(fails_with(r, ErrorCode::kStoreUnavailable)) << static_cast<int>(fault);
    still_pending();
    EXPECT_FALSE(world_->exists(raw(b, 1))) << "the video's upload is still open";
  }
  // The photo verifies, the video's CompleteMultipartUpload fails.
  for (const S3Fault fault : {S3Fault::kInternalError, S3Fault::kSlowDown}) {
    proxy().inject(S3Op::kCompleteMultipartUpload, fault);
    auto r = s3_completer().run(complete_input(b, parts));
    proxy().clear();
    ASSERT_TRUE(fails_with(r, ErrorCode::kStoreUnavailable)) << static_cast<int>(fault);
    still_pending();
    EXPECT_FALSE(world_->exists(raw(b, 1)));
  }
  // A passing fault on each: retried inside the call, and the batch completes once.
  proxy().inject(S3Op::kHeadObject, S3Fault::kSlowDown, 1);
  proxy().inject(S3Op::kCompleteMultipartUpload, S3Fault::kInternalError, 2);
  auto done = must(s3_completer().run(complete_input(b, parts)), "complete");
  proxy().clear();
  EXPECT_TRUE(done.created);
  EXPECT_EQ(batch(b.batch_id).status, BatchStatus::kReceived);
  ASSERT_EQ(jobs(b.batch_id).size(), 1U);
  EXPECT_EQ(world_->text(raw(b, 1)).size(), static_cast<std::size_t>(200 * kKiB));
  // Said again (the client retried after a lost answer): the same job, no second one.
  auto again = must(s3_completer().run(complete_input(b, parts)), "complete again");
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.job_id, done.job_id);
  EXPECT_EQ(jobs(b.batch_id).size(), 1U);
}

// The expiry sweep removes an abandoned batch's raw uploads (DeleteObjects). A failing store
// leaves the batch FAILED (the slot freed) with its raw uploads unmarked and in the store; the
// sweep after the URLs' lifetime tries again (failing again here), and the next one removes and
// marks them.
TEST_F(S3ServiceFaults, ExpirySweepOverAFailingStoreKeepsTheBatchDueAndFinishesLater) {
  listing(listing_id_ + 1);
  auto b = must(s3_creator().run(
      {photographer(),
       manifest(listing_id_ + 1, {file("f-1", "PHOTO_HORIZONTAL", 20 * kKiB, 1)})}));
  upload_to(world_->direct(), world_->direct(), b);
  ASSERT_TRUE(world_->exists(raw(b, 0)));
  core::ExpireUploadBatchesOptions options{.expire_after = 1h, .url_ttl = 1h, .limit = 10};
  core::ExpireUploadBatches sweep({*db_, s3(), s3(), clock_}, options);
  clock_.advance(3h);

  proxy().inject(S3Op::kDeleteObjects, S3Fault::kSlowDown);
  auto first = must(sweep.run(), "sweep");
  proxy().clear();
  ASSERT_EQ(first.expired.size(), 1U);
  EXPECT_TRUE(first.raw_removed.empty());
  ASSERT_FALSE(first.errors.empty());
  EXPECT_EQ(first.errors.front().code, ErrorCode::kStoreUnavailable);
  EXPECT_EQ(batch(b.batch_id).status, BatchStatus::kFailed);
  EXPECT_FALSE(batch(b.batch_id).raw_removed_at.has_value()) << "not marked: still in the store";
  EXPECT_TRUE(world_->exists(raw(b, 0)));

  // Due again once no upload URL handed out for it can still work (url_ttl after the expiry).
  clock_.advance(2h);
  proxy().inject(S3Op::kDeleteObjects, S3Fault::kInternalError);
  auto second = must(sweep.run(), "sweep");
  proxy().clear();
  EXPECT_TRUE(second.raw_removed.empty());
  EXPECT_FALSE(second.errors.empty());
  EXPECT_FALSE(batch(b.batch_id).raw_removed_at.has_value());
  EXPECT_TRUE(world_->exists(raw(b, 0)));

  auto third = must(sweep.run(), "sweep");
  ASSERT_EQ(third.raw_removed.size(), 1U);
  EXPECT_TRUE(third.errors.empty());
  EXPECT_TRUE(batch(b.batch_id).raw_removed_at.has_value());
  EXPECT_FALSE(world_->exists(raw(b, 0)));
}

// ------------------------------------------------------------- processing over a failing store

class S3ProcessingFaults : public S3ServiceFaults {
 protected:
  void SetUp() override {
    S3ServiceFaults::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    fs::create_directories(dir_ / "work");
    processor_ = std::make_unique<media::PipelineProcessor>(
        media::PipelineContext{.store = &s3(),
                               .multipart = &s3(),
                               .work_root = dir_ / "work",
                               .limits = {},
                               .enforce_declared_orientation = true});
  }

  core::RunJob runner() { return fault_run_job(*db_, *processor_, clock_); }

  // Two corpus photos declared, uploaded to s3rver and completed: a QUEUED job.
  core::CreateUploadBatchOutput submit(std::int64_t id) {
    listing(id);
    const auto m = corpus_manifest(id, two_corpus_photos());
    auto b = must(s3_creator().run({photographer(), m}), "create");
    upload_corpus(world_->direct(), b, m);
    must(s3_completer().run(complete_input(b, {})), "complete");
    return b;
  }

  std::vector<std::string> outputs_in_store(core::BatchId id) {
    std::vector<std::string> keys;
    for (const auto& j : jobs(id)) {
      if (j.archive && world_->exists(j.archive->key)) keys.push_back(j.archive->key);
      for (const auto& a : assets(id)) {
        auto renditions =
            must(tx([&](core::UnitOfWork& u) { return u.assets().renditions(a.id, j.id); }));
        for (const auto& r : renditions) {
          if (world_->exists(r.key)) keys.push_back(r.key);
        }
      }
    }
    return keys;
  }

  std::unique_ptr<media::PipelineProcessor> processor_;
};

// Each store operation processing needs fails in turn for the whole run: the raw read
// (GetObject), the renditions (PutObject), the ZIP's parts and its completion (UploadPart,
// CompleteMultipartUpload). Each run is released with STORE_UNAVAILABLE and a backoff, the batch
// is not READY, no ZIP is recorded or left at its key; the run after the store recovers makes the
// batch READY with every output in s3rver. Then the batch is deleted and the housekeeping sweep's
// deletes fail: nothing is marked until the objects are really gone.
TEST_F(S3ProcessingFaults, EveryFailingStoreStepReleasesTheJobAndTheRecoveredRunIsReady) {
  const std::int64_t id = listing_id_ + 2;
  auto b = submit(id);
  int attempt = 0;
  for (const auto& [op, fault] : std::vector<std::pair<S3Op, S3Fault>>{
           {S3Op::kGetObject, S3Fault::kSlowDown},
           {S3Op::kPutObject, S3Fault::kInternalError},
           {S3Op::kUploadPart, S3Fault::kSlowDown},
           {S3Op::kCompleteMultipartUpload, S3Fault::kInternalError}}) {
    SCOPED_TRACE(std::string{to_string(op)});
    const int faulted = proxy().faulted(op);
    proxy().inject(op, fault);
    auto report = must(runner().run_next(), "run");
    proxy().clear();
    ++attempt;
    ASSERT_TRUE(report.has_value());
    EXPECT_GT(proxy().faulted(op), faulted) << "the run reached that store operation";
    EXPECT_EQ(report->end, core::JobRunReport::End::kReleased);
    ASSERT_TRUE(report->error.has_value());
    EXPECT_EQ(report->error->code, ErrorCode::kStoreUnavailable) << report->error->message;
    auto all = jobs(b.batch_id);
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all[0].status, JobStatus::kQueued);
    EXPECT_EQ(all[0].attempt, attempt);
    EXPECT_EQ(all[0].available_at, clock_.now() + 10s);
    EXPECT_FALSE(all[0].archive.has_value());
    EXPECT_NE(batch(b.batch_id).status, BatchStatus::kReady);
    EXPECT_FALSE(world_->exists(core::archive_key(b.listing_id, b.batch_id, all[0].id)))
        << "no ZIP at its key";
    clock_.advance(10s);
  }

  auto report = must(runner().run_next(), "run");
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->end, core::JobRunReport::End::kSucceeded);
  EXPECT_EQ(batch(b.batch_id).status, BatchStatus::kReady);
  auto job = jobs(b.batch_id).at(0);
  ASSERT_TRUE(job.archive.has_value());
  EXPECT_TRUE(world_->exists(job.archive->key));
  const auto outputs = outputs_in_store(b.batch_id);
  EXPECT_GT(outputs.size(), 2U) << "renditions and the ZIP";
  for (const auto& a : assets(b.batch_id)) EXPECT_EQ(a.status, core::AssetStatus::kReady);

  // The batch deleted; the sweep's DeleteObjects fails, then passes.
  core::DeleteBatch deleter({*db_, clock_});
  must(deleter.run({as(core::Role::kAdmin, 1), id, b.batch_id.value}), "delete");
  clock_.advance(2h);
  core::SweepHousekeeping sweep({*db_, s3(), clock_}, {.delete_grace = 1h,
                                                       .ready_raw_retention = 0s,
                                                       .outbox_retention = 0s,
                                                       .job_retention = 0s,
                                                       .limit = 10});
  proxy().inject(S3Op::kDeleteObjects, S3Fault::kSlowDown);
  auto failed = must(sweep.run(), "sweep");
  proxy().clear();
  EXPECT_TRUE(failed.purged.empty());
  ASSERT_FALSE(failed.errors.empty());
  EXPECT_EQ(failed.errors.front().code, ErrorCode::kStoreUnavailable);
  EXPECT_FALSE(batch(b.batch_id).objects_removed_at.has_value());
  EXPECT_EQ(outputs_in_store(b.batch_id), outputs) << "nothing removed, nothing marked";
  EXPECT_TRUE(world_->exists(raw(b, 0)));

  auto purged = must(sweep.run(), "sweep");
  ASSERT_EQ(purged.purged.size(), 1U);
  EXPECT_TRUE(batch(b.batch_id).objects_removed_at.has_value());
  EXPECT_TRUE(outputs_in_store(b.batch_id).empty());
  EXPECT_FALSE(world_->exists(raw(b, 0)));
  EXPECT_FALSE(world_->exists(raw(b, 1)));
}

}  // namespace
}  // namespace toq::testing
