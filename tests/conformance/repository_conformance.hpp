#pragma once
// The repository conformance suite: every adapter of core::Database (SQLite, MySQL) must pass it.
// An adapter instantiates it with a Factory type providing:
//   static constexpr const char* kName;
//   std::unique_ptr<core::Database> make();   // a fresh, empty, migrated database per call
// See sqlite_repository_conformance_test.cpp.

#include <atomic>
#include <barrier>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/model/object_keys.hpp"
#include "core/port/database.hpp"

#include "support/result_matchers.hpp"

namespace toq::testing {

using namespace std::chrono_literals;
using core::AssetStatus;
using core::BatchStatus;
using core::ErrorCode;
using core::JobStatus;

inline core::Timestamp at(int seconds) {
  return core::Timestamp{} + 1'700'000'000'000ms + std::chrono::seconds(seconds);
}

inline core::FileDeclaration photo(std::string client_id, std::int64_t sequence) {
  core::FileDeclaration f;
  f.client_id = std::move(client_id);
  f.media_type = core::MediaType::kPhotoHorizontal;
  f.filename = "IMG_" + std::to_string(sequence) + ".jpg";
  f.content_type = "image/jpeg";
  f.bytes = 1000 + sequence;
  f.checksum_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  f.title = "Sala de estar";
  f.sequence = sequence;
  return f;
}

template <class Factory>
class RepositoryConformance : public ::testing::Test {
 protected:
  void SetUp() override { db_ = factory_.make(); }

  template <class F>
  auto tx(F&& f) {
    return db_->transact(std::forward<F>(f));
  }

  core::Listing listing(std::int64_t id, core::ListingKind kind = core::ListingKind::kResidential) {
    core::Listing l;
    l.id = core::ListingId{id};
    l.owner_id = core::UserId{11};
    l.photographer_id = core::UserId{7};
    l.kind = kind;
    l.status = "PENDING_PHOTO_PROCESSING";
    return must(tx([&](core::UnitOfWork& u) { return u.listings().upsert(l, at(0)); }), "upsert");
  }

  core::Batch batch(std::int64_t listing_id) {
    return must(tx([&](core::UnitOfWork& u) {
                  return u.batches().create(
                      {core::ListingId{listing_id}, "sessao", core::UserId{7}, at(3600)}, at(1));
                }),
                "create batch");
  }

  // Drives a batch through RECEIVED -> PROCESSING -> `end` with a job that runs and finishes.
  core::Job run_to(const core::Batch& b, BatchStatus end) {
    return must(tx([&](core::UnitOfWork& u) -> core::Result<core::Job> {
                  if (b.status == BatchStatus::kPendingUpload) {
                    if (auto r = u.batches().transition(b.id, BatchStatus::kPendingUpload,
                                                        BatchStatus::kReceived, at(2));
                        !r)
                      return std::unexpected(r.error());
                    if (auto r = u.batches().transition(b.id, BatchStatus::kReceived,
                                                        BatchStatus::kProcessing, at(3));
                        !r)
                      return std::unexpected(r.error());
                  }
                  auto job = u.jobs().create(b.id, at(2));
                  if (!job) return job;
                  if (auto r = u.jobs().start(job->id, "w1", at(60), at(3)); !r) return r;
                  const auto outcome =
                      end == BatchStatus::kReady ? JobStatus::kSucceeded : JobStatus::kFailed;
                  auto err = core::make_error(ErrorCode::kCorruptMedia, "bad");
                  auto fin = u.jobs().finish(job->id, outcome, err, at(4));
                  if (!fin) return fin;
                  if (auto r = u.batches().transition(b.id, BatchStatus::kProcessing, end, at(4));
                      !r)
                    return std::unexpected(r.error());
                  return fin;
                }),
                "run batch");
  }

