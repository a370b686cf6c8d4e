#include "core/model/execution.hpp"

#include <fmt/format.h>

namespace toq::core {

std::string_view to_string(ExecutionStatus status) {
  switch (status) {
    case ExecutionStatus::kRunning: return "RUNNING";
    case ExecutionStatus::kSucceeded: return "SUCCEEDED";
    case ExecutionStatus::kFailed: return "FAILED";
    case ExecutionStatus::kTimedOut: return "TIMED_OUT";
    case ExecutionStatus::kAborted: return "ABORTED";
    case ExecutionStatus::kNotFound: return "NOT_FOUND";
  }
  return "NOT_FOUND";
}

std::string execution_name(JobId job, std::int32_t run) {
  return fmt::format("job-{}-r{}", job.value, run);
}

}  // namespace toq::core
