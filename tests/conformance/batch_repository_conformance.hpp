#pragma once
// Conformance of upload batches (BatchRepository), the one-open-batch rule included: the contract
// in src/core/port/batch_repository.hpp. Instantiated for every adapter of core::Database (see
// repository_conformance.hpp).

#include <atomic>
#include <barrier>
#include <thread>
#include <vector>

#include "conformance/repository_fixture.hpp"

namespace toq::testing {

template <class Factory>
class BatchRepositoryConformance : public RepositoryFixture<Factory> {};

TYPED_TEST_SUITE_P(BatchRepositoryConformance);

TYPED_TEST_P(BatchRepositoryConformance, BatchCreateStartsPendingWithFields) {
  this->listing(28);
  auto b = this->batch(28);
  EXPECT_GT(b.id.value, 0);
  EXPECT_EQ(b.listing_id.value, 28);
  EXPECT_EQ(b.status, BatchStatus::kPendingUpload);
  EXPECT_EQ(b.reference, "sessao");
  EXPECT_EQ(b.created_by.value, 7);
  EXPECT_EQ(b.created_at, at(1));
  EXPECT_EQ(b.expires_at, at(3600));
  EXPECT_FALSE(b.deleted_at.has_value());
  EXPECT_FALSE(b.raw_removed_at.has_value());
}

TYPED_TEST_P(BatchRepositoryConformance, BatchForMissingListingIsListingNotFound) {
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.batches().create({core::ListingId{777}, "", core::UserId{7}, at(9)}, at(1));
  }),
                         ErrorCode::kListingNotFound));
}

TYPED_TEST_P(BatchRepositoryConformance, SecondOpenBatchIsRejectedWithTheOpenOnesId) {
  this->listing(28);
  auto first = this->batch(28);
  auto second = this->tx([&](core::UnitOfWork& u) {
    return u.batches().create({core::ListingId{28}, "again", core::UserId{7}, at(9)}, at(2));
  });
  ASSERT_TRUE(fails_with(second, ErrorCode::kOpenBatchExists));
  const auto* details = std::get_if<core::ConflictDetails>(&second.error().details);
  ASSERT_NE(details, nullptr);
  EXPECT_EQ(details->what, "batchId");
  EXPECT_EQ(details->id, first.id.value);
  // Still open while RECEIVED and PROCESSING.
  must(this->tx([&](core::UnitOfWork& u) {
    return u.batches().transition(first.id, BatchStatus::kPendingUpload, BatchStatus::kReceived,
                                  at(3));
  }));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.batches().create({core::ListingId{28}, "", core::UserId{7}, at(9)}, at(4));
  }),
                         ErrorCode::kOpenBatchExists));
  // Another listing is independent.
  this->listing(29);
  EXPECT_EQ(this->batch(29).listing_id.value, 29);
}

TYPED_TEST_P(BatchRepositoryConformance, ClosedBatchFreesTheListingAndHistoryIsKept) {
  this->listing(28);
  auto first = this->batch(28);
  this->run_to(first, BatchStatus::kReady);
  auto second = this->batch(28);
  EXPECT_NE(second.id, first.id);
  auto all = must(this->tx(
      [&](core::UnitOfWork& u) { return u.batches().list_by_listing(core::ListingId{28}); }));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].status, BatchStatus::kReady);
  EXPECT_EQ(all[1].status, BatchStatus::kPendingUpload);
  auto latest = must(
      this->tx([&](core::UnitOfWork& u) { return u.batches().find_latest(core::ListingId{28}); }));
  EXPECT_EQ(latest->id, second.id);
  auto ready = must(this->tx([&](core::UnitOfWork& u) {
    return u.batches().find_latest(core::ListingId{28}, BatchStatus::kReady);
  }));
  EXPECT_EQ(ready->id, first.id);
  auto open = must(
      this->tx([&](core::UnitOfWork& u) { return u.batches().find_open(core::ListingId{28}); }));
  EXPECT_EQ(open->id, second.id);
}

