#include "adapter/lambda/runtime_loop.hpp"

#include <cstdlib>

#include "adapter/aws/pipeline/documents.hpp"

namespace toq::lambda {

int exit_status_for(std::string_view error_type) {
  if (error_type == kMediaInputInvalid) return 2;
  if (error_type == kTaskInputInvalid) return 3;
  if (error_type == kMediaTransient) return 75;
  return 1;
}

core::Status run_runtime_loop(RuntimeClient& client,
                              const std::function<std::expected<TaskHandler, TaskFailure>()>& init,
                              const RuntimeHooks& hooks) {
  auto handler = init();
  if (!handler) {
    if (hooks.on_init_error) hooks.on_init_error(handler.error());
    auto posted = client.init_error(
        handler.error().error_type,
        aws::pipeline::task_error_body(handler.error().error_type, handler.error().error_message));
    if (!posted) return posted;
    return core::fail(core::ErrorCode::kConfigInvalid, handler.error().error_message);
  }
  for (;;) {
    auto invocation = client.next();
    if (!invocation) return std::unexpected(invocation.error());
    if (invocation->trace_id.empty()) {
      ::unsetenv("_X_AMZN_TRACE_ID");
    } else {
      ::setenv("_X_AMZN_TRACE_ID", invocation->trace_id.c_str(), 1);
    }
    const auto started = std::chrono::steady_clock::now();
    const TaskContext context{
        .runner = "lambda", .deadline = invocation->deadline, .request_id = invocation->request_id};
    const TaskOutcome outcome = (*handler)(invocation->payload, context);
    if (hooks.on_invocation) {
      hooks.on_invocation(InvocationReport{&*invocation, &outcome,
                                           std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::steady_clock::now() - started)});
    }
    const auto posted =
        outcome ? client.respond(invocation->request_id, *outcome)
                : client.fail(invocation->request_id, outcome.error().error_type,
                              aws::pipeline::task_error_body(outcome.error().error_type,
                                                             outcome.error().error_message));
    if (!posted && posted.error().code == core::ErrorCode::kPipelineUnavailable) return posted;
  }
}

}  // namespace toq::lambda
