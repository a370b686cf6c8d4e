#pragma once
// What one task invocation ends with, for both ways the tasks run (`toq-media lambda`, through the
// Lambda Runtime API, and `toq-media task`, as a process): the result JSON, or a typed error whose
// errorType and errorMessage are the contract's (docs/aws-pipeline.md, "Typed errors").

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace toq::lambda {

inline constexpr std::string_view kMediaInputInvalid = "Media.InputInvalid";
inline constexpr std::string_view kMediaTransient = "Media.Transient";
inline constexpr std::string_view kMediaTooLongForLambda = "Media.TooLongForLambda";
inline constexpr std::string_view kTaskInputInvalid = "Task.InputInvalid";
inline constexpr std::string_view kReportRejected = "Report.Rejected";
// Not a task error: the function could not start (posted to /runtime/init/error).
inline constexpr std::string_view kRuntimeInitError = "Runtime.InitError";

struct TaskFailure {
  std::string error_type;
  std::string error_message;  // the task-error-detail JSON text
};

using TaskOutcome = std::expected<std::string, TaskFailure>;

// Where the task runs (the result documents' `runner`) and, on Lambda, by when it must end.
struct TaskContext {
  std::string runner = "lambda";                                  // "lambda" | "fargate"
  std::optional<std::chrono::system_clock::time_point> deadline;  // Lambda-Runtime-Deadline-Ms
  std::string request_id;                                         // Lambda's, for logs
};

// toq-media task's exit status for an errorType (the contract's table): 2 Media.InputInvalid,
// 3 Task.InputInvalid, 75 Media.Transient, 1 anything else.
int exit_status_for(std::string_view error_type);

}  // namespace toq::lambda