TYPED_TEST_P(BatchRepositoryConformance, BatchTransitionIsCompareAndSet) {
  this->listing(28);
  auto b = this->batch(28);
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.batches().transition(b.id, BatchStatus::kReceived, BatchStatus::kProcessing, at(2));
  }),
                         ErrorCode::kStaleState));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.batches().transition(b.id, BatchStatus::kPendingUpload, BatchStatus::kReady, at(2));
  }),
                         ErrorCode::kInvalidStateTransition));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.batches().transition(core::BatchId{9999}, BatchStatus::kPendingUpload,
                                  BatchStatus::kReceived, at(2));
  }),
                         ErrorCode::kBatchNotFound));
  auto moved = must(this->tx([&](core::UnitOfWork& u) {
    return u.batches().transition(b.id, BatchStatus::kPendingUpload, BatchStatus::kReceived, at(5));
  }));
  EXPECT_EQ(moved.status, BatchStatus::kReceived);
  EXPECT_EQ(moved.updated_at, at(5));
  EXPECT_EQ(moved.created_at, b.created_at);
}

TYPED_TEST_P(BatchRepositoryConformance, RetryOfClosedBatchObeysOneOpenBatch) {
  this->listing(28);
  auto first = this->batch(28);
  this->run_to(first, BatchStatus::kFailed);
  auto second = this->batch(28);  // open now
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.batches().transition(first.id, BatchStatus::kFailed, BatchStatus::kProcessing, at(9));
  }),
                         ErrorCode::kOpenBatchExists));
  auto still = must(this->tx([&](core::UnitOfWork& u) { return u.batches().find(first.id); }));
  EXPECT_EQ(still->status, BatchStatus::kFailed);
  (void)second;
}

TYPED_TEST_P(BatchRepositoryConformance, SoftDeleteOnlyClosedBatchesAndHidesThem) {
  this->listing(28);
  auto b = this->batch(28);
  EXPECT_TRUE(fails_with(
      this->tx([&](core::UnitOfWork& u) { return u.batches().soft_delete(b.id, at(3)); }),
      ErrorCode::kConflict));
  this->run_to(b, BatchStatus::kReady);
  auto deleted =
      must(this->tx([&](core::UnitOfWork& u) { return u.batches().soft_delete(b.id, at(7)); }));
  EXPECT_EQ(deleted.deleted_at, at(7));
  auto again =
      must(this->tx([&](core::UnitOfWork& u) { return u.batches().soft_delete(b.id, at(8)); }));
  EXPECT_EQ(again.deleted_at, at(7));
  auto latest = must(
      this->tx([&](core::UnitOfWork& u) { return u.batches().find_latest(core::ListingId{28}); }));
  EXPECT_FALSE(latest.has_value());
  auto found = must(this->tx([&](core::UnitOfWork& u) { return u.batches().find(b.id); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->deleted_at.has_value());
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.batches().transition(b.id, BatchStatus::kReady, BatchStatus::kProcessing, at(9));
  }),
                         ErrorCode::kStaleState));
}

