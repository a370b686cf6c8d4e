#include "core/service/work_item_runner.hpp"

#include <utility>

#include <fmt/format.h>

#include "core/model/object_keys.hpp"
#include "core/service/job_outcome.hpp"
#include "core/service/lease_keeper.hpp"

namespace toq::core {

namespace {

WorkItemEnd ended(WorkItemEnd::End end) {
  WorkItemEnd e;
  e.end = end;
  return e;
}

bool processing_for(const Asset& asset, JobId job) {
  return asset.status == AssetStatus::kProcessing && asset.job_id == job;
}

}  // namespace

WorkItemRunner::WorkItemRunner(Database& db, MediaProcessor& processor, const Clock& clock,
                               WorkItemOptions options)
    : db_(db), processor_(processor), clock_(clock), options_(std::move(options)) {}

Result<Asset> WorkItemRunner::fenced(
    const WorkItem& item, bool& lost_lease,
    const std::function<Result<Asset>(UnitOfWork&, Timestamp)>& write) {
  return db_.transact([&](UnitOfWork& uow) -> Result<Asset> {
    const auto now = clock_.now();
    auto held = uow.items().heartbeat(item.job_id, item.asset_id, options_.worker_id,
                                      now + options_.lease, now);
    if (!held) {
      lost_lease = held.error().code == ErrorCode::kStaleState;
      return std::unexpected(held.error());
    }
    return write(uow, now);
  });
}

// The result and the item's completion in one transaction.
Result<WorkItemEnd> WorkItemRunner::record(const WorkItem& item, const Asset& asset,
                                           const AssetWorkResult& result) {
  bool lost = false;
  auto recorded = fenced(item, lost, [&](UnitOfWork& uow, Timestamp now) -> Result<Asset> {
    auto written = record_asset_outcome(uow, asset, item.job_id, result, now);
    if (!written) return written;
    if (auto c = uow.items().complete(item.job_id, item.asset_id, options_.worker_id, now); !c) {
      return std::unexpected(c.error());
    }
    return written;
  });
  if (!recorded) {
    if (lost) return ended(WorkItemEnd::End::kLeaseLost);
    return std::unexpected(recorded.error());
  }
  auto done = ended(WorkItemEnd::End::kDone);
  done.asset = *recorded;
  done.result = result;
  return done;
}

Result<WorkItemEnd> WorkItemRunner::run(const Job& job, const Batch& batch, const WorkItem& item) {
  auto found = db_.transact([&](UnitOfWork& uow) { return uow.assets().find(item.asset_id); });
  if (!found) return std::unexpected(found.error());
  if (!*found) {
    return fail(ErrorCode::kAssetNotFound, fmt::format("work item of job {} names missing asset {}",
                                                       item.job_id.value, item.asset_id.value));
  }
  Asset asset = **found;
  if (done_by(asset, item.job_id)) {
    bool lost = false;
    auto completed = fenced(item, lost, [&](UnitOfWork& uow, Timestamp now) -> Result<Asset> {
      auto c = uow.items().complete(item.job_id, item.asset_id, options_.worker_id, now);
      if (!c) return std::unexpected(c.error());
      return asset;
    });
    if (!completed && !lost) return std::unexpected(completed.error());
    return ended(lost ? WorkItemEnd::End::kLeaseLost : WorkItemEnd::End::kDone);
  }
  // Claimed too often (each claim that ended without a result: a crash, a hang, a transient
  // fault that never cleared): the asset fails for good instead of looping forever.
  if (item.attempt > options_.max_attempts) {
    AssetWorkResult gave_up{
        .asset = asset.id,
        .facts = {},
        .renditions = {},
        .failure = AssetFailure{.code = ErrorCode::kProcessingTimeout,
                                .message = fmt::format(
                                    "Processing stopped {} times before this file was done.",
                                    item.attempt - 1),
                                .hint = "Try again later; if it keeps failing, export the file "
                                        "again and upload it in a new session.",
                                .traceparent = job.traceparent},
        .failed_step = "claim"};
    return record(item, asset, gave_up);
  }
  LeaseKeeper keeper(
      db_, clock_,
      [&](UnitOfWork& uow, Timestamp now, Timestamp until) -> Status {
        auto held =
            uow.items().heartbeat(item.job_id, item.asset_id, options_.worker_id, until, now);
        if (!held) return std::unexpected(held.error());
        return {};
      },
      options_.lease);
  if (!processing_for(asset, item.job_id)) {
    bool lost = false;
    auto marked = fenced(item, lost, [&](UnitOfWork& uow, Timestamp now) {
      return uow.assets().mark_processing(asset.id, item.job_id, now);
    });
    if (!marked) {
      if (lost) return ended(WorkItemEnd::End::kLeaseLost);
      return std::unexpected(marked.error());
    }
    asset = *marked;
  }
  const AssetWork work{.listing = batch.listing_id,
                       .batch = batch.id,
                       .job = item.job_id,
                       .asset = asset.id,
                       .declared = asset.declared,
                       .raw_key = raw_key(batch.listing_id, batch.id, asset.id)};
  auto result = processor_.process_asset(work);
  if (!result) {
    const auto now = clock_.now();
    auto released = db_.transact([&](UnitOfWork& uow) {
      return uow.items().release(item.job_id, item.asset_id, options_.worker_id,
                                 now + options_.backoff(item.attempt), result.error().message, now);
    });
    if (!released && released.error().code != ErrorCode::kStaleState) {
      return std::unexpected(released.error());
    }
    auto released_end = ended(WorkItemEnd::End::kReleased);
    released_end.error = result.error();
    return released_end;
  }
  if (keeper.lost()) return ended(WorkItemEnd::End::kLeaseLost);
  if (result->failure) result->failure->traceparent = job.traceparent;
  return record(item, asset, *result);
}

}  // namespace toq::core