  Factory factory_;
  std::unique_ptr<core::Database> db_;
};

TYPED_TEST_SUITE_P(RepositoryConformance);

// ---------------------------------------------------------------- listings

TYPED_TEST_P(RepositoryConformance, ListingUpsertInsertsThenReplacesEveryField) {
  auto first = this->listing(28);
  EXPECT_EQ(first.id.value, 28);
  EXPECT_EQ(first.updated_at, at(0));
  core::Listing changed = first;
  changed.photographer_id.reset();
  changed.owner_id = core::UserId{99};
  changed.kind = core::ListingKind::kDevelopment;
  changed.status = "PUBLISHED";
  auto stored =
      must(this->tx([&](core::UnitOfWork& u) { return u.listings().upsert(changed, at(9)); }));
  EXPECT_FALSE(stored.photographer_id.has_value());
  EXPECT_EQ(stored.owner_id.value, 99);
  EXPECT_EQ(stored.kind, core::ListingKind::kDevelopment);
  EXPECT_EQ(stored.status, "PUBLISHED");
  EXPECT_EQ(stored.updated_at, at(9));
  auto found =
      must(this->tx([&](core::UnitOfWork& u) { return u.listings().find(core::ListingId{28}); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, stored);
}

TYPED_TEST_P(RepositoryConformance, ListingMissingIsNulloptAndSetStatusNotFound) {
  auto found =
      must(this->tx([&](core::UnitOfWork& u) { return u.listings().find(core::ListingId{404}); }));
  EXPECT_FALSE(found.has_value());
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.listings().set_status(core::ListingId{404}, "PUBLISHED", at(1));
  }),
                         ErrorCode::kListingNotFound));
}

TYPED_TEST_P(RepositoryConformance, ListingSetStatusChangesOnlyStatus) {
  auto l = this->listing(5);
  auto moved = must(this->tx([&](core::UnitOfWork& u) {
    return u.listings().set_status(l.id, "PENDING_OWNER_APPROVAL", at(50));
  }));
  EXPECT_EQ(moved.status, "PENDING_OWNER_APPROVAL");
  EXPECT_EQ(moved.owner_id, l.owner_id);
  EXPECT_EQ(moved.photographer_id, l.photographer_id);
  EXPECT_EQ(moved.updated_at, at(50));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.listings().set_status(l.id, "not upper", at(51));
  }),
                         ErrorCode::kInvalidRequest));
}

// ---------------------------------------------------------------- batches

TYPED_TEST_P(RepositoryConformance, BatchCreateStartsPendingWithFields) {
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
}

TYPED_TEST_P(RepositoryConformance, BatchForMissingListingIsListingNotFound) {
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.batches().create({core::ListingId{777}, "", core::UserId{7}, at(9)}, at(1));
  }),
                         ErrorCode::kListingNotFound));
}