TYPED_TEST_P(BatchRepositoryConformance, ThreadsRacingForAnOpenBatchGetExactlyOne) {
  this->listing(28);
  constexpr int kThreads = 16;
  std::barrier start(kThreads);
  std::atomic<int> winners{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (;;) {
        auto r = this->tx([&](core::UnitOfWork& u) {
          return u.batches().create({core::ListingId{28}, "", core::UserId{7}, at(9)}, at(1));
        });
        if (r) {
          ++winners;
          break;
        }
        if (r.error().code == ErrorCode::kDatabaseBusy) continue;
        if (r.error().code == ErrorCode::kOpenBatchExists) ++conflicts;
        break;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
  auto all = must(this->tx(
      [&](core::UnitOfWork& u) { return u.batches().list_by_listing(core::ListingId{28}); }));
  EXPECT_EQ(all.size(), 1u);
}

// The batch downloads serve: the newest one with a SUCCEEDED job, whatever its status now (being
// reprocessed, or FAILED after a retry), never a soft-deleted one; and that batch's newest
// SUCCEEDED job, which a later failed run does not displace.
TYPED_TEST_P(BatchRepositoryConformance, LatestPublishedBatchAndItsSucceededJob) {
  this->listing(28);
  const core::ListingId listing{28};
  auto published = [&] {
    return must(
        this->tx([&](core::UnitOfWork& u) { return u.batches().find_latest_published(listing); }));
  };
  auto latest_job = [&](core::BatchId b, JobStatus status) {
    return must(this->tx([&](core::UnitOfWork& u) { return u.jobs().find_latest(b, status); }));
  };
  auto run_job = [&](core::BatchId b, JobStatus outcome, int t) {
    return must(this->tx([&](core::UnitOfWork& u) -> core::Result<core::Job> {
      auto job = u.jobs().create(b, at(t), "");
      if (!job) return job;
      if (auto r = u.jobs().start(job->id, "w", at(t + 60), at(t + 1)); !r) return r;
      return u.jobs().finish(job->id, outcome,
                             outcome == JobStatus::kSucceeded
                                 ? std::nullopt
                                 : std::optional(core::make_error(ErrorCode::kCorruptMedia, "x")),
                             at(t + 2));
    }));
  };
  auto first = this->batch(28);
  EXPECT_FALSE(published().has_value());
  const auto failed = run_job(first.id, JobStatus::kFailed, 10);
  EXPECT_FALSE(published().has_value());
  EXPECT_FALSE(latest_job(first.id, JobStatus::kSucceeded).has_value());
  EXPECT_EQ(latest_job(first.id, JobStatus::kFailed)->id, failed.id);
  const auto good = run_job(first.id, JobStatus::kSucceeded, 20);
  EXPECT_EQ(published()->id, first.id);
  run_job(first.id, JobStatus::kFailed, 30);  // a failed retry does not displace it
  EXPECT_EQ(latest_job(first.id, JobStatus::kSucceeded)->id, good.id);
  EXPECT_EQ(published()->id, first.id);

  this->run_to(first, BatchStatus::kFailed);
  auto second = this->batch(28);
  EXPECT_EQ(published()->id, first.id);  // the new batch has no outputs yet
  run_job(second.id, JobStatus::kSucceeded, 40);
  EXPECT_EQ(published()->id, second.id);
  this->run_to(second, BatchStatus::kReady);
  must(this->tx([&](core::UnitOfWork& u) { return u.batches().soft_delete(second.id, at(50)); }));
  EXPECT_EQ(published()->id, first.id);
  this->listing(29);
  EXPECT_FALSE(must(this->tx([&](core::UnitOfWork& u) {
                 return u.batches().find_latest_published(core::ListingId{29});
               })).has_value());
}

TYPED_TEST_P(BatchRepositoryConformance, ExpiredUploadsArePendingBatchesCreatedByTheCutoff) {
  auto create_at = [&](std::int64_t listing, int second) {
    this->listing(listing);
    return must(this->tx([&](core::UnitOfWork& u) {
      return u.batches().create({core::ListingId{listing}, "", core::UserId{7}, at(9999)},
                                at(second));
    }));
  };
  auto newest = create_at(30, 10);
  auto oldest = create_at(28, 1);
  auto middle = create_at(29, 5);
  auto received = create_at(31, 2);  // completed: not an abandoned upload
  must(this->tx([&](core::UnitOfWork& u) {
    return u.batches().transition(received.id, BatchStatus::kPendingUpload, BatchStatus::kReceived,
                                  at(3));
  }));
  auto failed = create_at(32, 2);  // already closed
  must(this->tx([&](core::UnitOfWork& u) {
    return u.batches().transition(failed.id, BatchStatus::kPendingUpload, BatchStatus::kFailed,
                                  at(3));
  }));
  auto due = must(
      this->tx([&](core::UnitOfWork& u) { return u.batches().list_expired_uploads(at(5), 10); }));
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].id, oldest.id);
  EXPECT_EQ(due[1].id, middle.id);
  EXPECT_EQ(due[0].status, BatchStatus::kPendingUpload);
  auto first = must(
      this->tx([&](core::UnitOfWork& u) { return u.batches().list_expired_uploads(at(5), 1); }));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, oldest.id);
  auto none = must(
      this->tx([&](core::UnitOfWork& u) { return u.batches().list_expired_uploads(at(0), 10); }));
  EXPECT_TRUE(none.empty());
  auto all = must(
      this->tx([&](core::UnitOfWork& u) { return u.batches().list_expired_uploads(at(60), 10); }));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].id, newest.id);
}

