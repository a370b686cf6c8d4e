#pragma once
// Conformance of declared files and their results (AssetRepository): the contract in
// src/core/port/asset_repository.hpp. Instantiated for every adapter of core::Database (see
// repository_conformance.hpp).

#include <vector>

#include "conformance/repository_fixture.hpp"

namespace toq::testing {

template <class Factory>
class AssetRepositoryConformance : public RepositoryFixture<Factory> {};

TYPED_TEST_SUITE_P(AssetRepositoryConformance);

TYPED_TEST_P(AssetRepositoryConformance, AssetsAreAddedInOrderAndRoundTripUnicode) {
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

TYPED_TEST_P(AssetRepositoryConformance, DuplicateClientIdIsConflictAndAddsNothing) {
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

TYPED_TEST_P(AssetRepositoryConformance, AssetLifecycleRecordsFactsRenditionsAndFailures) {
  this->listing(28);
  auto b = this->batch(28);
  auto assets = must(this->tx([&](core::UnitOfWork& u) {
    return u.assets().add(b.id, {photo("f-1", 1), photo("f-2", 2)}, at(2));
  }));
  auto job = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(3), ""); }));
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
  auto failed = must(this->tx([&](core::UnitOfWork& u) {
    return u.assets().mark_failed(a2, AssetStatus::kProcessing, job.id, failure, at(7));
  }));
  EXPECT_EQ(failed.status, AssetStatus::kFailed);
  ASSERT_TRUE(failed.failure.has_value());
  EXPECT_EQ(*failed.failure, failure);

  // A retry job takes both back to PROCESSING and clears the failure.
  must(this->tx([&](core::UnitOfWork& u) -> core::Result<core::Job> {
    if (auto r = u.jobs().start(job.id, "w", at(60), at(8)); !r) return r;
    return u.jobs().finish(job.id, JobStatus::kFailed,
                           core::make_error(ErrorCode::kCorruptMedia, "x"), at(9));
  }));
  auto retry =
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(10), ""); }));
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

