#include "core/service/job_outcome.hpp"

#include <fmt/format.h>

#include "core/service/batch_event.hpp"

namespace toq::core {
namespace {

constexpr std::string_view kListingAwaitingPhotos = "PENDING_PHOTO_PROCESSING";
constexpr std::string_view kListingAwaitingOwner = "PENDING_OWNER_APPROVAL";

}  // namespace

bool done_by(const Asset& asset, JobId job) {
  return asset.job_id == job &&
         (asset.status == AssetStatus::kReady || asset.status == AssetStatus::kFailed);
}

namespace {

// Under READ COMMITTED (the MySQL adapter) another writer can end the job between the caller's
// reads and these writes (a second delivery of the report, the overdue check, the report racing
// that check): the asset is FAILED or READY by then. mark_ready and mark_failed are
// compare-and-sets on what the unit read and answer STALE_STATE themselves; mark_processing reads
// the row again and refuses the move as illegal. That move was legal on what the unit read, so the
// unit lost a race: STALE_STATE, which its caller answers by looking again (it then sees the job
// ended). An unchanged row keeps the error.
Error lost_race_or(UnitOfWork& uow, const Asset& read, Error error) {
  if (error.code != ErrorCode::kInvalidStateTransition) return error;
  auto latest = uow.assets().find(read.id);
  if (!latest || !*latest ||
      ((*latest)->status == read.status && (*latest)->job_id == read.job_id)) {
    return error;
  }
  return make_error(
      ErrorCode::kStaleState,
      fmt::format("asset {} changed since this unit read it: {}", read.id.value, error.message));
}

Status ensure_processing(UnitOfWork& uow, const Asset& asset, JobId job, Timestamp now) {
  if (asset.status == AssetStatus::kProcessing && asset.job_id == job) return {};
  auto marked = uow.assets().mark_processing(asset.id, job, now);
  if (!marked) return std::unexpected(marked.error());
  return {};
}

}  // namespace

Result<Asset> record_asset_outcome(UnitOfWork& uow, const Asset& asset, JobId job,
                                   const AssetWorkResult& outcome, Timestamp now) {
  if (auto s = ensure_processing(uow, asset, job, now); !s) {
    return std::unexpected(lost_race_or(uow, asset, s.error()));
  }
  auto moved = outcome.ready()
                   ? uow.assets().mark_ready(asset.id, job, outcome.facts, outcome.renditions, now)
                   : uow.assets().mark_failed(asset.id, AssetStatus::kProcessing, job,
                                              *outcome.failure, now);
  if (!moved) return std::unexpected(lost_race_or(uow, asset, moved.error()));
  return moved;
}

Result<int> fail_unfinished_assets(UnitOfWork& uow, const std::vector<Asset>& assets, JobId job,
                                   const AssetFailure& failure, Timestamp now) {
  int failed = 0;
  for (const auto& asset : assets) {
    if (done_by(asset, job)) continue;
    if (auto s = ensure_processing(uow, asset, job, now); !s) {
      return std::unexpected(lost_race_or(uow, asset, s.error()));
    }
    if (auto f = uow.assets().mark_failed(asset.id, AssetStatus::kProcessing, job, failure, now);
        !f) {
      return std::unexpected(lost_race_or(uow, asset, f.error()));
    }
    ++failed;
  }
  return failed;
}

Error failed_assets_error(int failed, int total, const std::optional<AssetFailure>& first) {
  return make_error(first ? first->code : ErrorCode::kInternal,
                    fmt::format("{} of {} files failed", failed, total));
}

Status finish_job(UnitOfWork& uow, const Job& job, const Batch& batch, bool ready,
                  std::optional<Error> job_error, Timestamp now) {
  auto finished = uow.jobs().finish(job.id, ready ? JobStatus::kSucceeded : JobStatus::kFailed,
                                    std::move(job_error), now);
  if (!finished) {
    return std::unexpected(finished.error());
  }
  auto moved = uow.batches().transition(batch.id, BatchStatus::kProcessing,
                                        ready ? BatchStatus::kReady : BatchStatus::kFailed, now);
  if (!moved) {
    return std::unexpected(moved.error());
  }
  auto listing = uow.listings().find(batch.listing_id);
  if (!listing) {
    return std::unexpected(listing.error());
  }
  std::string listing_status = *listing ? (*listing)->status : std::string();
  if (ready && *listing && listing_status == kListingAwaitingPhotos) {
    auto set = uow.listings().set_status(batch.listing_id, kListingAwaitingOwner, now);
    if (!set) {
      return std::unexpected(set.error());
    }
    listing_status = std::string(kListingAwaitingOwner);
  }
  const auto type = ready ? kBatchReadyEvent : kBatchFailedEvent;
  auto event = uow.outbox().add(
      batch_event_id(job.id, ready), std::string(type),
      batch_event_payload(type, batch.listing_id, batch.id, job.id, now, listing_status),
      job.traceparent, now);
  if (!event) {
    return std::unexpected(event.error());
  }
  return {};
}

}  // namespace toq::core
