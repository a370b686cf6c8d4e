#pragma once
// The AWS processing contract's JSON documents (docs/aws-pipeline.md; the schemas in
// deploy/aws/contract/), read and written in one place: the task payloads `toq-media lambda|task`
// receive and return, the result documents they write and the service reads, the typed task
// errors, the callback body and the starter's SQS event. Parsing checks what the tasks rely on
// (version 1, types, ranges, the deterministic keys) and fails with INVALID_REQUEST naming the
// field: a task turns that into Task.InputInvalid. Writing follows the schemas' key order; every
// writer is checked against its schema by the tests (Ajv in deploy/aws).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/asset.hpp"
#include "core/model/error.hpp"
#include "core/model/execution_input.hpp"
#include "core/model/ids.hpp"
#include "core/model/job.hpp"
#include "core/model/time.hpp"
#include "core/port/media_processor.hpp"
#include "core/port/processing_results.hpp"
#include "core/service/record_processing_result.hpp"

namespace toq::aws::pipeline {

inline constexpr int kContractVersion = 1;
// The largest errorMessage a typed task error carries (the contract's 8 KiB).
inline constexpr std::size_t kMaxErrorMessageBytes = 8192;
// The longest diagnostics tail a document or an error quotes.
inline constexpr std::size_t kMaxDiagnosticsChars = 2048;

// The fields every task payload repeats from the execution input.
struct RunContext {
  core::JobId job;
  core::BatchId batch;
  core::ListingId listing;
  std::int32_t run = 1;
  std::string bucket;
  std::string output_prefix;
  std::string traceparent;
};

struct AssetTaskInput {
  RunContext run;
  core::ExecutionAsset asset;
};

struct ArchiveTaskInput {
  RunContext run;
  std::vector<core::AssetId> asset_ids;
};

struct ReportTaskInput {
  RunContext run;
  bool succeeded = false;
  std::vector<core::ProcessingReport::Record> assets;
  struct Archive {
    std::string key;
    std::string result_key;
  };
  std::optional<Archive> archive;
  struct Failure {
    std::string step;  // "archive" | "assets"
    std::string error_type;
    std::string cause;
  };
  std::optional<Failure> error;
};

// A Step Functions Execution Status Change event (the EventBridge rule's), as the reporter needs
// it.
struct ExecutionStatusEvent {
  std::string execution_arn;
  std::string name;
  std::string status;                // FAILED | TIMED_OUT | ABORTED
  std::optional<std::string> input;  // when inputDetails.included
  std::string error;
  std::string cause;
};

// {outputPrefix}{assetId}/result.json, {outputPrefix}archive.zip, {outputPrefix}archive.json
std::string result_key(const RunContext& run, core::AssetId asset);
std::string archive_result_key(const RunContext& run);

// ---- task inputs. `bucket`, when not empty, must be the payload's (the configured bucket). ----
core::Result<AssetTaskInput> parse_asset_task_input(std::string_view text, std::string_view bucket);
core::Result<ArchiveTaskInput> parse_archive_task_input(std::string_view text,
                                                        std::string_view bucket);
core::Result<ReportTaskInput> parse_report_task_input(std::string_view text);
// True when the payload is an EventBridge event (detail-type), not a report task input.
bool is_execution_status_event(std::string_view text);
core::Result<ExecutionStatusEvent> parse_execution_status_event(std::string_view text);
// The execution input's batchId and traceparent (what the reporter takes from it).
core::Result<core::ExecutionInput> parse_execution_input(std::string_view text);

// ---- what the tasks write ----
// {"assetId","status":"READY","resultKey"}
std::string asset_task_result(const AssetTaskInput& input);
// The asset result document for the pipeline's outcome (READY or FAILED); `processing`, the
// task's wall time on the asset, is written as processingMs when given (optional in the contract).
std::string asset_result_document(const AssetTaskInput& input, const core::AssetWorkResult& outcome,
                                  std::string_view runner, core::Timestamp finished_at,
                                  std::optional<std::chrono::milliseconds> processing);
core::Result<core::AssetResultDocument> parse_asset_result_document(std::string_view text);

struct ArchiveEntryRecord {
  std::string name;
  std::optional<core::AssetId> asset;
  std::int64_t bytes = 0;
  std::string sha256_hex;
};
struct ArchiveDocument {
  std::string key;
  std::int64_t bytes = 0;
  std::string sha256_hex;
};
std::string archive_result_document(const RunContext& run, const ArchiveDocument& zip,
                                    const std::vector<ArchiveEntryRecord>& entries,
                                    std::string_view runner, core::Timestamp finished_at);
core::Result<ArchiveDocument> parse_archive_result_document(std::string_view text);
// {"key","bytes","sha256","resultKey"}
std::string archive_task_result(const RunContext& run, const ArchiveDocument& zip);

// ---- the callback ----
// The body the report task POSTs (keys jobId, batchId, run, status, assets, zip, error).
std::string callback_body(const core::ProcessingReport& report);
// The service's side: the body as the use case takes it (INVALID_REQUEST naming the field).
core::Result<core::ProcessingReport> parse_callback_body(std::string_view text);
// {"webhookId","httpStatus"}
std::string report_task_result(std::string_view webhook_id, int http_status);

// ---- typed task errors ----
struct TaskErrorDetail {
  std::optional<core::AssetId> asset = std::nullopt;
  std::string
      step;  // input, fetch, verify, detect, probe, plan, render, store, result, archive, report
  core::ErrorCode code =
      core::ErrorCode::kInternal;  // an asset code, INTERNAL_ERROR, PROCESSING_TIMEOUT
  std::string message;
  std::string hint;
  std::optional<int> exit_status = std::nullopt;
  std::optional<std::string> diagnostics_tail = std::nullopt;
  std::optional<std::string> result_key = std::nullopt;
  std::optional<std::int64_t> duration_ms = std::nullopt;
  std::optional<std::int64_t> remaining_ms = std::nullopt;
};
// The errorMessage text (a JSON object, at most kMaxErrorMessageBytes: the message and the tail are
// cut, on a UTF-8 boundary, when it would not fit).
std::string task_error_message(const TaskErrorDetail& detail);
// {"errorType","errorMessage"}: the runtime's /error body and a failed task's last stderr line.
std::string task_error_body(std::string_view error_type, std::string_view error_message);

// ---- the SQS starter ----
struct SqsRecord {
  std::string message_id;
  std::string body;
};
core::Result<std::vector<SqsRecord>> parse_sqs_event(std::string_view text);
struct StartMessage {
  std::string name;
  std::string input;
};
core::Result<StartMessage> parse_start_message(std::string_view text);
// {"batchItemFailures":[{"itemIdentifier":"<messageId>"}, ...]}
std::string batch_item_failures(const std::vector<std::string>& message_ids);

// `text` cut to at most `max_bytes` bytes on a UTF-8 character boundary, "..." marking the cut.
std::string cut_utf8(std::string_view text, std::size_t max_bytes);
// "SIGKILL" for 9 (sigabbrev_np), "SIG<n>" for an unknown number.
std::string signal_name(int signal);

}  // namespace toq::aws::pipeline
