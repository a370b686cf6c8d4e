#pragma once
// The custom runtime's loop (`toq-media lambda <task>`): initialise once, then forever take the
// next invocation, run the task on its payload and post the result or the typed error. Before each
// invocation the X-Ray trace id (Lambda-Runtime-Trace-Id) is exported as _X_AMZN_TRACE_ID, as
// Lambda's own runtimes do, so everything the task calls carries it. An initialisation failure is
// posted to /runtime/init/error and ends the loop (Lambda then discards this environment).
// The loop ends, with the error, when the Runtime API can no longer be reached: Lambda is
// shutting this environment down.

#include <functional>

#include "core/model/error.hpp"

#include "adapter/lambda/runtime_client.hpp"
#include "adapter/lambda/task_outcome.hpp"

namespace toq::lambda {

using TaskHandler = std::function<TaskOutcome(std::string_view payload, const TaskContext&)>;

struct InvocationReport {
  const Invocation* invocation = nullptr;
  const TaskOutcome* outcome = nullptr;
  std::chrono::milliseconds duration{0};
};

struct RuntimeHooks {
  std::function<void(const InvocationReport&)> on_invocation;  // logs
  std::function<void(const TaskFailure&)> on_init_error;
};

// `init` builds the handler (configuration, stores, secrets); its failure is the init error.
core::Status run_runtime_loop(RuntimeClient& client,
                              const std::function<std::expected<TaskHandler, TaskFailure>()>& init,
                              const RuntimeHooks& hooks = {});

}  // namespace toq::lambda
