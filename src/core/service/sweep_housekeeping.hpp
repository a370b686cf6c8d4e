#pragma once
// Use case: the housekeeping sweep, run by every `serve` on a period (housekeeping.sweepSeconds).
//
// Contract of one run(), each step up to `limit` items, oldest first, each item on its own:
// 1. Deleted batches: every batch soft-deleted delete_grace ago or earlier whose objects are not
//    marked removed loses every object it has in the store (its raw uploads, every job's
//    renditions and ZIP, and the AWS path's result documents at their fixed keys), then is marked
//    (mark_objects_removed). The history keeps its rows. Step 4 removes a job's the same way.
// 2. Raw uploads of settled batches (ready_raw_retention > 0): every batch, not deleted, READY or
//    FAILED after a successful run, unchanged for ready_raw_retention, loses the raw uploads of its
//    photos and videos, then is marked (mark_raw_removed): its renditions and ZIP stay, so
//    downloads keep working, and a retry or reprocess is refused from then on. Project files keep
//    their raw object: it is the "original" the downloads serve.
// 3. Delivered webhooks (outbox_retention > 0): outbox events delivered outbox_retention ago or
//    earlier are deleted; undelivered ones never are.
// 4. Job history (job_retention > 0): jobs finished job_retention ago or earlier that a batch no
//    longer serves (JobRepository::list_prunable) lose their outputs in the store, then their rows
//    (remove_prunable).
// Safe with any number of replicas running it at once: objects are removed before the row that
// records it changes (a process killed in between leaves the item due, and the next run finishes
// it), removals tolerate objects already gone, and each mark is a compare-and-set whose loser
// leaves the item to the winner (a purge is reported by exactly one sweeper). A failure of one
// item is recorded in the report's errors and the run carries on; an error listing the items ends
// the run with that error.

#include <chrono>
#include <cstdint>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/object_store.hpp"

namespace toq::core {

struct SweepHousekeepingOptions {
  std::chrono::seconds delete_grace{7 * 86400};
  std::chrono::seconds ready_raw_retention{90 * 86400};  // 0 = raw uploads kept for good
  std::chrono::seconds outbox_retention{30 * 86400};     // 0 = delivered events kept for good
  std::chrono::seconds job_retention{180 * 86400};       // 0 = job history kept for good
  int limit = 100;                                       // items per step and run
};

struct SweepHousekeepingReport {
  std::vector<BatchId> purged;       // deleted batches whose objects this run removed and marked
  std::vector<BatchId> raw_removed;  // settled batches whose raw uploads this run removed
  std::int64_t outbox_pruned = 0;    // delivered events deleted
  std::vector<JobId> jobs_pruned;    // superseded jobs deleted with their outputs
  std::vector<Error> errors;         // per-item failures; the run carried on
};

class SweepHousekeeping {
 public:
  struct Deps {
    Database& db;
    ObjectStore& store;
    const Clock& clock;
  };

  SweepHousekeeping(Deps deps, SweepHousekeepingOptions options) : deps_(deps), options_(options) {}

  Result<SweepHousekeepingReport> run();

 private:
  Status purge_deleted(SweepHousekeepingReport& report);
  Status remove_settled_raw(SweepHousekeepingReport& report);
  Status prune_outbox(SweepHousekeepingReport& report);
  Status prune_jobs(SweepHousekeepingReport& report);

  Deps deps_;
  SweepHousekeepingOptions options_;
};

}  // namespace toq::core
