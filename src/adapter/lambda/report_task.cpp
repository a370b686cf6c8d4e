// The report task (tasks.hpp): the contract's "Report task" and "The EventBridge reporter" in
// docs/aws-pipeline.md.

#include <cstdlib>
#include <regex>

#include <fmt/format.h>

#include "adapter/aws/pipeline/documents.hpp"
#include "adapter/aws/pipeline/result_documents.hpp"
#include "adapter/lambda/tasks.hpp"

namespace toq::lambda {
namespace {

namespace doc = aws::pipeline;

TaskFailure typed(std::string_view type, std::string message, std::string hint) {
  return TaskFailure{std::string(type), doc::task_error_message({.step = "report",
                                                                 .code = core::ErrorCode::kInternal,
                                                                 .message = std::move(message),
                                                                 .hint = std::move(hint)})};
}

TaskOutcome deliver(const ReportTaskDeps& deps, const std::string& webhook_id,
                    const core::ProcessingReport& report, const std::string& traceparent) {
  core::WebhookEvent event{.id = webhook_id,
                           .type = "processing.report",
                           .body_json = doc::callback_body(report),
                           .occurred_at = deps.clock->now()};
  if (!traceparent.empty()) event.extra_headers.emplace_back("traceparent", traceparent);
  if (const char* trace = std::getenv("_X_AMZN_TRACE_ID"); trace != nullptr && *trace != '\0') {
    event.extra_headers.emplace_back("X-Amzn-Trace-Id", trace);
  }
  auto result = deps.sender->deliver(event, deps.clock->now());
  if (!result) {
    return std::unexpected(typed(kReportRejected, result.error().message,
                                 "The callback could not be sent: check aws.callbackUrl."));
  }
  if (result->delivered()) return doc::report_task_result(webhook_id, result->status);
  const std::string what =
      fmt::format("POST {}: {}", deps.callback_url,
                  result->status == 0 ? result->detail
                                      : fmt::format("HTTP {}: {}", result->status, result->detail));
  const bool transient = result->status == 0 || result->status == 429 || result->status >= 500;
  if (transient) {
    return std::unexpected(
        typed(kMediaTransient, what, "The service did not take the report; retried."));
  }
  return std::unexpected(typed(
      kReportRejected, what,
      result->status == 401 ? "The service refused the signature: the pipeline secret or the clock "
                              "differs between the pipeline and serve."
                            : "The service refused the report."));
}

std::string_view step_words(std::string_view step) {
  return step == "archive" ? "the ZIP could not be built" : "the asset loop failed";
}

TaskOutcome report_run(std::string_view payload, const ReportTaskDeps& deps) {
  auto input = doc::parse_report_task_input(payload);
  if (!input) {
    return std::unexpected(typed(kTaskInputInvalid, input.error().message,
                                 "The payload breaks the processing contract."));
  }
  const auto& run = input->run;
  core::ProcessingReport report;
  report.job = run.job;
  report.batch = run.batch;
  report.run = run.run;
  report.succeeded = input->succeeded;
  report.assets = input->assets;
  if (input->archive) {
    auto text = doc::read_document(*deps.store, input->archive->result_key);
    if (!text) {
      return std::unexpected(typed(kMediaTransient, text.error().message, "Reading archive.json."));
    }
    if (!*text) {
      return std::unexpected(typed(kTaskInputInvalid,
                                   fmt::format("{} is missing", input->archive->result_key),
                                   "The archive task writes archive.json before the report."));
    }
    auto zip = doc::parse_archive_result_document(**text);
    if (!zip) {
      return std::unexpected(
          typed(kTaskInputInvalid, zip.error().message, "archive.json is broken."));
    }
    report.zip = core::ArchiveInfo{zip->key, zip->bytes, zip->sha256_hex};
  }
  if (input->error) {
    report.error = core::ProcessingReport::RunError{
        .code = core::ErrorCode::kInternal,
        .message = doc::cut_utf8(fmt::format("{}: {}: {}", step_words(input->error->step),
                                             input->error->error_type, input->error->cause),
                                 1024),
        .error_type = input->error->error_type,
        .execution_status = {}};
  }
  if (report.succeeded && !report.zip) report.succeeded = false;
  return deliver(deps, fmt::format("job-{}-r{}-report", run.job.value, run.run), report,
                 run.traceparent);
}

TaskOutcome report_event(std::string_view payload, const ReportTaskDeps& deps) {
  auto event = doc::parse_execution_status_event(payload);
  if (!event) {
    return std::unexpected(typed(kTaskInputInvalid, event.error().message,
                                 "Not a Step Functions Execution Status Change event."));
  }
  static const std::regex kName{"^job-([1-9][0-9]*)-r([1-9][0-9]*)$"};
  std::smatch m;
  const std::string name = event->name;
  if (!std::regex_match(name, m, kName)) {
    // Not one of ours: nothing to report.
    return std::string(R"({"ignored":"not a toq-media execution"})");
  }
  std::string input_text;
  if (event->input) {
    input_text = *event->input;
  } else {
    auto described = deps.execution_input ? deps.execution_input(event->execution_arn)
                                          : core::fail(core::ErrorCode::kConfigInvalid,
                                                       "no DescribeExecution configured");
    if (!described) {
      return std::unexpected(
          typed(kMediaTransient, described.error().message, "DescribeExecution failed; retried."));
    }
    input_text = *described;
  }
  auto input = doc::parse_execution_input(input_text);
  if (!input) {
    return std::unexpected(typed(kTaskInputInvalid, input.error().message,
                                 "The execution's input breaks the processing contract."));
  }
  core::ProcessingReport report;
  report.job = core::JobId{std::stoll(m[1].str())};
  report.batch = input->batch;
  report.run = static_cast<std::int32_t>(std::stol(m[2].str()));
  report.succeeded = false;
  std::string message = fmt::format("execution {} {}", name, event->status);
  if (!event->error.empty() || !event->cause.empty()) {
    message += fmt::format(": {}: {}", event->error, event->cause);
  }
  report.error = core::ProcessingReport::RunError{.code = event->status == "TIMED_OUT"
                                                              ? core::ErrorCode::kProcessingTimeout
                                                              : core::ErrorCode::kInternal,
                                                  .message = doc::cut_utf8(message, 1024),
                                                  .error_type = event->error,
                                                  .execution_status = event->status};
  std::string suffix = event->status;
  for (auto& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return deliver(deps, fmt::format("job-{}-r{}-{}", report.job.value, report.run, suffix), report,
                 input->traceparent);
}

}  // namespace

TaskOutcome run_report_task(std::string_view payload, const TaskContext& /*context*/,
                            const ReportTaskDeps& deps) {
  if (doc::is_execution_status_event(payload)) return report_event(payload, deps);
  return report_run(payload, deps);
}

}  // namespace toq::lambda