TYPED_TEST_P(BatchRepositoryConformance, RawRemovalDueListsAbandonedBatchesAndMarkIsIdempotent) {
  for (std::int64_t id : {28, 29, 30, 31}) this->listing(id);
  auto abandon = [&](const core::Batch& b, int second) {
    return must(this->tx([&](core::UnitOfWork& u) {
      return u.batches().transition(b.id, BatchStatus::kPendingUpload, BatchStatus::kFailed,
                                    at(second));
    }));
  };
  auto early = abandon(this->batch(28), 2);
  auto processed = this->batch(29);
  this->run_to(processed, BatchStatus::kFailed);  // FAILED after a job: its uploads are kept
  auto open = this->batch(30);
  auto late = abandon(this->batch(31), 50);

  auto due = must(
      this->tx([&](core::UnitOfWork& u) { return u.batches().list_raw_removal_due(at(10), 10); }));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, early.id);
  due = must(
      this->tx([&](core::UnitOfWork& u) { return u.batches().list_raw_removal_due(at(60), 10); }));
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].id, early.id);
  EXPECT_EQ(due[1].id, late.id);

  auto marked = must(this->tx(
      [&](core::UnitOfWork& u) { return u.batches().mark_raw_removed(early.id, at(20)); }));
  EXPECT_EQ(marked.raw_removed_at, at(20));
  EXPECT_EQ(marked.status, BatchStatus::kFailed);
  auto again = must(this->tx(
      [&](core::UnitOfWork& u) { return u.batches().mark_raw_removed(early.id, at(30)); }));
  EXPECT_EQ(again.raw_removed_at, at(20));
  due = must(
      this->tx([&](core::UnitOfWork& u) { return u.batches().list_raw_removal_due(at(60), 10); }));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, late.id);

  EXPECT_TRUE(fails_with(
      this->tx([&](core::UnitOfWork& u) { return u.batches().mark_raw_removed(open.id, at(20)); }),
      ErrorCode::kConflict));
  auto still_open = must(this->tx([&](core::UnitOfWork& u) { return u.batches().find(open.id); }));
  EXPECT_FALSE(still_open->raw_removed_at.has_value());
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.batches().mark_raw_removed(core::BatchId{987654}, at(20));
  }),
                         ErrorCode::kBatchNotFound));
}

TYPED_TEST_P(BatchRepositoryConformance, HistoryPageIsNewestFirstWithDeletedAndACursor) {
  this->listing(28);
  this->listing(29);
  std::vector<core::Batch> made;
  for (int i = 0; i < 3; ++i) {
    made.push_back(this->batch(28));
    this->run_to(made.back(), BatchStatus::kReady);
  }
  auto other = this->batch(29);
  must(this->tx([&](core::UnitOfWork& u) { return u.batches().soft_delete(made[1].id, at(9)); }));
  auto page = [&](std::optional<core::BatchId> before, int limit) {
    return must(this->tx([&](core::UnitOfWork& u) {
      return u.batches().list_page(core::ListingId{28}, before, limit);
    }));
  };
  auto first = page(std::nullopt, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].id, made[2].id);
  EXPECT_EQ(first[1].id, made[1].id);
  EXPECT_EQ(first[1].deleted_at, at(9));  // deleted batches stay in the history
  auto second = page(first[1].id, 2);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, made[0].id);
  EXPECT_TRUE(page(made[0].id, 2).empty());
  for (const auto& b : page(std::nullopt, 10)) EXPECT_NE(b.id, other.id);
}

