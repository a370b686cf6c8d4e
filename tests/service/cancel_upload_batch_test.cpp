// CancelUploadBatch on the real database and local store: the photographer cancels an open batch
// (FAILED / UPLOAD_CANCELLED, uploads gone, listing free, one webhook); cancel is idempotent, also
// after an expiry; it never touches a RECEIVED, PROCESSING or processed batch; who may cancel.

#include "core/service/cancel_upload_batch.hpp"

#include <atomic>
#include <barrier>
#include <thread>

#include "core/service/expire_upload_batches.hpp"

#include "service/abandoned_upload_support.hpp"

namespace toq::testing {
namespace {

using core::AssetStatus;
using core::BatchStatus;
using core::ErrorCode;
using core::Role;

class CancelUploadBatchTest : public AbandonedUploadTest {
 protected:
  core::CancelUploadBatch canceller() {
    return core::CancelUploadBatch({*db_, *store_, *store_, clock_});
  }
  core::CancelUploadBatchInput input(const core::CreateUploadBatchOutput& b,
                                     core::Principal caller = photographer()) {
    return {caller, b.listing_id.value, b.batch_id.value};
  }
};

TEST_F(CancelUploadBatchTest, CancelOfAnOpenBatchFailsItRemovesItsUploadsAndFreesTheListing) {
  listing(28);
  auto batch = create_mixed(28);
  upload_half(batch);
  clock_.advance(std::chrono::minutes(3));
  const std::string trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto in = input(batch);
  in.traceparent = trace;
  auto out = must(canceller().run(in));
  EXPECT_TRUE(out.cancelled);
  EXPECT_EQ(out.batch_id, batch.batch_id);
  EXPECT_EQ(out.listing_id.value, 28);
  EXPECT_EQ(out.status, BatchStatus::kFailed);
  EXPECT_FALSE(out.cleanup_error.has_value());

  EXPECT_EQ(batch_row(batch.batch_id).status, BatchStatus::kFailed);
  for (const auto& a : assets_of(batch.batch_id)) {
    EXPECT_EQ(a.status, AssetStatus::kFailed);
    ASSERT_TRUE(a.failure.has_value());
    EXPECT_EQ(a.failure->code, ErrorCode::kUploadCancelled);
    EXPECT_FALSE(a.failure->message.empty());
    EXPECT_FALSE(a.failure->hint.empty());
    EXPECT_EQ(a.failure->traceparent, trace) << "the cancel call's trace";
  }
  ASSERT_EQ(events().size(), 1U);
  EXPECT_EQ(events()[0].traceparent, trace) << "the webhook's traceparent";
  EXPECT_FALSE(object_exists(raw(batch, "f-1")));
  EXPECT_FALSE(multipart_open(batch, "v-1"));
  // The status route shows the code (one of the contract's asset codes, not INTERNAL_ERROR).
  auto status = must(status_reader().run({photographer(), 28, batch.batch_id.value}));
  EXPECT_EQ(status.batch.status, BatchStatus::kFailed);
  EXPECT_EQ(status.progress.failed, 2);
  for (const auto& a : status.assets) EXPECT_EQ(a.failure->code, ErrorCode::kUploadCancelled);
  auto sent = events();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].type, "media.batch.failed");
  EXPECT_NE(sent[0].payload.find(R"("reason":"UPLOAD_CANCELLED")"), std::string::npos);
  EXPECT_NE(sent[0].payload.find(R"("jobId":null)"), std::string::npos);

  auto next = must(creator().run(
      {photographer(), manifest(28, {file("f-9", "PHOTO_HORIZONTAL", 10 * kKiB, 1)})}));
  EXPECT_NE(next.batch_id, batch.batch_id);
}

TEST_F(CancelUploadBatchTest, CancelIsIdempotentAlsoAfterAnExpiry) {
  listing(28);
  listing(29);
  auto batch = create_mixed(28);
  must(canceller().run(input(batch)));
  auto again = must(canceller().run(input(batch)));
  EXPECT_FALSE(again.cancelled);
  EXPECT_EQ(again.status, BatchStatus::kFailed);
  EXPECT_EQ(events().size(), 1u);

  // Expired by the sweep first: cancel answers the same, and the assets keep UPLOAD_EXPIRED.
  auto old = create_mixed(29);
  clock_.advance(std::chrono::hours(25));
  const auto swept = must(core::ExpireUploadBatches({*db_, *store_, *store_, clock_}, {}).run());
  ASSERT_EQ(swept.expired.size(), 1u);
  // No request caused the expiry: it starts a new trace, the failures' and the webhook's.
  ASSERT_EQ(swept.expired_traces.size(), 1u);
  const std::string expiry_trace = swept.expired_traces[0];
  EXPECT_EQ(expiry_trace.size(), 55u) << expiry_trace;
  EXPECT_EQ(events().back().traceparent, expiry_trace);
  auto late = must(canceller().run(input(old)));
  EXPECT_FALSE(late.cancelled);
  EXPECT_EQ(late.status, BatchStatus::kFailed);
  for (const auto& a : assets_of(old.batch_id)) {
    EXPECT_EQ(a.failure->code, ErrorCode::kUploadExpired);
    EXPECT_EQ(a.failure->traceparent, expiry_trace);
  }
  EXPECT_EQ(events().size(), 2u);
}

