#pragma once
// What every repository conformance suite shares: a fresh database per test from the adapter's
// Factory, and helpers that register a listing, open a batch and run a batch to its end.
// A Factory provides:
//   static constexpr const char* kName;
//   std::unique_ptr<core::Database> make();   // a fresh, empty, migrated database per call

#include <memory>

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
class RepositoryFixture : public ::testing::Test {
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
                  auto job = u.jobs().create(b.id, at(2), "");
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

}  // namespace toq::testing
