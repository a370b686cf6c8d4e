#pragma once
// The AWS mode's start outbox: one row per job holding the exact execution input, added in the
// transaction that creates the job and relayed to Step Functions by serve (core/service/
// relay_execution_starts.hpp). Several serve replicas relay at once: a row is claimed before it is
// worked on, and a claim lapses so that a relay that died mid-start is replaced.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/execution.hpp"
#include "core/model/ids.hpp"
#include "core/model/time.hpp"
#include "core/port/outbox_repository.hpp"

namespace toq::core {

// Contract (every adapter, checked by
// tests/conformance/execution_start_repository_conformance.hpp):
// - add() stores a new unclaimed row due now. At most one row per job and per name: CONFLICT when
//   either exists already (a job's execution is started once). JOB_NOT_FOUND when the job does not
//   exist.
// - claim_due() claims up to `limit` rows that are not started, are due (next_attempt_at <= now)
//   and are unclaimed or whose claim expired (claim_expires_at < now), oldest first: claimed_by =
//   owner, claim_expires_at = claim_until. Two callers never hold the same row at once, in this
//   process or others (MySQL: SKIP LOCKED, so callers never wait on each other).
// - mark_started() records the accepted start (started_at = now, execution_arn) of a row that is
//   not started yet, whoever holds its claim (the start is idempotent on AWS's side: any caller
//   whose start was accepted may record it); a row already started is returned unchanged. The
//   claim is dropped.
// - reschedule() counts a failed attempt of a row `owner` holds: attempts + 1, next_attempt_at,
//   last_error, claim dropped. STALE_STATE when the row is started or `owner` does not hold it
//   (its claim lapsed and another relay took it).
// - find_by_job() returns the job's row, nullopt when it has none.
// - pending_stats() counts the rows not started yet (due, waiting or claimed) and gives the oldest
//   one's created_at (nullopt when none). A read only (the operators' gauges).
// All of them: INVALID_REQUEST when no row has that id.
class ExecutionStartRepository {
 public:
  virtual ~ExecutionStartRepository() = default;
  virtual Result<ExecutionStart> add(JobId job, std::string name, std::string input,
                                     Timestamp now) = 0;
  virtual Result<std::vector<ExecutionStart>> claim_due(std::string_view owner,
                                                        Timestamp claim_until, Timestamp now,
                                                        int limit) = 0;
  virtual Result<ExecutionStart> mark_started(std::int64_t id, std::string execution_arn,
                                              Timestamp now) = 0;
  virtual Result<ExecutionStart> reschedule(std::int64_t id, std::string_view owner,
                                            Timestamp next_attempt_at, std::string last_error,
                                            Timestamp now) = 0;
  virtual Result<std::optional<ExecutionStart>> find_by_job(JobId job) = 0;
  virtual Result<OutboxStats> pending_stats() = 0;
};

}  // namespace toq::core
