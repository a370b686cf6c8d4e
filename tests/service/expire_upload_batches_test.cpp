// ExpireUploadBatches on the real database and local store: a batch left PENDING_UPLOAD past
// uploads.expireAfterSeconds ends FAILED / UPLOAD_EXPIRED with its uploads gone, the listing takes
// a new batch, a webhook says so; RECEIVED and PROCESSING batches are never touched; racing sweeps
// expire each batch once; the final cleanup finishes what a late upload or a dead process left.

#include "core/service/expire_upload_batches.hpp"

#include <atomic>
#include <barrier>
#include <thread>

#include <fmt/format.h>

#include "core/service/abandon_upload.hpp"

#include "service/abandoned_upload_support.hpp"

namespace toq::testing {
namespace {

using core::AssetStatus;
using core::BatchStatus;
using core::ErrorCode;

constexpr std::chrono::seconds kDay{86400};
constexpr std::chrono::seconds kUrlTtl{3600};

class ExpireUploadBatchesTest : public AbandonedUploadTest {
 protected:
  core::ExpireUploadBatches sweeper() {
    return core::ExpireUploadBatches({*db_, *store_, *store_, clock_},
                                     {.expire_after = kDay, .url_ttl = kUrlTtl, .limit = 100});
  }
};

TEST_F(ExpireUploadBatchesTest, PastExpiryEndsFailedUploadExpiredUploadsGoneNewBatchAccepted) {
  listing(28);
  auto batch = create_mixed(28);
  upload_half(batch);
  ASSERT_TRUE(object_exists(raw(batch, "f-1")));
  ASSERT_TRUE(multipart_open(batch, "v-1"));

  // Not yet: one second short of a day nothing moves.
  clock_.advance(kDay - std::chrono::seconds(1));
  auto early = must(sweeper().run());
  EXPECT_TRUE(early.expired.empty());
  EXPECT_EQ(batch_row(batch.batch_id).status, BatchStatus::kPendingUpload);
  EXPECT_TRUE(object_exists(raw(batch, "f-1")));

  clock_.advance(std::chrono::seconds(1));
  auto report = must(sweeper().run());
  ASSERT_EQ(report.expired.size(), 1u);
  EXPECT_EQ(report.expired[0], batch.batch_id);
  EXPECT_TRUE(report.errors.empty());

  const auto row = batch_row(batch.batch_id);
  EXPECT_EQ(row.status, BatchStatus::kFailed);
  EXPECT_EQ(row.updated_at, clock_.now());
  for (const auto& a : assets_of(batch.batch_id)) {
    EXPECT_EQ(a.status, AssetStatus::kFailed) << a.declared.client_id;
    ASSERT_TRUE(a.failure.has_value());
    EXPECT_EQ(a.failure->code, ErrorCode::kUploadExpired);
    EXPECT_NE(a.failure->message.find("24 h"), std::string::npos) << a.failure->message;
    EXPECT_FALSE(a.failure->hint.empty());
  }
  EXPECT_FALSE(object_exists(raw(batch, "f-1")));
  EXPECT_FALSE(object_exists(raw(batch, "v-1")));
  EXPECT_FALSE(multipart_open(batch, "v-1"));
  for (const auto& a :
       must(status_reader().run({photographer(), 28, batch.batch_id.value})).assets) {
    EXPECT_EQ(a.failure->code, ErrorCode::kUploadExpired);  // as the status route shows it
  }

  auto sent = events();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].type, "media.batch.failed");
  EXPECT_EQ(sent[0].event_id, fmt::format("msg_batch{}_abandoned", batch.batch_id.value));
  EXPECT_EQ(
      sent[0].payload,
      fmt::format(R"({{"type":"media.batch.failed","listingIdentityId":28,"batchId":{},)"
                  R"("jobId":null,"occurredAt":"{}","listingStatus":"PENDING_PHOTO_PROCESSING",)"
                  R"("reason":"UPLOAD_EXPIRED"}})",
                  batch.batch_id.value, core::format_rfc3339(clock_.now())));

  // The listing's slot is free.
  auto next = must(creator().run(
      {photographer(), manifest(28, {file("f-9", "PHOTO_HORIZONTAL", 10 * kKiB, 1)})}));
  EXPECT_NE(next.batch_id, batch.batch_id);
  // And complete on the expired batch says it no longer takes uploads.
  EXPECT_TRUE(fails_with(completer().run(complete_input(batch, {})), ErrorCode::kBatchNotPending));
  // A second run finds nothing more to expire and emits nothing more.
  auto again = must(sweeper().run());
  EXPECT_TRUE(again.expired.empty());
  EXPECT_EQ(events().size(), 1u);
}