TYPED_TEST_P(RepositoryConformance, SecondOpenBatchIsRejectedWithTheOpenOnesId) {
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

TYPED_TEST_P(RepositoryConformance, ClosedBatchFreesTheListingAndHistoryIsKept) {
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

TYPED_TEST_P(RepositoryConformance, BatchTransitionIsCompareAndSet) {
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

TYPED_TEST_P(RepositoryConformance, RetryOfClosedBatchObeysOneOpenBatch) {
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

TYPED_TEST_P(RepositoryConformance, SoftDeleteOnlyClosedBatchesAndHidesThem) {
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

// ---------------------------------------------------------------- assets

TYPED_TEST_P(RepositoryConformance, AssetsAreAddedInOrderAndRoundTripUnicode) {
  this->listing(28);
  auto b = this->batch(28);
  auto f1 = photo("f-1", 1);
  f1.title = "Sala de estar — vista à direita ✓ 🏠";
  f1.filename = "Ção ñ 日本.heic";
  auto f2 = photo("f-2", 2);
  f2.media_type = core::MediaType::kVideoVertical;
  f2.bytes = 11LL * 1024 * 1024 * 1024;  // above 32 bits
  auto added = must(this->tx([&](core::UnitOfWork& u) {
    return u.assets().add(b.id, {f1, f2}, at(2));
  }));
  ASSERT_EQ(added.size(), 2u);
  EXPECT_LT(added[0].id, added[1].id);
  EXPECT_EQ(added[0].declared, f1);
  EXPECT_EQ(added[1].declared, f2);
  EXPECT_EQ(added[0].status, AssetStatus::kPendingUpload);
  EXPECT_EQ(added[0].batch_id, b.id);
  auto listed = must(this->tx([&](core::UnitOfWork& u) { return u.assets().list_by_batch(b.id); }));
  EXPECT_EQ(listed, added);
  auto none = must(
      this->tx([&](core::UnitOfWork& u) { return u.assets().list_by_batch(core::BatchId{4242}); }));
  EXPECT_TRUE(none.empty());
  auto missing =
      must(this->tx([&](core::UnitOfWork& u) { return u.assets().find(core::AssetId{4242}); }));
  EXPECT_FALSE(missing.has_value());
}

TYPED_TEST_P(RepositoryConformance, DuplicateClientIdIsConflictAndAddsNothing) {
  this->listing(28);
  auto b = this->batch(28);
  auto r = this->tx([&](core::UnitOfWork& u) {
    return u.assets().add(b.id, {photo("f-1", 1), photo("f-1", 2)}, at(2));
  });
  EXPECT_TRUE(fails_with(r, ErrorCode::kConflict));
  auto listed = must(this->tx([&](core::UnitOfWork& u) { return u.assets().list_by_batch(b.id); }));
  EXPECT_TRUE(listed.empty()) << "a failed transaction must leave nothing behind";
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.assets().add(core::BatchId{999}, {photo("x", 1)}, at(2));
  }),
                         ErrorCode::kBatchNotFound));
}

TYPED_TEST_P(RepositoryConformance, AssetLifecycleRecordsFactsRenditionsAndFailures) {
  this->listing(28);
  auto b = this->batch(28);
  auto assets = must(this->tx([&](core::UnitOfWork& u) {
    return u.assets().add(b.id, {photo("f-1", 1), photo("f-2", 2)}, at(2));
  }));
  auto job = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(3)); }));
  const auto a1 = assets[0].id;
  const auto a2 = assets[1].id;
  must(this->tx([&](core::UnitOfWork& u) -> core::Result<core::Asset> {
    for (auto id : {a1, a2}) {
      if (auto r =
              u.assets().transition(id, AssetStatus::kPendingUpload, AssetStatus::kUploaded, at(3));
          !r)
        return r;
    }
    if (auto r = u.assets().mark_processing(a1, job.id, at(4)); !r) return r;
    return u.assets().mark_processing(a2, job.id, at(4));
  }));
  // mark_processing again by the same job is a no-op (idempotent step).
  auto again = must(
      this->tx([&](core::UnitOfWork& u) { return u.assets().mark_processing(a1, job.id, at(5)); }));
  EXPECT_EQ(again.status, AssetStatus::kProcessing);

  core::MediaFacts facts;
  facts.width = 6000;
  facts.height = 4000;
  facts.format = "jpeg";
  facts.rotation = 90;
  facts.hdr = true;
  facts.has_audio = true;
  facts.duration_ms = 12345;
  facts.codec = "hevc";
  const core::ListingId lid{28};
  std::vector<core::Rendition> rends = {
      {a1, job.id, "thumbnail", "jpeg", 320, 213, 18211,
       core::output_key(lid, b.id, job.id, a1, "thumbnail", "jpg"), "ab"},
      {a1, job.id, "thumbnail", "webp", 320, 213, 12011,
       core::output_key(lid, b.id, job.id, a1, "thumbnail", "webp"), "cd"},
  };
  auto other_job = core::JobId{job.id.value + 1000};
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.assets().mark_ready(a1, other_job, facts, {}, at(6));
  }),
                         ErrorCode::kStaleState));
  auto ready = must(this->tx(
      [&](core::UnitOfWork& u) { return u.assets().mark_ready(a1, job.id, facts, rends, at(6)); }));
  EXPECT_EQ(ready.status, AssetStatus::kReady);
  EXPECT_EQ(ready.facts, facts);
  EXPECT_EQ(ready.job_id, job.id);
  EXPECT_FALSE(ready.failure.has_value());
  auto stored =
      must(this->tx([&](core::UnitOfWork& u) { return u.assets().renditions(a1, job.id); }));
  EXPECT_EQ(stored, rends);

  core::AssetFailure failure{ErrorCode::kVideoTranscodeFailed, "step scale: exit 1: tail",
                             "Export again as H.264"};
  auto failed = must(this->tx(
      [&](core::UnitOfWork& u) { return u.assets().mark_failed(a2, job.id, failure, at(7)); }));
  EXPECT_EQ(failed.status, AssetStatus::kFailed);
  ASSERT_TRUE(failed.failure.has_value());
  EXPECT_EQ(*failed.failure, failure);

  // A retry job takes both back to PROCESSING and clears the failure.
  must(this->tx([&](core::UnitOfWork& u) -> core::Result<core::Job> {
    if (auto r = u.jobs().start(job.id, "w", at(60), at(8)); !r) return r;
    return u.jobs().finish(job.id, JobStatus::kFailed,
                           core::make_error(ErrorCode::kCorruptMedia, "x"), at(9));
  }));
  auto retry = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(10)); }));
  auto back = must(this->tx(
      [&](core::UnitOfWork& u) { return u.assets().mark_processing(a2, retry.id, at(11)); }));
  EXPECT_EQ(back.status, AssetStatus::kProcessing);
  EXPECT_FALSE(back.failure.has_value());
  EXPECT_EQ(back.job_id, retry.id);
  // The old job can no longer record a result for it.
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.assets().mark_ready(a2, job.id, facts, {}, at(12));
  }),
                         ErrorCode::kStaleState));
}

