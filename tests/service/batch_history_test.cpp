// Batch history, soft delete, reprocess and the housekeeping sweep on the real database (SQLite,
// or MariaDB under toq_service_test.mariadb) and the real local store: pages of the history, a
// deleted batch hidden from status/downloads/retry but shown in the history, refusal while a
// batch is open, a new run for READY and FAILED batches, the deleted batch's objects removed once
// after the grace period by two racing sweepers, and retention of delivered webhooks, superseded
// jobs and raw uploads with downloads still working.

#include <barrier>
#include <set>
#include <thread>

#include "core/service/cancel_upload_batch.hpp"
#include "core/service/delete_batch.hpp"
#include "core/service/list_batch_history.hpp"
#include "core/service/reprocess_batch.hpp"
#include "core/service/sweep_housekeeping.hpp"

#include "service/abandoned_upload_support.hpp"

namespace toq::testing {
namespace {

using core::BatchStatus;
using core::ErrorCode;
using core::JobStatus;
using core::Role;

constexpr std::chrono::seconds kDay{86400};

core::Principal admin() {
  return as(Role::kAdmin, 3);
}

class BatchHistoryTest : public AbandonedUploadTest {
 protected:
  core::ListBatchHistory history() { return core::ListBatchHistory({*db_}); }
  core::DeleteBatch deleter() { return core::DeleteBatch({*db_, clock_}); }
  core::SweepHousekeeping sweeper() {
    return core::SweepHousekeeping({*db_, *store_, clock_}, {.delete_grace = kDay,
                                                             .ready_raw_retention = 30 * kDay,
                                                             .outbox_retention = 7 * kDay,
                                                             .job_retention = 60 * kDay,
                                                             .limit = 100});
  }
  core::Batch remove(const core::CreateUploadBatchOutput& b, core::Principal who = admin()) {
    return must(deleter().run({who, b.listing_id.value, b.batch_id.value}), "delete");
  }
  std::vector<core::Job> jobs_of(core::BatchId id) {
    return must(tx([&](core::UnitOfWork& u) { return u.jobs().list_by_batch(id); }));
  }
  // What the pipeline would have written for each job of the batch: every rendition and the ZIP.
  std::vector<std::string> write_outputs(core::BatchId id) {
    std::vector<std::string> keys;
    for (const auto& job : jobs_of(id)) {
      for (const auto& a : assets_of(id)) {
        for (auto& r :
             must(tx([&](core::UnitOfWork& u) { return u.assets().renditions(a.id, job.id); }))) {
          keys.push_back(std::move(r.key));
        }
      }
      if (job.archive) keys.push_back(job.archive->key);
    }
    for (const auto& key : keys) put_object(key);
    return keys;
  }
  void put_object(const std::string& key) {
    const auto bytes = make_bytes(512, 7);
    SpanSource src(bytes);
    core::PutOptions put;
    put.content_length = static_cast<std::int64_t>(bytes.size());
    must(store_->put(key, src, put), "put output");
  }
  std::vector<std::int64_t> page_ids(const core::ListBatchHistoryOutput& page) {
    std::vector<std::int64_t> ids;
    for (const auto& e : page.batches) ids.push_back(e.batch.id.value);
    return ids;
  }
};

TEST_F(BatchHistoryTest, HistoryPagesNewestFirstWithJobsAndADeletedBatchShownAsDeleted) {
  listing(28);
  std::vector<core::CreateUploadBatchOutput> batches;
  for (int i = 0; i < 5; ++i) {
    batches.push_back(processed_mixed(
        28,
        {.failed_client_ids = i == 1 ? std::set<std::string>{"v-1"} : std::set<std::string>{}}));
    clock_.advance(std::chrono::minutes{1});
  }
  remove(batches[2]);
  auto id = [&](int i) { return batches[static_cast<std::size_t>(i)].batch_id.value; };

  auto first = must(history().run({admin(), 28, std::nullopt, 2}));
  EXPECT_EQ(page_ids(first), (std::vector<std::int64_t>{id(4), id(3)}));
  ASSERT_TRUE(first.next_before.has_value());
  EXPECT_EQ(first.next_before->value, id(3));

  // A batch created after the first page was read shifts no later page.
  auto newer = processed_mixed(28);
  auto second = must(history().run({admin(), 28, first.next_before->value, 2}));
  EXPECT_EQ(page_ids(second), (std::vector<std::int64_t>{id(2), id(1)}));
  auto last = must(history().run({admin(), 28, second.next_before->value, 2}));
  EXPECT_EQ(page_ids(last), (std::vector<std::int64_t>{id(0)}));
  EXPECT_FALSE(last.next_before.has_value());
  // Exactly one page: no cursor to a page that would be empty.
  auto all = must(history().run({admin(), 28, std::nullopt, 6}));
  EXPECT_EQ(page_ids(all).front(), newer.batch_id.value);
  EXPECT_FALSE(all.next_before.has_value());

  const auto& deleted = second.batches[0];
  EXPECT_TRUE(deleted.batch.deleted_at.has_value());
  EXPECT_EQ(deleted.batch.status, BatchStatus::kReady);
  ASSERT_EQ(deleted.jobs.size(), 1u);
  EXPECT_EQ(deleted.jobs[0].status, JobStatus::kSucceeded);
  EXPECT_TRUE(deleted.jobs[0].archive.has_value());
  EXPECT_EQ(deleted.assets.at(core::AssetStatus::kReady), 2);
  const auto& failed = second.batches[1];
  EXPECT_FALSE(failed.batch.deleted_at.has_value());
  EXPECT_EQ(failed.batch.status, BatchStatus::kFailed);
  EXPECT_EQ(failed.jobs.at(0).status, JobStatus::kFailed);
  EXPECT_EQ(failed.assets.at(core::AssetStatus::kFailed), 1);
  EXPECT_EQ(failed.assets.at(core::AssetStatus::kReady), 1);

  EXPECT_TRUE(
      fails_with(history().run({admin(), 28, std::nullopt, 0}), ErrorCode::kInvalidRequest));
  EXPECT_TRUE(fails_with(history().run({admin(), 28, std::nullopt, core::kMaxHistoryPageSize + 1}),
                         ErrorCode::kInvalidRequest));
  EXPECT_TRUE(
      fails_with(history().run({admin(), 999, std::nullopt, 2}), ErrorCode::kListingNotFound));
}

TEST_F(BatchHistoryTest, OnlyAnAdminListsDeletesOrReprocesses) {
  listing(28);
  auto batch = processed_mixed(28);
  core::RetryBatch retry = retrier();
  core::ReprocessBatch reprocess(retry);
  for (const auto role : {Role::kPhotographer, Role::kOwner, Role::kService, Role::kClient}) {
    const auto who = as(role, role == Role::kOwner ? kOwner : kPhotographer);
    EXPECT_TRUE(fails_with(history().run({who, 28, std::nullopt, 10}), ErrorCode::kForbidden));
    EXPECT_TRUE(fails_with(deleter().run({who, 28, batch.batch_id.value}), ErrorCode::kForbidden));
    EXPECT_TRUE(
        fails_with(reprocess.run({who, 28, batch.batch_id.value, {}}), ErrorCode::kForbidden));
  }
  const auto row = batch_row(batch.batch_id);
  EXPECT_FALSE(row.deleted_at.has_value());
  EXPECT_EQ(row.status, BatchStatus::kReady);
  EXPECT_EQ(jobs_of(batch.batch_id).size(), 1u);
}

TEST_F(BatchHistoryTest, DeletedBatchIsHiddenFromStatusDownloadsAndRetry) {
  listing(28);
  auto older = processed_mixed(28);
  clock_.advance(std::chrono::minutes{1});
  auto latest = processed_mixed(28);
  auto deleted = remove(latest);
  EXPECT_EQ(deleted.deleted_at, clock_.now());
  // Idempotent: deleting again answers with the first deletion time.
  clock_.advance(std::chrono::minutes{1});
  EXPECT_EQ(remove(latest).deleted_at, deleted.deleted_at);

  EXPECT_TRUE(fails_with(status_reader().run({photographer(), 28, latest.batch_id.value}),
                         ErrorCode::kBatchNotFound));
  EXPECT_EQ(must(status_reader().run({photographer(), 28, std::nullopt})).batch.id, older.batch_id);
  EXPECT_TRUE(fails_with(downloads().run({photographer(), 28, latest.batch_id.value}),
                         ErrorCode::kBatchNotFound));
  auto current = must(downloads().run({photographer(), 28, std::nullopt}));
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->batch_id, older.batch_id);
  EXPECT_TRUE(fails_with(retrier().run({photographer(), 28, latest.batch_id.value, {}}),
                         ErrorCode::kBatchNotFound));
  // A batch of another listing is not found through this one.
  listing(29);
  EXPECT_TRUE(
      fails_with(deleter().run({admin(), 29, older.batch_id.value}), ErrorCode::kBatchNotFound));
}

TEST_F(BatchHistoryTest, OpenBatchIsRefusedWithCodeMessageAndHint) {
  listing(28);
  auto pending = create_mixed(28);
  auto refused = deleter().run({admin(), 28, pending.batch_id.value});
  ASSERT_TRUE(fails_with(refused, ErrorCode::kBatchNotDeletable));
  EXPECT_NE(refused.error().public_message.find("PENDING_UPLOAD"), std::string::npos);
  EXPECT_NE(refused.error().hint.find("Cancel"), std::string::npos);
  core::CancelUploadBatch cancel({*db_, *store_, *store_, clock_});
  must(cancel.run({photographer(), 28, pending.batch_id.value}));

  auto batch = completed_mixed(28);
  must(tx([&](core::UnitOfWork& u) {
    return u.batches().transition(batch.batch_id, BatchStatus::kReceived, BatchStatus::kProcessing,
                                  clock_.now());
  }));
  auto processing = deleter().run({admin(), 28, batch.batch_id.value});
  ASSERT_TRUE(fails_with(processing, ErrorCode::kBatchNotDeletable));
  EXPECT_NE(processing.error().public_message.find("PROCESSING"), std::string::npos);
  EXPECT_NE(processing.error().hint.find("Wait until its processing ends"), std::string::npos);
  const auto row = batch_row(batch.batch_id);
  EXPECT_EQ(row.status, BatchStatus::kProcessing);
  EXPECT_FALSE(row.deleted_at.has_value());
}

TEST_F(BatchHistoryTest, ReprocessOfReadyAndFailedBatchesStartsANewRun) {
  listing(28);
  core::RetryBatch retry = retrier();
  core::ReprocessBatch reprocess(retry);
  auto ready = processed_mixed(28);
  auto first = must(reprocess.run({admin(), 28, ready.batch_id.value, {}}));
  EXPECT_EQ(first.run, 2);
  EXPECT_EQ(first.status, BatchStatus::kProcessing);
  must(run_job_stand_in(*db_, ready.batch_id, clock_.now()));
  EXPECT_EQ(batch_row(ready.batch_id).status, BatchStatus::kReady);
  // While it runs, a second reprocess is refused like a retry.
  auto again = must(reprocess.run({admin(), 28, ready.batch_id.value, {}}));
  EXPECT_EQ(again.run, 3);
  EXPECT_TRUE(fails_with(reprocess.run({admin(), 28, ready.batch_id.value, {}}),
                         ErrorCode::kBatchNotRetryable));
  must(run_job_stand_in(*db_, ready.batch_id, clock_.now()));

  auto failed = processed_mixed(28, {.failed_client_ids = {"v-1"}});
  ASSERT_EQ(batch_row(failed.batch_id).status, BatchStatus::kFailed);
  auto rerun = must(reprocess.run({admin(), 28, failed.batch_id.value, {}}));
  EXPECT_EQ(rerun.run, 2);
  must(run_job_stand_in(*db_, failed.batch_id, clock_.now()));
  EXPECT_EQ(batch_row(failed.batch_id).status, BatchStatus::kReady);
  const auto jobs = jobs_of(failed.batch_id);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].status, JobStatus::kFailed);
  EXPECT_EQ(jobs[1].status, JobStatus::kSucceeded);
}