TEST_F(ExpireUploadBatchesTest, NeverTouchesReceivedOrProcessingBatches) {
  listing(28);
  listing(29);
  auto busy = processing(28);  // first, so its job is the one claimed
  auto waiting = received(29);
  clock_.advance(kDay * 3);
  auto report = must(sweeper().run());
  EXPECT_TRUE(report.expired.empty());
  EXPECT_TRUE(report.raw_removed.empty());
  EXPECT_TRUE(report.errors.empty());
  EXPECT_EQ(batch_row(busy.batch_id).status, BatchStatus::kProcessing);
  EXPECT_EQ(batch_row(waiting.batch_id).status, BatchStatus::kReceived);
  for (const auto* b : {&busy, &waiting}) {
    for (const auto& a : assets_of(b->batch_id)) EXPECT_FALSE(a.failure.has_value());
    EXPECT_TRUE(object_exists(raw(*b, "f-1")));
    EXPECT_TRUE(object_exists(raw(*b, "v-1")));
  }
  EXPECT_TRUE(events().empty());
}

TEST_F(ExpireUploadBatchesTest, FinalCleanupRemovesALateUploadOnceEveryUrlExpiredAndMarksIt) {
  listing(28);
  auto batch = create_mixed(28);
  clock_.advance(kDay);
  ASSERT_EQ(must(sweeper().run()).expired.size(), 1u);
  // A URL refreshed just before the expiry still works for a while: a PUT lands after the cleanup.
  upload(batch, {"f-1"});
  ASSERT_TRUE(object_exists(raw(batch, "f-1")));
  auto soon = must(sweeper().run());
  EXPECT_TRUE(soon.raw_removed.empty());
  EXPECT_FALSE(batch_row(batch.batch_id).raw_removed_at.has_value());

  clock_.advance(kUrlTtl);
  auto settled = must(sweeper().run());
  ASSERT_EQ(settled.raw_removed.size(), 1u);
  EXPECT_EQ(settled.raw_removed[0], batch.batch_id);
  EXPECT_FALSE(object_exists(raw(batch, "f-1")));
  EXPECT_EQ(batch_row(batch.batch_id).raw_removed_at, clock_.now());
  EXPECT_TRUE(must(sweeper().run()).raw_removed.empty());
}

TEST_F(ExpireUploadBatchesTest, FinalCleanupFinishesAnAbandonmentWhoseCleanupNeverRan) {
  // A process that died right after the commit: the batch FAILED, its uploads still there.
  listing(28);
  auto batch = create_mixed(28);
  upload_half(batch);
  const auto pending = batch_row(batch.batch_id);
  must(tx([&](core::UnitOfWork& u) {
    return core::abandon_upload(u, pending, core::upload_expired_failure(kDay), clock_.now());
  }));
  ASSERT_TRUE(object_exists(raw(batch, "f-1")));
  clock_.advance(kUrlTtl);
  auto report = must(sweeper().run());
  EXPECT_TRUE(report.expired.empty());
  ASSERT_EQ(report.raw_removed.size(), 1u);
  EXPECT_FALSE(object_exists(raw(batch, "f-1")));
  EXPECT_FALSE(multipart_open(batch, "v-1"));
}

TEST_F(ExpireUploadBatchesTest, RacingSweepsExpireEachBatchOnceWithOneEvent) {
  constexpr int kBatches = 3;
  constexpr int kSweepers = 6;
  std::vector<core::CreateUploadBatchOutput> batches;
  for (int i = 0; i < kBatches; ++i) {
    listing(40 + i);
    batches.push_back(create_mixed(40 + i));
    upload_half(batches.back());
  }
  clock_.advance(kDay * 2);
  std::barrier start(kSweepers);
  std::atomic<int> expired{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kSweepers; ++i) {
    threads.emplace_back([&] {
      auto sweep = sweeper();
      start.arrive_and_wait();
      auto report = sweep.run();
      if (!report) {
        ++errors;
        return;
      }
      expired += static_cast<int>(report->expired.size());
      errors += static_cast<int>(report->errors.size());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(expired.load(), kBatches);
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(events().size(), static_cast<std::size_t>(kBatches));
  for (const auto& b : batches) {
    EXPECT_EQ(batch_row(b.batch_id).status, BatchStatus::kFailed);
    EXPECT_FALSE(object_exists(raw(b, "f-1")));
    EXPECT_FALSE(multipart_open(b, "v-1"));
  }
}

TEST_F(ExpireUploadBatchesTest, ACompleteThatWinsKeepsItsBatch) {
  listing(28);
  auto batch = create_mixed(28);
  auto parts = upload(batch);
  clock_.advance(kDay * 2);
  // The photographer completes at the last moment, before the sweep gets to it.
  auto done = must(completer().run(complete_input(batch, parts)));
  EXPECT_TRUE(done.created);
  auto report = must(sweeper().run());
  EXPECT_TRUE(report.expired.empty());
  EXPECT_EQ(batch_row(batch.batch_id).status, BatchStatus::kReceived);
  EXPECT_TRUE(object_exists(raw(batch, "f-1")));
  EXPECT_TRUE(object_exists(raw(batch, "v-1")));
}

}  // namespace
}  // namespace toq::testing