TYPED_TEST_P(RepositoryConformance, AssetIllegalMovesAreRejected) {
  this->listing(28);
  auto b = this->batch(28);
  auto a = must(this->tx(
      [&](core::UnitOfWork& u) { return u.assets().add(b.id, {photo("f-1", 1)}, at(2)); }))[0];
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.assets().transition(a.id, AssetStatus::kPendingUpload, AssetStatus::kReady, at(3));
  }),
                         ErrorCode::kInvalidStateTransition));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.assets().transition(a.id, AssetStatus::kUploaded, AssetStatus::kProcessing, at(3));
  }),
                         ErrorCode::kInvalidRequest));
  auto job = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(3)); }));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.assets().mark_processing(a.id, job.id, at(3));  // PENDING_UPLOAD -> PROCESSING
  }),
                         ErrorCode::kInvalidStateTransition));
  // Missing upload: PENDING_UPLOAD -> FAILED is legal without a job.
  auto failed = must(this->tx([&](core::UnitOfWork& u) {
    return u.assets().mark_failed(a.id, std::nullopt,
                                  {ErrorCode::kUploadMissing, "never uploaded", "Upload it again"},
                                  at(4));
  }));
  EXPECT_EQ(failed.failure->code, ErrorCode::kUploadMissing);
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.assets().transition(core::AssetId{9999}, AssetStatus::kPendingUpload,
                                 AssetStatus::kUploaded, at(3));
  }),
                         ErrorCode::kAssetNotFound));
}

TYPED_TEST_P(RepositoryConformance, MultipartUploadIdIsStored) {
  this->listing(28);
  auto b = this->batch(28);
  auto a = must(this->tx(
      [&](core::UnitOfWork& u) { return u.assets().add(b.id, {photo("v-1", 1)}, at(2)); }))[0];
  EXPECT_FALSE(a.multipart_upload_id.has_value());
  auto set = must(this->tx([&](core::UnitOfWork& u) {
    return u.assets().set_multipart_upload_id(a.id, "up-123", at(3));
  }));
  EXPECT_EQ(set.multipart_upload_id, "up-123");
}

// ---------------------------------------------------------------- jobs

TYPED_TEST_P(RepositoryConformance, JobLifecycleAlwaysHasStartTime) {
  this->listing(28);
  auto b = this->batch(28);
  auto job = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(2)); }));
  EXPECT_EQ(job.status, JobStatus::kQueued);
  EXPECT_EQ(job.run, 1);
  EXPECT_EQ(job.attempt, 0);
  EXPECT_FALSE(job.started_at.has_value());
  EXPECT_FALSE(job.completed_at.has_value());
  EXPECT_EQ(job.created_at, at(2));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(job.id, JobStatus::kSucceeded, std::nullopt, at(3));  // never ran
  }),
                         ErrorCode::kStaleState));
  auto running = must(this->tx(
      [&](core::UnitOfWork& u) { return u.jobs().start(job.id, "worker-1", at(63), at(3)); }));
  EXPECT_EQ(running.status, JobStatus::kRunning);
  EXPECT_EQ(running.started_at, at(3));
  EXPECT_EQ(running.attempt, 1);
  EXPECT_EQ(running.lease_owner, "worker-1");
  EXPECT_EQ(running.lease_expires_at, at(63));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().start(job.id, "worker-2", at(64), at(4));
  }),
                         ErrorCode::kStaleState));
  auto requeued =
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().requeue(job.id, at(70)); }));
  EXPECT_EQ(requeued.status, JobStatus::kQueued);
  EXPECT_FALSE(requeued.lease_owner.has_value());
  auto again = must(this->tx(
      [&](core::UnitOfWork& u) { return u.jobs().start(job.id, "worker-2", at(131), at(71)); }));
  EXPECT_EQ(again.attempt, 2);
  EXPECT_EQ(again.started_at, at(71));
  auto done = must(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(job.id, JobStatus::kSucceeded, std::nullopt, at(80));
  }));
  EXPECT_EQ(done.status, JobStatus::kSucceeded);
  EXPECT_EQ(done.completed_at, at(80));
  EXPECT_TRUE(done.started_at.has_value());
  EXPECT_FALSE(done.lease_owner.has_value());
  EXPECT_FALSE(done.error_code.has_value());
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(job.id, JobStatus::kFailed, std::nullopt, at(81));
  }),
                         ErrorCode::kStaleState));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(job.id, JobStatus::kQueued, std::nullopt, at(81));
  }),
                         ErrorCode::kInvalidStateTransition));
}