TEST_F(BatchHistoryTest, DeletedBatchObjectsRemovedAfterGraceExactlyOnceByRacingSweepers) {
  listing(28);
  auto batch = processed_mixed(28);
  auto keys = write_outputs(batch.batch_id);
  ASSERT_EQ(keys.size(), 7u);  // 4 photo renditions, 2 video renditions, the ZIP
  keys.push_back(raw(batch, "f-1"));
  keys.push_back(raw(batch, "v-1"));
  for (const auto& key : keys) ASSERT_TRUE(object_exists(key)) << key;
  remove(batch);

  clock_.advance(kDay - std::chrono::seconds{1});
  EXPECT_TRUE(must(sweeper().run()).purged.empty());
  for (const auto& key : keys) EXPECT_TRUE(object_exists(key)) << key;

  clock_.advance(std::chrono::seconds{1});
  core::SweepHousekeeping one = sweeper();
  core::SweepHousekeeping two = sweeper();
  std::barrier start(2);
  core::Result<core::SweepHousekeepingReport> a, b;
  std::thread ta([&] {
    start.arrive_and_wait();
    a = one.run();
  });
  std::thread tb([&] {
    start.arrive_and_wait();
    b = two.run();
  });
  ta.join();
  tb.join();
  ASSERT_TRUE(a.has_value()) << a.error().message;
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_TRUE(a->errors.empty()) << a->errors.front().message;
  EXPECT_TRUE(b->errors.empty()) << b->errors.front().message;
  EXPECT_EQ(a->purged.size() + b->purged.size(), 1u);  // reported by exactly one sweeper
  for (const auto& key : keys) EXPECT_FALSE(object_exists(key)) << key;
  const auto row = batch_row(batch.batch_id);
  ASSERT_TRUE(row.objects_removed_at.has_value());
  EXPECT_EQ(*row.objects_removed_at, clock_.now());
  EXPECT_TRUE(must(sweeper().run()).purged.empty());
  // The history still has it, with its job.
  auto page = must(history().run({admin(), 28, std::nullopt, 10}));
  ASSERT_EQ(page.batches.size(), 1u);
  EXPECT_EQ(page.batches[0].jobs.size(), 1u);
  EXPECT_TRUE(page.batches[0].batch.objects_removed_at.has_value());
}

