#pragma once
// Use case: relay the AWS mode's start outbox to Step Functions (or SQS): every job's execution is
// started exactly once, whatever crashes, with the bytes written when the job was created.
//
// Contract of run_once():
// 1. Claims up to options.batch due start rows for options.owner until now + options.claim
//    (ExecutionStartRepository::claim_due: several relays, in this process or others, never hold
//    one row at once; a relay that died loses its claim when it lapses).
// 2. For each row: ExecutionStarter::start(name, the row's input bytes as stored, the traceparent
//    they carry). The input is never rebuilt, so every attempt sends the same bytes.
// 3. Started or already existing: ONE transaction marks the row started and begins the job
//    (begin_execution: QUEUED -> RUNNING with the report deadline as its lease, the batch
//    PROCESSING). A crash between the call and this transaction leaves the row unmarked: it is
//    claimed again when the claim lapses, the start answers "already exists" (the name is the
//    execution's), and the row is marked then. Exactly one execution per job run.
// 4. PIPELINE_UNAVAILABLE (throttled, 5xx, network): the row is rescheduled after a capped,
//    jittered backoff (transient_backoff); any other error: rescheduled after the slow backoff,
//    the service's words kept in last_error. Both also release the claim. Durable: a relay killed
//    during its backoff leaves the row due at the time it chose.
// 5. A row whose claim was taken over meanwhile (STALE_STATE on reschedule or mark) is left to its
//    new holder.
// Returns what the round did (for logs and tests); an Error only when the database failed.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/execution.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/execution_starter.hpp"

namespace toq::core {

// The delay before attempt `attempt` + 1 of a start that failed `attempt` times (1, 2, ...), given
// a uniform random number in [0, 1): full jitter (AWS Architecture Blog, "Exponential Backoff and
// Jitter"): uniform(0, min(cap, base * 2^(attempt-1))), at least 100 ms.
std::chrono::milliseconds start_backoff(int attempt, double unit_random,
                                        std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap);

struct RelayStartOptions {
  std::string owner;               // this relay: unique per process
  std::chrono::seconds claim{60};  // a claim lapses after this (processing.leaseSeconds)
  int batch = 10;                  // rows per round
  std::chrono::seconds report_deadline{25200};  // aws.reportDeadlineSeconds
  std::chrono::milliseconds transient_base{1000};
  std::chrono::milliseconds transient_cap{60000};
  std::chrono::milliseconds refused_base{30000};
  std::chrono::milliseconds refused_cap{900000};
  std::function<double()> random = {};  // uniform in [0, 1); unset: a std::mt19937_64
};

struct RelayedStart {
  ExecutionStart row;
  enum class End : std::uint8_t {
    kStarted,
    kAlreadyExisted,
    kRetryLater,
    kTakenOver
  } end = End::kStarted;
  std::optional<Error> error;                // kRetryLater: why
  std::chrono::milliseconds retry_after{0};  // kRetryLater: the backoff chosen
};

class RelayExecutionStarts {
 public:
  RelayExecutionStarts(Database& db, ExecutionStarter& starter, const Clock& clock,
                       RelayStartOptions options);
  Result<std::vector<RelayedStart>> run_once();

 private:
  Database& db_;
  ExecutionStarter& starter_;
  const Clock& clock_;
  RelayStartOptions options_;
};

}  // namespace toq::core