TYPED_TEST_P(RepositoryConformance, OneActiveJobPerBatchAndRunsCount) {
  this->listing(28);
  auto b = this->batch(28);
  auto first = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(2)); }));
  auto second = this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(3)); });
  ASSERT_TRUE(fails_with(second, ErrorCode::kJobAlreadyActive));
  const auto* d = std::get_if<core::ConflictDetails>(&second.error().details);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->what, "jobId");
  EXPECT_EQ(d->id, first.id.value);
  must(this->tx([&](core::UnitOfWork& u) { return u.jobs().start(first.id, "w", at(60), at(4)); }));
  EXPECT_TRUE(
      fails_with(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(5)); }),
                 ErrorCode::kJobAlreadyActive));
  auto failed = must(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(first.id, JobStatus::kFailed,
                           core::make_error(ErrorCode::kProcessingTimeout, "slow"), at(6));
  }));
  EXPECT_EQ(failed.error_code, ErrorCode::kProcessingTimeout);
  EXPECT_EQ(failed.error_message, "slow");
  auto retry = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(7)); }));
  EXPECT_EQ(retry.run, 2);
  auto active = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().find_active(b.id); }));
  EXPECT_EQ(active->id, retry.id);
  auto latest = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().find_latest(b.id); }));
  EXPECT_EQ(latest->id, retry.id);
  auto all = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().list_by_batch(b.id); }));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, first.id);
  EXPECT_TRUE(fails_with(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().create(core::BatchId{999}, at(7)); }),
      ErrorCode::kBatchNotFound));
  auto none =
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().find(core::JobId{99999}); }));
  EXPECT_FALSE(none.has_value());
}

