#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/job.hpp"

namespace toq::core {

// What the queue looks like now (the operators' gauges).
struct JobQueueStats {
  std::int64_t queued = 0;
  std::int64_t running = 0;
  std::optional<Timestamp> oldest_queued_at;  // created_at of the oldest QUEUED job
  std::optional<Timestamp> oldest_active_at;  // created_at of the oldest QUEUED or RUNNING job
  friend bool operator==(const JobQueueStats&, const JobQueueStats&) = default;
};

// Processing jobs.
//
// Contract (every adapter, checked by the conformance suite):
// - create() inserts a QUEUED job with run = 1 + the batch's previous runs and the traceparent
//   given ("" for none, else a version-00 traceparent: INVALID_REQUEST otherwise). "At most one
//   QUEUED or RUNNING job per batch" is enforced by the schema (never by a read then a write): a
//   second one gets JOB_ALREADY_ACTIVE with ConflictDetails{"jobId", <the active job>}, whatever
//   the interleaving of threads and processes. BATCH_NOT_FOUND when the batch does not exist.
// - find() and find_active() return nullopt when nothing matches; find_latest() is the highest run
//   (of that status, when one is given).
// - start() moves QUEUED -> RUNNING, sets started_at = now (always), increments attempt and takes
//   the lease (owner, expiry). finish() moves RUNNING -> SUCCEEDED | FAILED and sets completed_at;
//   the schema refuses a finished job without started_at. requeue() moves RUNNING -> QUEUED and
//   drops the lease. All three are compare-and-set: STALE_STATE when the job is not in the expected
//   state, JOB_NOT_FOUND when missing, INVALID_STATE_TRANSITION for a move the machine forbids.
// - record_archive() stores the job's ZIP (key, bytes, SHA-256) on a RUNNING job: the ZIP step runs
//   inside the job, before finish(). The key must be exactly archive_key(listing, batch, job) of
//   that job, bytes >= 0 and sha256_hex 64 lower-case hex digits (INVALID_REQUEST otherwise).
//   Idempotent: recording the same values again returns the job unchanged, whatever its status
//   (a step that ran twice); different values over a recorded archive are CONFLICT. A job that
//   is not RUNNING and has no archive is STALE_STATE; JOB_NOT_FOUND when missing. find*() and
//   list_by_batch() return the archive with the job (nullopt until recorded).
// The durable queue (the embedded mode's workers):
// - claim_next() takes the oldest due job for `owner` and returns it RUNNING: a QUEUED job whose
//   available_at <= now, or a RUNNING job whose lease expired (lease_expires_at < now: its worker
//   died). The claim sets attempt + 1, started_at (kept from the first start), the lease owner and
//   lease_expires_at. nullopt when nothing is due. Inside the unit of work's write transaction, so
//   two workers never claim the same job.
// - heartbeat() extends the lease of a RUNNING job held by `owner`; STALE_STATE when the job is no
//   longer RUNNING or another worker holds it (the lease was lost), JOB_NOT_FOUND when missing.
// - release() gives a RUNNING job held by `owner` back to the queue: QUEUED, no lease, due at
//   available_at, `reason` kept in error_message; attempt and started_at are kept. STALE_STATE /
//   JOB_NOT_FOUND as heartbeat().
// - list_lease_expired() lists up to `limit` RUNNING jobs whose lease expired (lease_expires_at <
//   now), oldest lease first, without changing them (the AWS mode's overdue check: the lease of a
//   job running on Step Functions is its report deadline).
// - queue_stats() counts the QUEUED and the RUNNING jobs and gives the creation time of the oldest
//   QUEUED one and of the oldest QUEUED or RUNNING one (nullopt when there is none). A read only.
// History retention:
// - list_prunable(finished_before, limit): up to `limit` jobs its batch no longer serves, finished
//   (completed_at) at or before `finished_before`, oldest first. A job is no longer served when it
//   is finished, a later run of its batch exists, it is FAILED or a later run SUCCEEDED, and no
//   asset records it as its job. Once true this stays true (only later runs are created).
// - remove_prunable(id) deletes such a job with its rendition rows, its work items and its
//   execution start: true when this call deleted it, false when it is gone already; CONFLICT when
//   the job is still served.
class JobRepository {
 public:
  virtual ~JobRepository() = default;
  virtual Result<Job> create(BatchId batch, Timestamp now, std::string_view traceparent) = 0;
  virtual Result<std::optional<Job>> find(JobId id) = 0;
  virtual Result<std::optional<Job>> find_active(BatchId batch) = 0;
  virtual Result<std::optional<Job>> find_latest(BatchId batch) = 0;
  virtual Result<std::optional<Job>> find_latest(BatchId batch, JobStatus status) = 0;
  virtual Result<std::vector<Job>> list_by_batch(BatchId batch) = 0;
  virtual Result<Job> start(JobId id, std::string lease_owner, Timestamp lease_expires_at,
                            Timestamp now) = 0;
  virtual Result<Job> finish(JobId id, JobStatus outcome, std::optional<Error> error,
                             Timestamp now) = 0;
  virtual Result<Job> requeue(JobId id, Timestamp now) = 0;
  virtual Result<Job> record_archive(JobId id, const ArchiveInfo& archive, Timestamp now) = 0;
  virtual Result<std::optional<Job>> claim_next(std::string_view owner, Timestamp lease_expires_at,
                                                Timestamp now) = 0;
  virtual Result<Job> heartbeat(JobId id, std::string_view owner, Timestamp lease_expires_at,
                                Timestamp now) = 0;
  virtual Result<Job> release(JobId id, std::string_view owner, Timestamp available_at,
                              std::string_view reason, Timestamp now) = 0;
  virtual Result<std::vector<Job>> list_lease_expired(Timestamp now, int limit) = 0;
  virtual Result<JobQueueStats> queue_stats() = 0;
  virtual Result<std::vector<Job>> list_prunable(Timestamp finished_before, int limit) = 0;
  virtual Result<bool> remove_prunable(JobId id) = 0;
};

}  // namespace toq::core
