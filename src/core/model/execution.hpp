#pragma once
// The AWS mode's processing run (docs/aws-pipeline.md): one Step Functions execution per job,
// named job-{jobId}-r{run}. Its start is an outbox row (ExecutionStart) written in the transaction
// that creates the job, holding the exact execution input, and relayed to Step Functions by serve.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/model/ids.hpp"
#include "core/model/time.hpp"

namespace toq::core {

// One outbox row: the start of one job's execution.
struct ExecutionStart {
  std::int64_t id = 0;
  JobId job_id;
  std::string name;   // job-{jobId}-r{run}: the execution name, unique
  std::string input;  // the execution input, the exact bytes sent on every attempt
  Timestamp created_at{};
  Timestamp next_attempt_at{};  // not claimed before this (backoff after a failed attempt)
  std::int32_t attempts = 0;    // failed attempts so far
  std::optional<std::string> claimed_by;      // the relay working on it
  std::optional<Timestamp> claim_expires_at;  // its claim is void after this (a relay died)
  std::optional<Timestamp> started_at;        // set once the start was accepted: done
  std::string execution_arn;                  // as Step Functions answered ("" through SQS)
  std::string last_error;
  friend bool operator==(const ExecutionStart&, const ExecutionStart&) = default;
};

// What Step Functions says of an execution (DescribeExecution), plus "there is none".
enum class ExecutionStatus : std::uint8_t {
  kRunning,
  kSucceeded,
  kFailed,
  kTimedOut,
  kAborted,
  kNotFound,
};
std::string_view to_string(ExecutionStatus status);  // "RUNNING", ..., "NOT_FOUND"

// "job-{jobId}-r{run}" (at most 4 + 16 + 2 + 10 characters: within Step Functions' 80).
std::string execution_name(JobId job, std::int32_t run);

}  // namespace toq::core