// The objects a batch has in the store beyond what the database records: the AWS path's result
// documents, one per asset and the ZIP's (never recorded: the callback only reads them, and they
// repeat the declared titles and file names). Deleting the batch removes them too.
TEST_F(BatchHistoryTest, PurgeAlsoRemovesTheAwsRunsResultDocuments) {
  listing(28);
  auto batch = processed_mixed(28);
  auto keys = write_outputs(batch.batch_id);
  const auto jobs = jobs_of(batch.batch_id);
  ASSERT_EQ(jobs.size(), 1u);
  const auto& job = jobs[0];
  for (const auto& a : assets_of(batch.batch_id)) {
    keys.push_back(core::result_document_key(batch.listing_id, batch.batch_id, job.id, a.id));
  }
  keys.push_back(core::archive_document_key(batch.listing_id, batch.batch_id, job.id));
  for (const auto& key : keys) put_object(key);
  remove(batch);
  clock_.advance(kDay);
  auto swept = must(sweeper().run());
  EXPECT_EQ(swept.purged.size(), 1u);
  for (const auto& key : keys) EXPECT_FALSE(object_exists(key)) << key;
}

// A run that wrote its ZIP and then failed leaves the ZIP unrecorded (job.archive is set only by
// a successful run): the sweep still finds it at its fixed key.
TEST_F(BatchHistoryTest, PurgeAlsoRemovesTheZipOfAFailedRun) {
  listing(28);
  auto batch = processed_mixed(28, {.failed_client_ids = {"v-1"}});
  const auto jobs = jobs_of(batch.batch_id);
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_FALSE(jobs[0].archive.has_value());
  const auto zip = core::archive_key(batch.listing_id, batch.batch_id, jobs[0].id);
  put_object(zip);
  remove(batch);
  clock_.advance(kDay);
  auto swept = must(sweeper().run());
  EXPECT_EQ(swept.purged.size(), 1u);
  EXPECT_FALSE(object_exists(zip)) << zip;
}