TEST_F(CancelUploadBatchTest, NeverTouchesReceivedProcessingOrProcessedBatches) {
  for (std::int64_t id : {28, 29, 30}) listing(id);
  auto busy = processing(28);  // first, so its job is the one claimed
  auto waiting = received(29);
  auto done = processed_mixed(30, {.failed_client_ids = {"v-1"}});  // FAILED after processing
  for (const auto* b : {&busy, &waiting, &done}) {
    const auto before = batch_row(b->batch_id);
    auto refused = canceller().run(input(*b));
    ASSERT_TRUE(fails_with(refused, ErrorCode::kBatchNotPending)) << b->batch_id.value;
    EXPECT_EQ(batch_row(b->batch_id), before);
    EXPECT_TRUE(object_exists(raw(*b, "f-1")));
    EXPECT_TRUE(object_exists(raw(*b, "v-1")));
  }
  EXPECT_EQ(batch_row(busy.batch_id).status, BatchStatus::kProcessing);
  EXPECT_EQ(batch_row(waiting.batch_id).status, BatchStatus::kReceived);
  EXPECT_TRUE(events().size() <= 1u);  // only the processed batch's own media.batch.failed
}

TEST_F(CancelUploadBatchTest, OnlyWhoMayUploadTheBatchMayCancelIt) {
  listing(28);
  listing(29);
  auto batch = create_mixed(28);
  EXPECT_TRUE(fails_with(canceller().run(input(batch, as(Role::kPhotographer, 99))),
                         ErrorCode::kForbidden));
  EXPECT_TRUE(
      fails_with(canceller().run(input(batch, as(Role::kOwner, kOwner))), ErrorCode::kForbidden));
  EXPECT_TRUE(
      fails_with(canceller().run(input(batch, as(Role::kClient, 5))), ErrorCode::kForbidden));
  // Another listing's id makes the batch look missing.
  EXPECT_TRUE(fails_with(canceller().run({photographer(), 29, batch.batch_id.value}),
                         ErrorCode::kBatchNotFound));
  EXPECT_EQ(batch_row(batch.batch_id).status, BatchStatus::kPendingUpload);
  EXPECT_TRUE(must(canceller().run(input(batch, as(Role::kAdmin, 1)))).cancelled);
}

TEST_F(CancelUploadBatchTest, ACancelRacingACompleteLeavesOneWinner) {
  listing(28);
  auto batch = create_mixed(28);
  auto parts = upload(batch);
  std::barrier start(2);
  core::Result<core::CancelUploadBatchOutput> cancelled = core::fail(ErrorCode::kInternal, "unset");
  core::Result<core::CompleteUploadBatchOutput> completed =
      core::fail(ErrorCode::kInternal, "unset");
  std::thread a([&] {
    auto c = canceller();
    start.arrive_and_wait();
    cancelled = c.run(input(batch));
  });
  std::thread b([&] {
    auto c = completer();
    start.arrive_and_wait();
    completed = c.run(complete_input(batch, parts));
  });
  a.join();
  b.join();
  const auto status = batch_row(batch.batch_id).status;
  if (status == BatchStatus::kFailed) {
    // The cancel won: complete was refused, nothing of the batch is left in the store.
    ASSERT_TRUE(cancelled.has_value()) << cancelled.error().message;
    EXPECT_TRUE(cancelled->cancelled);
    EXPECT_FALSE(completed.has_value());
    EXPECT_FALSE(object_exists(raw(batch, "f-1")));
    EXPECT_FALSE(object_exists(raw(batch, "v-1")));
  } else {
    // The complete won: the cancel was refused and every upload is intact.
    EXPECT_EQ(status, BatchStatus::kReceived);
    ASSERT_TRUE(completed.has_value()) << completed.error().message;
    EXPECT_TRUE(fails_with(cancelled, ErrorCode::kBatchNotPending));
    EXPECT_TRUE(object_exists(raw(batch, "f-1")));
    EXPECT_TRUE(object_exists(raw(batch, "v-1")));
  }
}

}  // namespace
}  // namespace toq::testing
