// `toq-media lambda TASK` and `toq-media task TASK`: the pipeline's tasks on AWS Lambda (custom
// runtime) and as a process on ECS / Fargate (contract in commands.hpp and docs/aws-pipeline.md).

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "adapter/aws/pipeline/documents.hpp"
#include "adapter/lambda/runtime_loop.hpp"
#include "app/aws_wiring.hpp"
#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/pipeline_tasks.hpp"
#include "support/json/log_ids.hpp"
#include "support/trace_context.hpp"

namespace toq::app {
namespace {

namespace doc = aws::pipeline;

core::Result<Config> task_config(const cli::CommonOptions& common) {
  auto env = MapEnvironment::snapshot(ProcessEnvironment{});
  if (common.data_dir) env.set(std::string(kEnvPrefix) + "DATA_DIR", common.data_dir->string());
  return load_config(common.config_file, env);
}

lambda::TaskFailure init_failure(const core::Error& e) {
  return lambda::TaskFailure{
      std::string(lambda::kRuntimeInitError),
      doc::task_error_message({.step = "input",
                               .code = core::ErrorCode::kInternal,
                               .message = fmt::format("{}: {}", core::to_string(e.code), e.message),
                               .hint = e.hint})};
}

// The trace and the ids a task's input names (the contract's common fields, and the asset task's
// asset), for every line logged about the invocation: one grep finds the run, as in the embedded
// mode.
LogFields task_fields(std::string_view payload) {
  LogFields out;
  const auto in = nlohmann::json::parse(payload, nullptr, false);
  if (!in.is_object()) return out;
  const auto traceparent = in.find("traceparent");
  if (traceparent != in.end() && traceparent->is_string() &&
      support::is_traceparent(traceparent->get<std::string>())) {
    out.emplace_back("traceparent", *traceparent);
  }
  for (auto& [name, id] : support::log_ids(in)) out.emplace_back(std::move(name), id);
  return out;
}

// The errorType of a failed outcome, or "" for success (logs).
std::string outcome_type(const lambda::TaskOutcome& outcome) {
  return outcome ? std::string() : outcome.error().error_type;
}

}  // namespace

int command_lambda(const cli::LambdaOptions& options) {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr || *api == '\0') {
    std::cerr << "toq-media lambda: AWS_LAMBDA_RUNTIME_API is not set\n"
                 "hint: this command is the Lambda custom runtime: Lambda (or the offline "
                 "rehearsal, scripts/services.sh ... aws) starts it with that variable set.\n";
    return 2;
  }
  auto client = make_runtime_client(api);
  const core::SystemClock clock;
  std::unique_ptr<PipelineTasks> tasks;
  auto init = [&]() -> std::expected<lambda::TaskHandler, lambda::TaskFailure> {
    auto config = task_config(options.common);
    if (!config) return std::unexpected(init_failure(config.error()));
    init_logging(config->log);
    auto created = PipelineTasks::create(options.task, std::move(*config), clock);
    if (!created) return std::unexpected(init_failure(created.error()));
    tasks = std::move(*created);
    log::info("lambda runtime ready", {{"task", options.task}});
    return [&](std::string_view payload, const lambda::TaskContext& context) {
      const LogContext ids(task_fields(payload));
      return tasks->run(payload, context);
    };
  };
  lambda::RuntimeHooks hooks;
  hooks.on_invocation = [&](const lambda::InvocationReport& r) {
    const char* trace = std::getenv("_X_AMZN_TRACE_ID");
    LogFields fields{{"task", options.task},
                     {"request_id", r.invocation->request_id},
                     {"trace_id", std::string(trace == nullptr ? "" : trace)},
                     {"duration_ms", static_cast<std::int64_t>(r.duration.count())}};
    for (auto& field : task_fields(r.invocation->payload)) fields.push_back(std::move(field));
    if (*r.outcome) {
      log::info("invocation succeeded", fields);
    } else {
      fields.emplace_back("error_type", outcome_type(*r.outcome));
      fields.emplace_back("error", r.outcome->error().error_message);
      log::warn("invocation failed", fields);
    }
  };
  hooks.on_init_error = [&](const lambda::TaskFailure& f) {
    log::error("lambda init failed", {{"task", options.task}, {"error", f.error_message}});
  };
  auto ended = lambda::run_runtime_loop(*client, init, hooks);
  if (!ended) {
    log::error("lambda runtime stopped",
               {{"task", options.task},
                {"code", std::string(core::to_string(ended.error().code))},
                {"error", ended.error().message}});
    return 1;
  }
  return 0;
}

int command_task(const cli::TaskOptions& options) {
  std::string payload;
  if (options.input_file) {
    std::ifstream in{*options.input_file, std::ios::binary};
    std::stringstream text;
    text << in.rdbuf();
    payload = text.str();
  } else if (const char* env = std::getenv(std::string(kTaskInputEnvVar).c_str())) {
    payload = env;
  } else {
    std::cerr << doc::task_error_body(
                     lambda::kTaskInputInvalid,
                     doc::task_error_message({.step = "input",
                                              .code = core::ErrorCode::kInternal,
                                              .message = "no input: neither TOQ_MEDIA_TASK_INPUT "
                                                         "nor --input FILE was given",
                                              .hint = "The state machine sets "
                                                      "TOQ_MEDIA_TASK_INPUT."}))
              << "\n";
    return lambda::exit_status_for(lambda::kTaskInputInvalid);
  }
  auto config = task_config(options.common);
  if (!config) {
    std::cerr << doc::task_error_body("Task.ConfigInvalid",
                                      init_failure(config.error()).error_message)
              << "\n";
    return 1;
  }
  init_logging(config->log);
  const LogContext ids(task_fields(payload));
  const core::SystemClock clock;
  auto tasks = PipelineTasks::create(options.task, std::move(*config), clock);
  if (!tasks) {
    std::cerr << doc::task_error_body("Task.ConfigInvalid",
                                      init_failure(tasks.error()).error_message)
              << "\n";
    return 1;
  }
  // The task's own retries of a transient fault (2 s, then 4 s) before it gives up with 75.
  const lambda::TaskContext context{
      .runner = "fargate", .deadline = std::nullopt, .request_id = {}};
  lambda::TaskOutcome outcome = (*tasks)->run(payload, context);
  for (int retry = 1;
       retry <= 2 && !outcome && outcome.error().error_type == lambda::kMediaTransient; ++retry) {
    log::warn("task failed transiently; retrying",
              {{"task", options.task}, {"retry", retry}, {"error", outcome.error().error_message}});
    std::this_thread::sleep_for(std::chrono::seconds(2 * retry));
    outcome = (*tasks)->run(payload, context);
  }
  if (outcome) {
    std::cout << *outcome << std::endl;
    return 0;
  }
  std::cerr << doc::task_error_body(outcome.error().error_type, outcome.error().error_message)
            << std::endl;
  return lambda::exit_status_for(outcome.error().error_type);
}

}  // namespace toq::app
