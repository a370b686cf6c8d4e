#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/work_item.hpp"

namespace toq::core {

// The assets of a running job as work items, one per (job, asset): the embedded mode's workers
// claim them one at a time, each under a lease of its own, so the assets of one batch run on
// several workers at once while the job itself stays with the worker that claimed it (that one
// builds the ZIP once every item is DONE: run_job.hpp).
//
// Contract (every adapter, checked by the conformance suite):
// - plan() inserts a QUEUED item, due at `now`, for each asset of `items` that has none yet for
//   `job`, and returns how many it inserted: planning again (a worker that took the job over)
//   adds only the missing ones and never resets an item. JOB_NOT_FOUND when the job does not
//   exist, ASSET_NOT_FOUND when an asset does not.
// - claim_next() takes one due item for `owner` and returns it RUNNING: a QUEUED item whose
//   available_at <= now, or a RUNNING item whose lease expired (lease_expires_at < now: its worker
//   died). Only items of `job` when one is given. The oldest job's items first; within a job the
//   heavy ones first, then in asset order. The claim sets attempt + 1, claimed_at = now, the lease
//   owner and lease_expires_at. nullopt when nothing is due. Inside the unit of work's write
//   transaction, and two claimers never get the same item, whatever the interleaving of threads
//   and processes (SKIP LOCKED on MariaDB, the write lock on SQLite).
// - heartbeat() extends the lease of a RUNNING item held by `owner`.
// - complete() moves a RUNNING item held by `owner` to DONE (done_at = now, the lease expiry
//   cleared, lease_owner kept: who did it). Idempotent: completing a DONE item again returns it
//   unchanged, whoever asks (a step that ran twice).
// - release() gives a RUNNING item held by `owner` back: QUEUED, no lease, due at available_at,
//   `reason` kept in error_message; attempt is kept.
// - heartbeat(), complete() and release() are compare-and-set: STALE_STATE when the item is not
//   RUNNING held by `owner` (its lease was taken over, or it is DONE: complete() excepted, above);
//   JOB_NOT_FOUND when the job has no item for that asset.
// - close_open() moves every item of `job` that is not DONE to DONE (no owner) and returns how
//   many: a job that ends without its items (it failed for good) leaves nothing to claim.
// - list_by_job() returns the job's items in asset order; an unknown job gives an empty list.
class WorkItemRepository {
 public:
  virtual ~WorkItemRepository() = default;
  virtual Result<int> plan(JobId job, const std::vector<PlannedItem>& items, Timestamp now) = 0;
  virtual Result<std::optional<WorkItem>> claim_next(std::string_view owner,
                                                     Timestamp lease_expires_at, Timestamp now,
                                                     std::optional<JobId> job) = 0;
  virtual Result<WorkItem> heartbeat(JobId job, AssetId asset, std::string_view owner,
                                     Timestamp lease_expires_at, Timestamp now) = 0;
  virtual Result<WorkItem> complete(JobId job, AssetId asset, std::string_view owner,
                                    Timestamp now) = 0;
  virtual Result<WorkItem> release(JobId job, AssetId asset, std::string_view owner,
                                   Timestamp available_at, std::string_view reason,
                                   Timestamp now) = 0;
  virtual Result<int> close_open(JobId job, Timestamp now) = 0;
  virtual Result<std::vector<WorkItem>> list_by_job(JobId job) = 0;
};

}  // namespace toq::core
