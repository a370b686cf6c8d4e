// The starter task (tasks.hpp): SQS -> StartExecution, with partial batch responses
// (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html: the function
// answers {"batchItemFailures":[{"itemIdentifier": messageId}]} and only those records return to
// the queue; after the queue's maxReceiveCount a record goes to its dead-letter queue).

#include <fmt/format.h>

#include "core/service/execution_runs.hpp"

#include "adapter/aws/pipeline/documents.hpp"
#include "adapter/lambda/tasks.hpp"

namespace toq::lambda {

TaskOutcome run_starter_task(std::string_view payload, const TaskContext& /*context*/,
                             const StarterTaskDeps& deps) {
  namespace doc = aws::pipeline;
  auto records = doc::parse_sqs_event(payload);
  if (!records) {
    return std::unexpected(
        TaskFailure{std::string(kTaskInputInvalid),
                    doc::task_error_message({.step = "input",
                                             .code = core::ErrorCode::kInternal,
                                             .message = records.error().message,
                                             .hint = "The starter takes SQS events."})});
  }
  // A record that fails, transiently or for good, goes back to the queue: retried, and after the
  // queue's maxReceiveCount moved to the start dead-letter queue, whose alarm fires. Nothing is
  // dropped silently.
  std::vector<std::string> failed;
  for (const auto& record : *records) {
    auto message = doc::parse_start_message(record.body);
    if (!message) {
      failed.push_back(record.message_id);
      continue;
    }
    const std::string traceparent = core::traceparent_of(message->input);
    auto started =
        deps.starter->start(core::StartRequest{message->name, message->input, traceparent});
    if (!started) failed.push_back(record.message_id);
  }
  return doc::batch_item_failures(failed);
}

}  // namespace toq::lambda
