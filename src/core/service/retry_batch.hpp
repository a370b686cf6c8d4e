#pragma once
// Use case: reprocess a FAILED or READY batch from its raw uploads with a new job.
// POST /api/v2/listings/media/uploads/retry.
//
// Contract, all in ONE transaction:
// 1. The batch exists, is not deleted and belongs to listing_identity_id (BATCH_NOT_FOUND; a
//    missing listing looks the same).
// 2. The caller may reprocess it (FORBIDDEN): the listing's photographer or owner, admin, service
//    (access_policy.hpp). The listing's status is not checked.
// 3. The batch is READY or FAILED and has had a job (a batch abandoned during upload has no raw
//    uploads to reprocess): BATCH_NOT_RETRYABLE otherwise. When a job is active the error carries
//    ConflictDetails{"jobId", <that job>}.
// 3b. Its raw uploads are still kept (raw_removed_at null: the retention sweep did not remove
//    them): BATCH_NOT_RETRYABLE otherwise, checked again after the compare-and-set below.
// 4. Batch READY | FAILED -> PROCESSING (compare-and-set, first), a new job (run = previous run +
//    1, jobs().create), and every asset -> PROCESSING for that job (mark_processing: a previous
//    failure is cleared, the measured facts stay until the new run records its own; the old
//    job's renditions stay under its prefix and are never read again), and in the AWS mode
//    (deps.aws set) the job's start row with the exact execution input (enqueue_execution).
//
// Concurrent retries of one batch: exactly one commits and gets the new job; every other caller
// gets 409 BATCH_NOT_RETRYABLE with details.jobId = the winner's job (it finds the batch
// PROCESSING, or loses the compare-and-set or the one-active-job index). Deliberately not the
// winner's job as a success: a retry is an explicit action, not an idempotent request, and the
// caller that did not start the run should know it did not.
// Moving back to PROCESSING obeys "one open batch per listing": when the listing has opened
// another batch meanwhile, BATCH_NOT_RETRYABLE with ConflictDetails{"openBatchId", <that batch>}.
//
// input_keys are the keys the new job processes: the raw keys only (raw_input_key), never an
// earlier job's outputs.

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/principal.hpp"
#include "core/model/status.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/service/execution_runs.hpp"

namespace toq::core {

struct RetryBatchInput {
  Principal caller;
  std::int64_t listing_identity_id = 0;
  std::int64_t batch_id = 0;
  // W3C trace context of the request, stored with the job it creates (a new trace when it is
  // empty or not a valid traceparent, so every job has one).
  std::string traceparent{};
};

struct RetryBatchOutput {
  BatchId batch_id;
  JobId job_id;  // the new job
  std::int32_t run = 0;
  BatchStatus status = BatchStatus::kProcessing;
  std::vector<std::string> input_keys;  // raw keys of the batch's assets, in asset order
};

class RetryBatch {
 public:
  struct Deps {
    Database& db;
    const Clock& clock;
    const AwsProcessing* aws = nullptr;  // set in the AWS mode
  };

  explicit RetryBatch(Deps deps) : deps_(deps) {}

  Result<RetryBatchOutput> run(const RetryBatchInput& input);

 private:
  Deps deps_;
};

}  // namespace toq::core