TYPED_TEST_P(RepositoryConformance, JobArchiveIsRecordedWhileRunningAndIdempotently) {
  this->listing(28);
  auto b = this->batch(28);
  auto job = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(2)); }));
  EXPECT_FALSE(job.archive.has_value());
  const core::ArchiveInfo zip{core::archive_key(core::ListingId{28}, b.id, job.id), 734003200,
                              std::string(64, 'a')};
  auto record = [&](const core::ArchiveInfo& a, core::JobId id) {
    return this->tx([&](core::UnitOfWork& u) { return u.jobs().record_archive(id, a, at(5)); });
  };
  // Not before the job runs.
  EXPECT_TRUE(fails_with(record(zip, job.id), ErrorCode::kStaleState));
  must(this->tx([&](core::UnitOfWork& u) { return u.jobs().start(job.id, "w", at(60), at(3)); }));
  // Refused shapes: another job's key, a raw key, negative size, upper-case or short digest.
  auto bad = zip;
  bad.key = core::archive_key(core::ListingId{28}, b.id, core::JobId{job.id.value + 1});
  EXPECT_TRUE(fails_with(record(bad, job.id), ErrorCode::kInvalidRequest));
  bad = zip;
  bad.key = core::raw_key(core::ListingId{28}, b.id, core::AssetId{1});
  EXPECT_TRUE(fails_with(record(bad, job.id), ErrorCode::kInvalidRequest));
  bad = zip;
  bad.bytes = -1;
  EXPECT_TRUE(fails_with(record(bad, job.id), ErrorCode::kInvalidRequest));
  bad = zip;
  bad.sha256_hex = std::string(64, 'A');
  EXPECT_TRUE(fails_with(record(bad, job.id), ErrorCode::kInvalidRequest));
  bad.sha256_hex = std::string(63, 'a');
  EXPECT_TRUE(fails_with(record(bad, job.id), ErrorCode::kInvalidRequest));
  EXPECT_TRUE(fails_with(record(zip, core::JobId{99999}), ErrorCode::kJobNotFound));

  auto recorded = must(record(zip, job.id), "record archive");
  ASSERT_TRUE(recorded.archive.has_value());
  EXPECT_EQ(*recorded.archive, zip);
  EXPECT_EQ(recorded.status, JobStatus::kRunning);
  // Same values again: unchanged; other values: CONFLICT, and the first archive stays.
  EXPECT_EQ(must(record(zip, job.id), "again"), recorded);
  auto other = zip;
  other.bytes = 1;
  EXPECT_TRUE(fails_with(record(other, job.id), ErrorCode::kConflict));
  auto done = must(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(job.id, JobStatus::kSucceeded, std::nullopt, at(9));
  }));
  EXPECT_EQ(done.archive, zip);
  // A finished job keeps it; repeating the same record is still harmless, a new one is refused.
  EXPECT_EQ(must(record(zip, job.id), "after finish").archive, zip);
  EXPECT_TRUE(fails_with(record(other, job.id), ErrorCode::kConflict));
  auto read = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().find_latest(b.id); }));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->archive, zip);
  auto listed = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().list_by_batch(b.id); }));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].archive, zip);

  // A finished job without an archive never gets one.
  auto retry = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(11)); }));
  must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().start(retry.id, "w", at(70), at(12)); }));
  must(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(retry.id, JobStatus::kFailed,
                           core::make_error(ErrorCode::kCorruptMedia, "bad"), at(13));
  }));
  const core::ArchiveInfo late{core::archive_key(core::ListingId{28}, b.id, retry.id), 10,
                               std::string(64, 'b')};
  EXPECT_TRUE(fails_with(record(late, retry.id), ErrorCode::kStaleState));
}

// ---------------------------------------------------------------- transactions

TYPED_TEST_P(RepositoryConformance, ErrorRollsBackEveryWrite) {
  this->listing(28);
  auto r = this->db_->run([&](core::UnitOfWork& u) -> core::Status {
    auto b = u.batches().create({core::ListingId{28}, "", core::UserId{7}, at(9)}, at(1));
    if (!b) return std::unexpected(b.error());
    if (auto a = u.assets().add(b->id, {photo("f-1", 1)}, at(1)); !a)
      return std::unexpected(a.error());
    return core::fail(ErrorCode::kUploadIncomplete, "caller changed its mind");
  });
  EXPECT_TRUE(fails_with(r, ErrorCode::kUploadIncomplete));
  auto open = must(
      this->tx([&](core::UnitOfWork& u) { return u.batches().find_open(core::ListingId{28}); }));
  EXPECT_FALSE(open.has_value());
}

TYPED_TEST_P(RepositoryConformance, ExceptionRollsBackAndBecomesInternal) {
  this->listing(28);
  auto r = this->db_->run([&](core::UnitOfWork& u) -> core::Status {
    (void)u.batches().create({core::ListingId{28}, "", core::UserId{7}, at(9)}, at(1));
    throw std::runtime_error("boom");
  });
  EXPECT_TRUE(fails_with(r, ErrorCode::kInternal));
  EXPECT_NE(r.error().message.find("boom"), std::string::npos);
  auto open = must(
      this->tx([&](core::UnitOfWork& u) { return u.batches().find_open(core::ListingId{28}); }));
  EXPECT_FALSE(open.has_value());
  // The database is still usable afterwards.
  EXPECT_EQ(this->batch(28).status, BatchStatus::kPendingUpload);
}

