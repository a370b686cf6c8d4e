#pragma once
// Use case: a worker runs the next processing job (the embedded mode's durable queue; in the AWS
// mode the same recording happens through the callback).
//
// The assets of a job are work items (work_item_repository.hpp) that any worker may claim, so the
// assets of one batch run on several workers at once; the job itself stays with the worker that
// claimed it, which builds the ZIP and ends the job.
//
// Contract:
// 1. run_next() claims one due job for options.worker_id: a QUEUED job whose available_at has
//    come, or a RUNNING job whose lease expired (a worker died); the claim sets RUNNING, attempt+1,
//    started_at (kept from the first start) and the lease. When no job is due it helps instead:
//    it claims a due work item of any running job (the oldest job's first) and works that job's
//    items while any is due (options.on_helping is told of that job first), then ends with
//    End::kHelped (or kReleased / kLeaseLost as below). nullopt when nothing is due. The report
//    names the job's traceparent, and so does every asset failure recorded for the job, by its
//    worker or by one helping it.
// 2. A job started more than options.max_attempts times fails for good: the job FAILED, every
//    unfinished asset FAILED with PROCESSING_TIMEOUT ("processing kept stopping"), its work items
//    closed, the batch FAILED.
// 3. The batch moves RECEIVED -> PROCESSING when its first job starts. The job's worker plans one
//    work item per asset the job has not recorded yet (work_item_runner.hpp: an asset's result is
//    recorded with its item's completion, in its own transaction, so the status route shows
//    progress; an asset recorded by this job is never processed again, so a reclaimed job
//    resumes where the dead worker stopped), and calls options.on_work_due once the plan is
//    committed. It then works the job's due items itself (heavy ones first), other workers
//    helping (clause 1; a helper calls options.on_work_due when its turn at the job ends), and
//    waits (options.wait, up to options.item_poll each time) until every item is DONE; an item
//    whose worker died is claimed again once its lease expires. Each worker works one item at a
//    time: memory is bounded by one asset per worker process.
// 4. The job's lease is extended every lease/3 while the job runs, and the plan and the ending are
//    each made in one transaction with a heartbeat, so they happen only while this worker still
//    holds the lease. A lost lease (another worker reclaimed it: a stall, the clock jumping
//    forward) stops this run without recording more (End::kLeaseLost).
// 5. An infrastructure error from the processor releases the item and the job back to QUEUED, due
//    after options.backoff(attempt): transient faults are retried. So does a job whose remaining
//    items are all waiting out such a backoff (due again with the earliest), and a worker asked
//    to stop while it waits (options.stopping: due at once, for another worker).
// 6. When every item is DONE: all assets READY -> the ZIP is built and recorded on the job, then
//    ONE transaction: job SUCCEEDED, batch READY, the listing mirror PENDING_PHOTO_PROCESSING ->
//    PENDING_OWNER_APPROVAL (another listing status is left alone), and a media.batch.ready event
//    in the outbox. Any asset FAILED -> ONE transaction: job FAILED (the first failed asset's
//    code), batch FAILED, a media.batch.failed event (the body: batch_event.hpp). A batch is
//    therefore READY only with every asset READY and its ZIP recorded, and the ZIP is built once,
//    by the job's worker, after every item is done.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/job.hpp"
#include "core/model/status.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/media_processor.hpp"
#include "core/service/job_outcome.hpp"

namespace toq::core {

struct RunJobOptions {
  std::string worker_id;  // the lease owner: unique per worker process
  std::chrono::seconds lease{60};
  std::int32_t max_attempts = 5;
  // Delay before a released job is due again, by the attempt that failed (1, 2, ...).
  std::function<std::chrono::seconds(std::int32_t attempt)> backoff;
  // Called once a job is claimed, before any work (metrics: jobs in flight); not for helping.
  std::function<void(const Job&)> on_claimed;
  // Called once this worker starts helping a job another worker holds, before its first item
  // (logs: the job's ids and trace on the helper's lines).
  std::function<void(const Job&)> on_helping;
  // How often the job's worker looks again while other workers hold its last items.
  std::chrono::milliseconds item_poll{200};
  // True when the worker should stop (a signal): the job's worker stops waiting for items.
  std::function<bool()> stopping;
  // Called after a commit that other workers may be waiting for: the plan of a job's items (idle
  // workers can help at once) and the end of a turn at another worker's job (that job's worker may
  // be waiting for the item just done, to build the ZIP). The embedded mode wakes its idle
  // workers with it (app/worker_wake.hpp); a call that wakes nobody costs nothing but time.
  std::function<void()> on_work_due;
  // How the job's worker waits up to item_poll for items other workers hold; it may return
  // early (a wake-up: on_work_due of another worker). Unset: it sleeps item_poll.
  std::function<void(std::chrono::milliseconds)> wait;
};

// What happened to the job in this run, for logs and metrics.
struct JobRunReport {
  JobId job;
  BatchId batch;
  ListingId listing;
  std::int32_t attempt = 0;
  // kHelped: this worker worked items of a job another worker holds (that one ends the job).
  enum class End : std::uint8_t {
    kSucceeded,
    kFailed,
    kReleased,
    kLeaseLost,
    kHelped
  } end = End::kFailed;
  std::int32_t assets_ready = 0;  // the job's assets at its end; when helping, those recorded here
  std::int32_t assets_failed = 0;
  std::optional<Error> error;            // the infrastructure error that released the job
  std::string traceparent{};             // the job's (Job::traceparent)
  std::optional<ArchiveInfo> archive{};  // the ZIP this run recorded (a READY batch)
};

// Called as each asset's result is recorded (logs, metrics, progress), with the asset as recorded.
using AssetRecorded = std::function<void(const Asset& asset, const AssetWorkResult& result)>;

class LeaseKeeper;
class WorkItemRunner;

class RunJob {
 public:
  RunJob(Database& db, MediaProcessor& processor, const Clock& clock, RunJobOptions options);

  Result<std::optional<JobRunReport>> run_next(const AssetRecorded& on_asset = {});

 private:
  struct Run;  // the job in hand: the claimed job, its batch and assets, the report so far
  using Outcome = Result<std::optional<JobRunReport>>;

  // The clauses of the contract above, in order; an early end of the run comes back as its
  // Outcome.
  Result<std::optional<Run>> claim_and_load();  // 1
  Outcome help(const AssetRecorded& on_asset);  // 1
  Outcome help_with(const Job& job, const Batch& batch, WorkItem item,
                    const AssetRecorded& on_asset);  // 1
  Outcome give_up(Run& run);                         // 2
  Status start(Run& run);                            // 3
  std::optional<Outcome> plan(Run& run);             // 3, 4
  std::optional<Outcome> work_items(Run& run, const LeaseKeeper& lease,
                                    const AssetRecorded& on_asset);               // 3, 5
  std::optional<Outcome> wait_or_release(Run& run, bool& all_done);               // 3, 5
  std::optional<Outcome> collect(Run& run);                                       // 6
  Outcome archive_and_finish(Run& run, const LeaseKeeper& lease);                 // 6
  Outcome release(Run& run, std::optional<Error> error, Timestamp available_at);  // 5
  WorkItemRunner item_runner() const;

  Database& db_;
  MediaProcessor& processor_;
  const Clock& clock_;
  RunJobOptions options_;
};

}  // namespace toq::core