TYPED_TEST_P(BatchRepositoryConformance, PurgeDueListsDeletedBatchesAndTheMarkIsCompareAndSet) {
  for (std::int64_t id : {28, 29, 30}) this->listing(id);
  auto early = this->batch(28);
  auto late = this->batch(29);
  auto kept = this->batch(30);
  for (const auto& b : {early, late, kept}) this->run_to(b, BatchStatus::kReady);
  must(this->tx([&](core::UnitOfWork& u) { return u.batches().soft_delete(early.id, at(10)); }));
  must(this->tx([&](core::UnitOfWork& u) { return u.batches().soft_delete(late.id, at(30)); }));
  auto due = [&](int second) {
    return must(
        this->tx([&](core::UnitOfWork& u) { return u.batches().list_purge_due(at(second), 10); }));
  };
  ASSERT_EQ(due(20).size(), 1u);
  EXPECT_EQ(due(20)[0].id, early.id);
  ASSERT_EQ(due(40).size(), 2u);
  EXPECT_EQ(due(40)[1].id, late.id);

  auto marked = must(this->tx(
      [&](core::UnitOfWork& u) { return u.batches().mark_objects_removed(early.id, at(50)); }));
  EXPECT_EQ(marked.objects_removed_at, at(50));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.batches().mark_objects_removed(early.id, at(51));
  }),
                         ErrorCode::kStaleState));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.batches().mark_objects_removed(kept.id, at(51));
  }),
                         ErrorCode::kConflict));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.batches().mark_objects_removed(core::BatchId{987654}, at(51));
  }),
                         ErrorCode::kBatchNotFound));
  ASSERT_EQ(due(40).size(), 1u);
  EXPECT_EQ(due(40)[0].id, late.id);

  // Threads racing to mark one batch: exactly one wins.
  constexpr int kThreads = 4;
  std::atomic<int> won{0};
  std::atomic<int> lost{0};
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      auto r = this->tx(
          [&](core::UnitOfWork& u) { return u.batches().mark_objects_removed(late.id, at(60)); });
      if (r) {
        ++won;
      } else if (r.error().code == ErrorCode::kStaleState) {
        ++lost;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), kThreads - 1);
  EXPECT_TRUE(due(100).empty());
}

TYPED_TEST_P(BatchRepositoryConformance, RawRetentionDueListsSettledBatchesWithASucceededJob) {
  for (std::int64_t id : {28, 29, 30, 31, 32}) this->listing(id);
  auto ready = this->batch(28);
  auto failed = this->batch(29);
  auto deleted = this->batch(30);
  auto removed = this->batch(31);
  auto open = this->batch(32);
  this->run_to(ready, BatchStatus::kReady);  // updated at(4)
  this->run_to(failed, BatchStatus::kFailed);
  this->run_to(deleted, BatchStatus::kReady);
  this->run_to(removed, BatchStatus::kReady);
  must(this->tx([&](core::UnitOfWork& u) { return u.batches().soft_delete(deleted.id, at(4)); }));
  must(this->tx(
      [&](core::UnitOfWork& u) { return u.batches().mark_raw_removed(removed.id, at(4)); }));
  auto due = [&](int second) {
    return must(this->tx(
        [&](core::UnitOfWork& u) { return u.batches().list_raw_retention_due(at(second), 10); }));
  };
  EXPECT_TRUE(due(3).empty());
  auto settled = due(10);
  ASSERT_EQ(settled.size(), 1u);
  EXPECT_EQ(settled[0].id, ready.id);
  EXPECT_NE(open.id, ready.id);
}

REGISTER_TYPED_TEST_SUITE_P(BatchRepositoryConformance, BatchCreateStartsPendingWithFields,
                            BatchForMissingListingIsListingNotFound,
                            SecondOpenBatchIsRejectedWithTheOpenOnesId,
                            ClosedBatchFreesTheListingAndHistoryIsKept,
                            BatchTransitionIsCompareAndSet, RetryOfClosedBatchObeysOneOpenBatch,
                            SoftDeleteOnlyClosedBatchesAndHidesThem,
                            ThreadsRacingForAnOpenBatchGetExactlyOne,
                            LatestPublishedBatchAndItsSucceededJob,
                            ExpiredUploadsArePendingBatchesCreatedByTheCutoff,
                            RawRemovalDueListsAbandonedBatchesAndMarkIsIdempotent,
                            HistoryPageIsNewestFirstWithDeletedAndACursor,
                            PurgeDueListsDeletedBatchesAndTheMarkIsCompareAndSet,
                            RawRetentionDueListsSettledBatchesWithASucceededJob);

}  // namespace toq::testing