TYPED_TEST_P(RepositoryConformance, ThreadsRacingForAJobGetExactlyOne) {
  this->listing(28);
  auto b = this->batch(28);
  constexpr int kThreads = 16;
  std::barrier start(kThreads);
  std::vector<core::Result<core::Job>> results(kThreads,
                                               core::fail(ErrorCode::kInternal, "not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      for (;;) {  // DATABASE_BUSY means nothing was written: retrying is the caller's right
        results[static_cast<std::size_t>(i)] =
            this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(2)); });
        if (results[static_cast<std::size_t>(i)] ||
            results[static_cast<std::size_t>(i)].error().code != ErrorCode::kDatabaseBusy)
          break;
      }
    });
  }
  for (auto& t : threads) t.join();
  int winners = 0;
  std::int64_t winner_id = 0;
  for (const auto& r : results) {
    if (r) {
      ++winners;
      winner_id = r->id.value;
    }
  }
  ASSERT_EQ(winners, 1);
  for (const auto& r : results) {
    if (r) continue;
    ASSERT_EQ(r.error().code, ErrorCode::kJobAlreadyActive) << r.error().message;
    EXPECT_EQ(std::get<core::ConflictDetails>(r.error().details).id, winner_id);
  }
  auto all = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().list_by_batch(b.id); }));
  EXPECT_EQ(all.size(), 1u);
}

TYPED_TEST_P(RepositoryConformance, ThreadsRacingForAnOpenBatchGetExactlyOne) {
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

// ---------------------------------------------------------------- durable queue and outbox

TYPED_TEST_P(RepositoryConformance, ClaimTakesTheOldestDueJobAndSetsStartAndLease) {
  this->listing(28);
  this->listing(29);
  auto b1 = this->batch(28);
  auto b2 = this->batch(29);
  auto j1 = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b1.id, at(5)); }));
  auto j2 = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b2.id, at(6)); }));
  auto first = must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("w1", at(70), at(10)); }));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, j1.id);
  EXPECT_EQ(first->status, JobStatus::kRunning);
  EXPECT_EQ(first->attempt, 1);
  EXPECT_EQ(first->started_at, at(10));
  EXPECT_EQ(first->lease_owner, "w1");
  EXPECT_EQ(first->lease_expires_at, at(70));
  auto second = must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("w2", at(70), at(11)); }));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, j2.id);
  auto none = must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("w3", at(70), at(12)); }));
  EXPECT_FALSE(none.has_value()) << "both jobs are held";
}

TYPED_TEST_P(RepositoryConformance, ExpiredLeaseIsReclaimedAndKeepsTheFirstStart) {
  this->listing(28);
  auto b = this->batch(28);
  must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(5)); }));
  auto held = must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("dead", at(20), at(10)); }));
  ASSERT_TRUE(held.has_value());
  // Before the lease expires nobody else gets it; the holder can extend it.
  EXPECT_FALSE(must(this->tx([&](core::UnitOfWork& u) {
                 return u.jobs().claim_next("w2", at(80), at(20));
               })).has_value());
  // After it expired, another worker takes it over: attempt 2, started_at unchanged.
  auto taken = must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("w2", at(90), at(21)); }));
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->id, held->id);
  EXPECT_EQ(taken->attempt, 2);
  EXPECT_EQ(taken->started_at, at(10));
  EXPECT_EQ(taken->lease_owner, "w2");
  // The dead worker's heartbeat and release now fail: the lease is lost.
  auto beat = this->tx(
      [&](core::UnitOfWork& u) { return u.jobs().heartbeat(held->id, "dead", at(99), at(22)); });
  ASSERT_FALSE(beat.has_value());
  EXPECT_EQ(beat.error().code, ErrorCode::kStaleState);
  auto rel = this->tx([&](core::UnitOfWork& u) {
    return u.jobs().release(held->id, "dead", at(22), "gone", at(22));
  });
  ASSERT_FALSE(rel.has_value());
  EXPECT_EQ(rel.error().code, ErrorCode::kStaleState);
  auto ok = must(this->tx(
      [&](core::UnitOfWork& u) { return u.jobs().heartbeat(held->id, "w2", at(200), at(23)); }));
  EXPECT_EQ(ok.lease_expires_at, at(200));
}

TYPED_TEST_P(RepositoryConformance, ReleasedJobWaitsForItsAvailableTime) {
  this->listing(28);
  auto b = this->batch(28);
  must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(5)); }));
  auto held = must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("w1", at(60), at(10)); }));
  ASSERT_TRUE(held.has_value());
  auto released = must(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().release(held->id, "w1", at(100), "store unreachable", at(11));
  }));
  EXPECT_EQ(released.status, JobStatus::kQueued);
  EXPECT_FALSE(released.lease_owner.has_value());
  EXPECT_EQ(released.available_at, at(100));
  EXPECT_EQ(released.error_message, "store unreachable");
  EXPECT_EQ(released.started_at, at(10)) << "a released job keeps its start time";
  EXPECT_FALSE(must(this->tx([&](core::UnitOfWork& u) {
                 return u.jobs().claim_next("w2", at(160), at(99));
               })).has_value());
  auto again = must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("w2", at(160), at(100)); }));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->attempt, 2);
  auto missing = this->tx([&](core::UnitOfWork& u) {
    return u.jobs().heartbeat(core::JobId{9999}, "w2", at(1), at(1));
  });
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kJobNotFound);
}

