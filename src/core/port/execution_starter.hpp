#pragma once
// The AWS mode's processing service as the relay and the overdue check see it: start a named
// execution of the batch state machine, ask how one stands, and check it can be reached. Adapters:
// Step Functions (StartExecution / DescribeExecution) and SQS in front of it (SendMessage; the
// starter Lambda makes the named call), in src/adapter/aws.
//
// Contract:
// - start() asks for the execution `name` with exactly `input`. kStarted when it was accepted now,
//   kAlreadyExists when an execution of that name exists already (Step Functions answers a repeat
//   of a running execution with the same input as a success and a closed one, or one with
//   another input, with ExecutionAlreadyExists): either way the run is started, exactly once.
//   A request that may be retried as is (throttled, a 5xx, the network, a timeout) fails with
//   PIPELINE_UNAVAILABLE; anything else (refused: access, a bad name or input, a missing state
//   machine) with another code and the service's own words.
// - describe() says where the execution `name` stands; kNotFound when it does not exist. Errors
//   as start().
// - check() is a cheap call that proves the service answers with these credentials (serve's start
//   and /readyz): ok, or the error saying what is missing.
// Thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/model/error.hpp"
#include "core/model/execution.hpp"

namespace toq::core {

struct StartRequest {
  std::string_view name;         // job-{jobId}-r{run}
  std::string_view input;        // the outbox row's bytes
  std::string_view traceparent;  // W3C trace context, passed on as the trace header
};

struct StartResult {
  enum class Outcome : std::uint8_t { kStarted, kAlreadyExists } outcome = Outcome::kStarted;
  std::string execution_arn;  // "" when the adapter does not learn it (SQS)
};

struct ExecutionState {
  ExecutionStatus status = ExecutionStatus::kNotFound;
  std::string error;  // FAILED / TIMED_OUT / ABORTED: the execution's error and cause, if any
};

class ExecutionStarter {
 public:
  virtual ~ExecutionStarter() = default;
  virtual Result<StartResult> start(const StartRequest& request) = 0;
  virtual Result<ExecutionState> describe(std::string_view name) = 0;
  virtual Status check() = 0;
  // "Step Functions", "SQS": for messages.
  virtual std::string_view service_name() const = 0;
};

}  // namespace toq::core