TYPED_TEST_P(AssetRepositoryConformance, AssetIllegalMovesAreRejected) {
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
  auto job = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(3), ""); }));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.assets().mark_processing(a.id, job.id, at(3));  // PENDING_UPLOAD -> PROCESSING
  }),
                         ErrorCode::kInvalidStateTransition));
  // Missing upload: PENDING_UPLOAD -> FAILED is legal without a job.
  auto failed = must(this->tx([&](core::UnitOfWork& u) {
    return u.assets().mark_failed(a.id, AssetStatus::kPendingUpload, std::nullopt,
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

// mark_failed moves from the state the caller read, without reading it again: a writer that
// committed in between (another delivery of a report, the overdue check, a retry job) wins, and
// the late move is STALE_STATE, not an illegal FAILED -> FAILED.
TYPED_TEST_P(AssetRepositoryConformance, MarkFailedIsACompareAndSetOnWhatTheCallerRead) {
  this->listing(28);
  auto b = this->batch(28);
  auto a = must(this->tx(
      [&](core::UnitOfWork& u) { return u.assets().add(b.id, {photo("f-1", 1)}, at(2)); }))[0];
  auto job = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(3), ""); }));
  const core::AssetFailure first{ErrorCode::kCorruptMedia, "cannot decode", "Export it again"};
  const core::AssetFailure late{ErrorCode::kProcessingTimeout, "overdue", "Retry the batch"};
  auto fail = [&](AssetStatus from, std::optional<core::JobId> by, const core::AssetFailure& f,
                  core::AssetId id) {
    return this->tx(
        [&](core::UnitOfWork& u) { return u.assets().mark_failed(id, from, by, f, at(5)); });
  };
  auto stored = [&] {
    return must(this->tx([&](core::UnitOfWork& u) { return u.assets().find(a.id); }));
  };

  // Not a move to FAILED: refused before any write.
  EXPECT_TRUE(fails_with(fail(AssetStatus::kUploaded, job.id, first, a.id),
                         ErrorCode::kInvalidStateTransition));
  EXPECT_TRUE(fails_with(fail(AssetStatus::kReady, job.id, first, a.id),
                         ErrorCode::kInvalidStateTransition));
  // The caller read PROCESSING; the asset is still PENDING_UPLOAD.
  EXPECT_TRUE(
      fails_with(fail(AssetStatus::kProcessing, job.id, first, a.id), ErrorCode::kStaleState));
  EXPECT_EQ(stored()->status, AssetStatus::kPendingUpload);
  EXPECT_FALSE(stored()->failure.has_value());
  EXPECT_TRUE(fails_with(fail(AssetStatus::kPendingUpload, job.id, first, core::AssetId{4242}),
                         ErrorCode::kAssetNotFound));

  must(this->tx([&](core::UnitOfWork& u) -> core::Result<core::Asset> {
    if (auto r =
            u.assets().transition(a.id, AssetStatus::kPendingUpload, AssetStatus::kUploaded, at(3));
        !r)
      return r;
    return u.assets().mark_processing(a.id, job.id, at(4));
  }));
  // PROCESSING by this job, moved only by this job.
  const core::JobId other{job.id.value + 1000};
  EXPECT_TRUE(
      fails_with(fail(AssetStatus::kProcessing, other, first, a.id), ErrorCode::kStaleState));
  EXPECT_TRUE(fails_with(fail(AssetStatus::kProcessing, std::nullopt, first, a.id),
                         ErrorCode::kStaleState));
  EXPECT_EQ(stored()->status, AssetStatus::kProcessing);
  auto failed = must(fail(AssetStatus::kProcessing, job.id, first, a.id));
  EXPECT_EQ(failed.status, AssetStatus::kFailed);
  EXPECT_EQ(failed.job_id, job.id);
  EXPECT_EQ(failed.failure, first);

  // A second writer that read PROCESSING before the first committed: STALE_STATE, the first
  // failure kept.
  EXPECT_TRUE(
      fails_with(fail(AssetStatus::kProcessing, job.id, late, a.id), ErrorCode::kStaleState));
  EXPECT_EQ(stored()->failure, first);
}

// mark_processing by a job that does not exist: JOB_NOT_FOUND, the asset unchanged.
TYPED_TEST_P(AssetRepositoryConformance, MarkProcessingByAnUnknownJobIsJobNotFound) {
  this->listing(28);
  auto b = this->batch(28);
  auto a = must(this->tx([&](core::UnitOfWork& u) -> core::Result<core::Asset> {
    auto added = u.assets().add(b.id, {photo("f-1", 1)}, at(2));
    if (!added) return std::unexpected(added.error());
    return u.assets().transition((*added)[0].id, AssetStatus::kPendingUpload,
                                 AssetStatus::kUploaded, at(3));
  }));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.assets().mark_processing(a.id, core::JobId{99999}, at(4));
  }),
                         ErrorCode::kJobNotFound));
  auto stored = must(this->tx([&](core::UnitOfWork& u) { return u.assets().find(a.id); }));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->status, AssetStatus::kUploaded);
  EXPECT_FALSE(stored->job_id.has_value());
}

TYPED_TEST_P(AssetRepositoryConformance, MultipartUploadIdIsStored) {
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

REGISTER_TYPED_TEST_SUITE_P(AssetRepositoryConformance, AssetsAreAddedInOrderAndRoundTripUnicode,
                            DuplicateClientIdIsConflictAndAddsNothing,
                            AssetLifecycleRecordsFactsRenditionsAndFailures,
                            AssetIllegalMovesAreRejected,
                            MarkFailedIsACompareAndSetOnWhatTheCallerRead,
                            MarkProcessingByAnUnknownJobIsJobNotFound, MultipartUploadIdIsStored);

}  // namespace toq::testing
