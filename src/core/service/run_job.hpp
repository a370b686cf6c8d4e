#pragma once
// Use case: a worker runs the next processing job (the embedded mode's durable queue; in the AWS
// mode the same recording happens through the callback).
//
// Contract:
// 1. run_next() claims one due job for options.worker_id: a QUEUED job whose available_at has
//    come, or a RUNNING job whose lease expired (a worker died); the claim sets RUNNING, attempt+1,
//    started_at (kept from the first start) and the lease. nullopt when nothing is due.
// 2. A job started more than options.max_attempts times fails for good: the job FAILED, every
//    unfinished asset FAILED with PROCESSING_TIMEOUT ("processing kept stopping"), the batch
//    FAILED.
// 3. The batch moves RECEIVED -> PROCESSING when its first job starts. Each asset is processed
//    through the MediaProcessor in asset order and its result recorded in its own transaction as
//    it finishes (so the status route shows progress): READY with facts and renditions, or FAILED
//    with the asset's code, message and hint. An asset this job already recorded is skipped (a
//    reclaimed job resumes where the dead worker stopped).
// 4. The lease is extended every lease/3 while the job runs, and every asset write (PROCESSING,
//    READY, FAILED) is made in one transaction with a heartbeat, so it happens only while this
//    worker still holds the lease. A lost lease (another worker reclaimed it: a stall, the clock
//    jumping forward) stops this run without recording more (End::kLeaseLost).
// 5. An infrastructure error from the processor (store unreachable, disk full) releases the job
//    back to QUEUED, due after options.backoff(attempt): transient faults are retried.
// 6. When every asset is done: all READY -> the ZIP is built and recorded on the job, then ONE
//    transaction: job SUCCEEDED, batch READY, the listing mirror PENDING_PHOTO_PROCESSING ->
//    PENDING_OWNER_APPROVAL (another listing status is left alone), and a media.batch.ready event
//    in the outbox. Any asset FAILED -> ONE transaction: job FAILED (the first failed asset's
//    code), batch FAILED, a media.batch.failed event (the body: batch_event.hpp). A batch is
//    therefore READY only with every asset READY and its ZIP recorded.

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
  // Called once a job is claimed, before any work (metrics: jobs in flight).
  std::function<void(const Job&)> on_claimed;
};

// What happened to the job in this run, for logs and metrics.
struct JobRunReport {
  JobId job;
  BatchId batch;
  ListingId listing;
  std::int32_t attempt = 0;
  enum class End : std::uint8_t { kSucceeded, kFailed, kReleased, kLeaseLost } end = End::kFailed;
  std::int32_t assets_ready = 0;
  std::int32_t assets_failed = 0;
  std::optional<Error> error;            // the infrastructure error that released the job
  std::string traceparent{};             // the job's (Job::traceparent)
  std::optional<ArchiveInfo> archive{};  // the ZIP this run recorded (a READY batch)
};

// Called as each asset's result is recorded (logs, metrics, progress), with the asset as recorded.
using AssetRecorded = std::function<void(const Asset& asset, const AssetWorkResult& result)>;

class LeaseKeeper;

class RunJob {
 public:
  RunJob(Database& db, MediaProcessor& processor, const Clock& clock, RunJobOptions options);

  Result<std::optional<JobRunReport>> run_next(const AssetRecorded& on_asset = {});

 private:
  struct Run;  // the job in hand: the claimed job, its batch and assets, the report so far
  using Outcome = Result<std::optional<JobRunReport>>;

  // The clauses of the contract above, in order; an early end of the run comes back as its
  // Outcome.
  Result<std::optional<Run>> claim_and_load();                               // 1
  Outcome give_up(Run& run);                                                 // 2
  Status start(Run& run);                                                    // 3
  std::optional<Outcome> process_assets(Run& run, const LeaseKeeper& lease,  // 3, 4, 5
                                        const AssetRecorded& on_asset);
  std::optional<Outcome> process_asset(Run& run, Asset& asset, const LeaseKeeper& lease,
                                       const AssetRecorded& on_asset);
  Outcome archive_and_finish(Run& run, const LeaseKeeper& lease);  // 6
  Outcome release(Run& run, Error error);                          // 5
  Result<Asset> fenced(Run& run,
                       const std::function<Result<Asset>(UnitOfWork&, Timestamp)>& write);  // 4
  std::optional<Outcome> lease_lost_or_error(Run& run, const Error& error);                 // 4

  Database& db_;
  MediaProcessor& processor_;
  const Clock& clock_;
  RunJobOptions options_;
};

}  // namespace toq::core
