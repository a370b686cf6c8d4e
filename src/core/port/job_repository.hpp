#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/job.hpp"

namespace toq::core {

// Processing jobs.
//
// Contract (every adapter, checked by the conformance suite):
// - create() inserts a QUEUED job with run = 1 + the batch's previous runs. "At most one QUEUED or
//   RUNNING job per batch" is enforced by the schema (never by a read then a write): a second one
//   gets JOB_ALREADY_ACTIVE with ConflictDetails{"jobId", <the active job>}, whatever the
//   interleaving of threads and processes. BATCH_NOT_FOUND when the batch does not exist.
// - find() and find_active() return nullopt when nothing matches; find_latest() is the highest run.
// - start() moves QUEUED -> RUNNING, sets started_at = now (always), increments attempt and takes
//   the lease (owner, expiry). finish() moves RUNNING -> SUCCEEDED | FAILED and sets completed_at;
//   the schema refuses a finished job without started_at. requeue() moves RUNNING -> QUEUED and
//   drops the lease. All three are compare-and-set: STALE_STATE when the job is not in the expected
//   state, JOB_NOT_FOUND when missing, INVALID_STATE_TRANSITION for a move the machine forbids.
class JobRepository {
 public:
  virtual ~JobRepository() = default;
  virtual Result<Job> create(BatchId batch, Timestamp now) = 0;
  virtual Result<std::optional<Job>> find(JobId id) = 0;
  virtual Result<std::optional<Job>> find_active(BatchId batch) = 0;
  virtual Result<std::optional<Job>> find_latest(BatchId batch) = 0;
  virtual Result<std::vector<Job>> list_by_batch(BatchId batch) = 0;
  virtual Result<Job> start(JobId id, std::string lease_owner, Timestamp lease_expires_at,
                            Timestamp now) = 0;
  virtual Result<Job> finish(JobId id, JobStatus outcome, std::optional<Error> error,
                             Timestamp now) = 0;
  virtual Result<Job> requeue(JobId id, Timestamp now) = 0;
};

}  // namespace toq::core