TYPED_TEST_P(RepositoryConformance, OutboxDeliversOnceAndReschedules) {
  auto e1 = must(this->tx([&](core::UnitOfWork& u) {
    return u.outbox().add("msg_job1_ready", "media.batch.ready", R"({"a":1})", at(10));
  }));
  EXPECT_EQ(e1.attempts, 0);
  EXPECT_EQ(e1.next_attempt_at, at(10));
  EXPECT_FALSE(e1.delivered_at.has_value());
  auto dup = this->tx([&](core::UnitOfWork& u) {
    return u.outbox().add("msg_job1_ready", "media.batch.ready", "{}", at(11));
  });
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  auto e2 = must(this->tx([&](core::UnitOfWork& u) {
    return u.outbox().add("msg_job2_failed", "media.batch.failed", "{}", at(12));
  }));
  auto due = must(this->tx([&](core::UnitOfWork& u) { return u.outbox().due(at(12), 10); }));
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].id, e1.id);
  EXPECT_EQ(due[0].payload, R"({"a":1})");
  auto later = must(this->tx([&](core::UnitOfWork& u) {
    return u.outbox().reschedule(e1.id, at(50), "status 500", at(13));
  }));
  EXPECT_EQ(later.attempts, 1);
  EXPECT_EQ(later.last_error, "status 500");
  due = must(this->tx([&](core::UnitOfWork& u) { return u.outbox().due(at(49), 10); }));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, e2.id);
  auto done =
      must(this->tx([&](core::UnitOfWork& u) { return u.outbox().mark_delivered(e2.id, at(14)); }));
  EXPECT_EQ(done.delivered_at, at(14));
  auto again =
      must(this->tx([&](core::UnitOfWork& u) { return u.outbox().mark_delivered(e2.id, at(99)); }));
  EXPECT_EQ(again.delivered_at, at(14)) << "delivered stays as it was";
  due = must(this->tx([&](core::UnitOfWork& u) { return u.outbox().due(at(1000), 10); }));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, e1.id);
  auto missing =
      this->tx([&](core::UnitOfWork& u) { return u.outbox().mark_delivered(999, at(1)); });
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidRequest);
}

REGISTER_TYPED_TEST_SUITE_P(
    RepositoryConformance, ListingUpsertInsertsThenReplacesEveryField,
    ListingMissingIsNulloptAndSetStatusNotFound, ListingSetStatusChangesOnlyStatus,
    BatchCreateStartsPendingWithFields, BatchForMissingListingIsListingNotFound,
    SecondOpenBatchIsRejectedWithTheOpenOnesId, ClosedBatchFreesTheListingAndHistoryIsKept,
    BatchTransitionIsCompareAndSet, RetryOfClosedBatchObeysOneOpenBatch,
    SoftDeleteOnlyClosedBatchesAndHidesThem, AssetsAreAddedInOrderAndRoundTripUnicode,
    DuplicateClientIdIsConflictAndAddsNothing, AssetLifecycleRecordsFactsRenditionsAndFailures,
    AssetIllegalMovesAreRejected, MultipartUploadIdIsStored, JobLifecycleAlwaysHasStartTime,
    OneActiveJobPerBatchAndRunsCount, JobArchiveIsRecordedWhileRunningAndIdempotently,
    ErrorRollsBackEveryWrite, ExceptionRollsBackAndBecomesInternal,
    ThreadsRacingForAJobGetExactlyOne, ThreadsRacingForAnOpenBatchGetExactlyOne,
    ClaimTakesTheOldestDueJobAndSetsStartAndLease, ExpiredLeaseIsReclaimedAndKeepsTheFirstStart,
    ReleasedJobWaitsForItsAvailableTime, OutboxDeliversOnceAndReschedules);

}  // namespace toq::testing