TEST_F(BatchHistoryTest, RetentionPrunesDeliveredOutboxSupersededJobsAndRawWhileDownloadsWork) {
  listing(28);
  listing(29);
  auto batch = processed_mixed(28);
  must(retrier().run({photographer(), 28, batch.batch_id.value, {}}));
  must(run_job_stand_in(*db_, batch.batch_id, clock_.now()));
  const auto jobs = jobs_of(batch.batch_id);
  ASSERT_EQ(jobs.size(), 2u);
  auto outputs = write_outputs(batch.batch_id);
  ASSERT_EQ(outputs.size(), 14u);
  const std::string old_prefix =
      core::job_output_prefix(batch.listing_id, batch.batch_id, jobs[0].id);
  // Webhook events: two delivered now, one never delivered.
  for (const char* id : {"evt-1", "evt-2", "evt-3"}) {
    auto added = must(tx([&](core::UnitOfWork& u) {
      return u.outbox().add(id, "media.batch.ready", "{}", "", clock_.now());
    }));
    if (std::string{id} != "evt-3") {
      must(tx(
          [&](core::UnitOfWork& u) { return u.outbox().mark_delivered(added.id, clock_.now()); }));
    }
  }

  // Past the outbox retention only.
  clock_.advance(7 * kDay);
  auto recent = processed_mixed(29);  // settled now: inside every retention
  auto week = must(sweeper().run());
  EXPECT_EQ(week.outbox_pruned, 2);
  EXPECT_TRUE(week.jobs_pruned.empty());
  EXPECT_TRUE(week.raw_removed.empty());
  auto left = events();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].event_id, "evt-3");

  // Past the raw retention: the settled batch's raw uploads go, its outputs stay.
  clock_.advance(23 * kDay);
  auto month = must(sweeper().run());
  EXPECT_TRUE(month.errors.empty()) << month.errors.front().message;
  ASSERT_EQ(month.raw_removed, std::vector<core::BatchId>{batch.batch_id});
  EXPECT_FALSE(object_exists(raw(batch, "f-1")));
  EXPECT_FALSE(object_exists(raw(batch, "v-1")));
  EXPECT_TRUE(object_exists(raw(recent, "f-1")));
  for (const auto& key : outputs) EXPECT_TRUE(object_exists(key)) << key;
  EXPECT_TRUE(batch_row(batch.batch_id).raw_removed_at.has_value());

  auto served = must(downloads().run({photographer(), 28, std::nullopt}));
  ASSERT_TRUE(served.has_value());
  EXPECT_EQ(served->batch_id, batch.batch_id);
  EXPECT_EQ(served->zip.bytes, kStandInZipBytes);
  EXPECT_TRUE(object_exists(core::archive_key(batch.listing_id, batch.batch_id, jobs[1].id)));
  for (const auto& asset : served->assets) {
    EXPECT_FALSE(asset.variants.empty());
    for (const auto& v : asset.variants) EXPECT_NE(v.name, "original");  // its raw is gone
  }
  auto kept = must(downloads().run({photographer(), 29, std::nullopt}));
  bool original = false;
  for (const auto& v : kept->assets.at(0).variants) original = original || v.name == "original";
  EXPECT_TRUE(original);
  auto refused = retrier().run({photographer(), 28, batch.batch_id.value, {}});
  ASSERT_TRUE(fails_with(refused, ErrorCode::kBatchNotRetryable));
  EXPECT_FALSE(refused.error().hint.empty());

  // Past the job retention: the superseded first run goes with its outputs; the served run stays.
  clock_.advance(30 * kDay);
  auto season = must(sweeper().run());
  EXPECT_TRUE(season.errors.empty()) << season.errors.front().message;
  ASSERT_EQ(season.jobs_pruned, std::vector<core::JobId>{jobs[0].id});
  const auto after = jobs_of(batch.batch_id);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].id, jobs[1].id);
  for (const auto& key : outputs) {
    EXPECT_EQ(object_exists(key), !key.starts_with(old_prefix)) << key;
  }
  EXPECT_TRUE(must(downloads().run({photographer(), 28, std::nullopt})).has_value());
  EXPECT_TRUE(must(sweeper().run()).jobs_pruned.empty());
}

}  // namespace
}  // namespace toq::testing
