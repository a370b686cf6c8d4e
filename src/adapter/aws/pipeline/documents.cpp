#include "adapter/aws/pipeline/documents.hpp"

#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/model/media_type.hpp"
#include "core/model/object_keys.hpp"

#include "adapter/aws/pipeline/json_fields.hpp"
#include "support/trace_context.hpp"

namespace toq::aws::pipeline {

using namespace detail;  // NOLINT(google-build-using-namespace): this module's own helpers

namespace {

RunContext read_context(const json& o, std::string_view bucket, std::string_view path) {
  if (integer(o, "version", path, 0, 1000) != kContractVersion) {
    throw Bad{fmt::format("{}.version is not {}", path, kContractVersion)};
  }
  RunContext r;
  r.job = core::JobId{id(o, "jobId", path)};
  r.batch = core::BatchId{id(o, "batchId", path)};
  r.listing = core::ListingId{id(o, "listingId", path)};
  r.run = static_cast<std::int32_t>(integer(o, "run", path, 1, 2147483647));
  r.bucket = text(o, "bucket", path);
  r.output_prefix = text(o, "outputPrefix", path);
  r.traceparent = text(o, "traceparent", path);
  if (!bucket.empty() && r.bucket != bucket) {
    throw Bad{
        fmt::format("{}.bucket '{}' is not the configured bucket '{}'", path, r.bucket, bucket)};
  }
  const auto prefix = core::job_output_prefix(r.listing, r.batch, r.job);
  if (r.output_prefix != prefix) {
    throw Bad{fmt::format("{}.outputPrefix '{}' is not the job's output prefix '{}'", path,
                          r.output_prefix, prefix)};
  }
  if (!support::is_traceparent(r.traceparent)) {
    throw Bad{fmt::format("{}.traceparent is not a W3C traceparent", path)};
  }
  return r;
}

core::ExecutionAsset read_asset(const json& a, const RunContext& r, std::string_view path) {
  core::ExecutionAsset out;
  out.asset = core::AssetId{id(a, "assetId", path)};
  auto& d = out.declared;
  d.client_id = text(a, "clientId", path);
  const auto type = core::parse_media_type(text(a, "mediaType", path));
  if (!type) throw Bad{fmt::format("{}.mediaType is not a media type", path)};
  d.media_type = *type;
  out.raw_key = text(a, "rawKey", path);
  d.bytes = integer(a, "bytes", path, 1, std::int64_t{5} << 40);
  d.checksum_sha256 = text(a, "checksumSha256", path);
  d.content_type = text(a, "contentType", path);
  d.sequence = integer(a, "sequence", path, 1, 2147483647);
  d.title = text(a, "title", path);
  d.filename = text(a, "filename", path);
  const auto expected = core::raw_key(r.listing, r.batch, out.asset);
  if (out.raw_key != expected) {
    throw Bad{fmt::format("{}.rawKey '{}' is not asset {}'s raw key '{}'", path, out.raw_key,
                          out.asset.value, expected)};
  }
  return out;
}

}  // namespace

std::string cut_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  if (max_bytes < 3) return std::string(max_bytes, '.');
  std::size_t end = max_bytes - 3;
  // Back up to the start of a UTF-8 character (never split a multi-byte sequence).
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
  return std::string(text.substr(0, end)) + "...";
}

std::string signal_name(int signal) {
  if (const char* abbrev = ::sigabbrev_np(signal)) return fmt::format("SIG{}", abbrev);
  return fmt::format("SIG{}", signal);
}

std::string result_key(const RunContext& run, core::AssetId asset) {
  return fmt::format("{}{}/result.json", run.output_prefix, asset.value);
}

std::string archive_result_key(const RunContext& run) {
  return run.output_prefix + "archive.json";
}

core::Result<AssetTaskInput> parse_asset_task_input(std::string_view text_in,
                                                    std::string_view bucket) {
  return guarded<AssetTaskInput>("the asset task input", [&] {
    const auto j = parse_object(text_in, "the payload");
    AssetTaskInput in;
    in.run = read_context(j, bucket, "$");
    in.asset = read_asset(field(j, "asset", "$"), in.run, "$.asset");
    return in;
  });
}

core::Result<ArchiveTaskInput> parse_archive_task_input(std::string_view text_in,
                                                        std::string_view bucket) {
  return guarded<ArchiveTaskInput>("the archive task input", [&] {
    const auto j = parse_object(text_in, "the payload");
    ArchiveTaskInput in;
    in.run = read_context(j, bucket, "$");
    const auto& ids = field(j, "assetIds", "$");
    if (!ids.is_array() || ids.empty() || ids.size() > core::kMaxAssetsPerExecution) {
      throw Bad{"$.assetIds is not an array of 1 to 100 ids"};
    }
    for (const auto& v : ids) {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > kMaxId) {
        throw Bad{"$.assetIds holds something that is not an id"};
      }
      in.asset_ids.push_back(core::AssetId{v.get<std::int64_t>()});
    }
    return in;
  });
}

namespace {

core::ProcessingReport::Record read_record(const json& a, std::string_view path) {
  core::ProcessingReport::Record r;
  r.asset = core::AssetId{id(a, "assetId", path)};
  const auto status = text(a, "status", path);
  if (status != "READY" && status != "FAILED")
    throw Bad{fmt::format("{}.status is {}", path, status)};
  r.ready = status == "READY";
  r.result_key = text(a, "resultKey", path);
  if (auto e = a.find("error"); e != a.end() && e->is_object()) {
    r.error_type = text(*e, "errorType", std::string(path) + ".error");
  }
  return r;
}

std::vector<core::ProcessingReport::Record> read_records(const json& j) {
  const auto& list = field(j, "assets", "$");
  if (!list.is_array() || list.size() > core::kMaxAssetsPerExecution) {
    throw Bad{"$.assets is not an array of at most 100 records"};
  }
  std::vector<core::ProcessingReport::Record> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    out.push_back(read_record(list[i], fmt::format("$.assets[{}]", i)));
  }
  return out;
}

bool read_succeeded(const json& j) {
  const auto status = text(j, "status", "$");
  if (status != "SUCCEEDED" && status != "FAILED") throw Bad{"$.status is not SUCCEEDED or FAILED"};
  return status == "SUCCEEDED";
}

ordered record_json(const core::ProcessingReport::Record& r) {
  ordered j;
  j["assetId"] = r.asset.value;
  j["status"] = r.ready ? "READY" : "FAILED";
  j["resultKey"] = r.result_key;
  if (!r.ready)
    j["error"] = ordered{{"errorType", r.error_type.empty() ? "States.TaskFailed" : r.error_type}};
  return j;
}

}  // namespace

core::Result<ReportTaskInput> parse_report_task_input(std::string_view text_in) {
  return guarded<ReportTaskInput>("the report task input", [&] {
    const auto j = parse_object(text_in, "the payload");
    ReportTaskInput in;
    in.run = read_context(j, "", "$");
    in.succeeded = read_succeeded(j);
    in.assets = read_records(j);
    if (auto a = j.find("archive"); a != j.end() && a->is_object()) {
      in.archive = ReportTaskInput::Archive{text(*a, "key", "$.archive"),
                                            text(*a, "resultKey", "$.archive")};
      if (in.archive->result_key != archive_result_key(in.run)) {
        throw Bad{"$.archive.resultKey is not the run's archive.json"};
      }
    }
    if (auto e = j.find("error"); e != j.end() && e->is_object()) {
      in.error =
          ReportTaskInput::Failure{text(*e, "step", "$.error"), text(*e, "errorType", "$.error"),
                                   optional_text(*e, "cause").value_or("")};
    }
    return in;
  });
}

bool is_execution_status_event(std::string_view text_in) {
  const auto j = json::parse(text_in, nullptr, false);
  return j.is_object() && j.contains("detail-type");
}

core::Result<ExecutionStatusEvent> parse_execution_status_event(std::string_view text_in) {
  return guarded<ExecutionStatusEvent>("the execution status event", [&] {
    const auto j = parse_object(text_in, "the event");
    if (text(j, "detail-type", "$") != "Step Functions Execution Status Change") {
      throw Bad{"$.detail-type is not a Step Functions Execution Status Change"};
    }
    const auto& d = field(j, "detail", "$");
    ExecutionStatusEvent e;
    e.execution_arn = text(d, "executionArn", "$.detail");
    e.name = text(d, "name", "$.detail");
    e.status = text(d, "status", "$.detail");
    const auto details = d.find("inputDetails");
    const bool included =
        details != d.end() && details->is_object() && details->value("included", false);
    if (included) e.input = optional_text(d, "input");
    e.error = optional_text(d, "error").value_or("");
    e.cause = optional_text(d, "cause").value_or("");
    return e;
  });
}

core::Result<core::ExecutionInput> parse_execution_input(std::string_view text_in) {
  return guarded<core::ExecutionInput>("the execution input", [&] {
    const auto j = parse_object(text_in, "the input");
    const auto run = read_context(j, "", "$");
    core::ExecutionInput in;
    in.job = run.job;
    in.batch = run.batch;
    in.listing = run.listing;
    in.run = run.run;
    in.bucket = run.bucket;
    in.output_prefix = run.output_prefix;
    in.traceparent = run.traceparent;
    in.max_concurrency = static_cast<int>(integer(j, "maxConcurrency", "$", 1, 40));
    in.archive_runner = text(j, "archiveRunner", "$") == "fargate" ? core::ArchiveRunner::kFargate
                                                                   : core::ArchiveRunner::kLambda;
    const auto& assets = field(j, "assets", "$");
    if (!assets.is_array()) throw Bad{"$.assets is not an array"};
    for (std::size_t i = 0; i < assets.size(); ++i) {
      in.assets.push_back(read_asset(assets[i], run, fmt::format("$.assets[{}]", i)));
    }
    return in;
  });
}

std::string asset_task_result(const AssetTaskInput& input) {
  ordered j;
  j["assetId"] = input.asset.asset.value;
  j["status"] = "READY";
  j["resultKey"] = result_key(input.run, input.asset.asset);
  return dump(j);
}

std::string archive_task_result(const RunContext& run, const ArchiveDocument& zip) {
  ordered j;
  j["key"] = zip.key;
  j["bytes"] = zip.bytes;
  j["sha256"] = zip.sha256_hex;
  j["resultKey"] = archive_result_key(run);
  return dump(j);
}

std::string callback_body(const core::ProcessingReport& report) {
  ordered j;
  j["jobId"] = report.job.value;
  j["batchId"] = report.batch.value;
  j["run"] = report.run;
  j["status"] = report.succeeded ? "SUCCEEDED" : "FAILED";
  auto assets = ordered::array();
  for (const auto& r : report.assets) assets.push_back(record_json(r));
  j["assets"] = std::move(assets);
  if (report.zip) {
    j["zip"] = ordered{
        {"key", report.zip->key}, {"bytes", report.zip->bytes}, {"sha256", report.zip->sha256_hex}};
  }
  if (report.error) {
    ordered e;
    e["code"] = core::to_string(report.error->code);
    e["message"] = cut_utf8(report.error->message, 1024);
    if (!report.error->error_type.empty()) e["errorType"] = report.error->error_type;
    if (!report.error->execution_status.empty()) {
      e["executionStatus"] = report.error->execution_status;
    }
    j["error"] = std::move(e);
  }
  return dump(j);
}

core::Result<core::ProcessingReport> parse_callback_body(std::string_view text_in) {
  return guarded<core::ProcessingReport>("the callback body", [&] {
    const auto j = parse_object(text_in, "the body");
    core::ProcessingReport r;
    r.job = core::JobId{id(j, "jobId", "$")};
    r.batch = core::BatchId{id(j, "batchId", "$")};
    r.run = static_cast<std::int32_t>(integer(j, "run", "$", 1, 2147483647));
    r.succeeded = read_succeeded(j);
    r.assets = read_records(j);
    if (auto z = j.find("zip"); z != j.end()) {
      r.zip = core::ArchiveInfo{text(*z, "key", "$.zip"),
                                integer(*z, "bytes", "$.zip", 22, std::int64_t{1} << 50),
                                text(*z, "sha256", "$.zip")};
    }
    if (auto e = j.find("error"); e != j.end()) {
      core::ProcessingReport::RunError err;
      const auto code = text(*e, "code", "$.error");
      if (code != "INTERNAL_ERROR" && code != "PROCESSING_TIMEOUT") {
        throw Bad{"$.error.code is not INTERNAL_ERROR or PROCESSING_TIMEOUT"};
      }
      err.code = *core::parse_error_code(code);
      err.message = text(*e, "message", "$.error");
      err.error_type = optional_text(*e, "errorType").value_or("");
      err.execution_status = optional_text(*e, "executionStatus").value_or("");
      r.error = std::move(err);
    }
    if (r.succeeded && (!r.zip || r.error)) {
      throw Bad{"a SUCCEEDED report needs zip and no error"};
    }
    return r;
  });
}

std::string report_task_result(std::string_view webhook_id, int http_status) {
  ordered j;
  j["webhookId"] = webhook_id;
  j["httpStatus"] = http_status;
  return dump(j);
}

std::string task_error_message(const TaskErrorDetail& detail) {
  auto build = [&](std::size_t message_max, std::size_t tail_max) {
    ordered j;
    if (detail.asset) j["assetId"] = detail.asset->value;
    j["step"] = contract_step(detail.step);
    j["code"] = asset_code_text(detail.code);
    j["message"] = cut_utf8(detail.message.empty() ? std::string("(no message)") : detail.message,
                            message_max);
    j["hint"] = cut_utf8(detail.hint, 512);
    j["exitStatus"] = detail.exit_status && *detail.exit_status >= 0 && *detail.exit_status <= 255
                          ? ordered(*detail.exit_status)
                          : ordered(nullptr);
    j["diagnosticsTail"] = detail.diagnostics_tail
                               ? ordered(cut_utf8(*detail.diagnostics_tail, tail_max))
                               : ordered(nullptr);
    if (detail.result_key) j["resultKey"] = *detail.result_key;
    if (detail.duration_ms) j["durationMs"] = *detail.duration_ms;
    if (detail.remaining_ms) j["remainingMs"] = *detail.remaining_ms;
    return dump(j);
  };
  // The schema caps message and tail at 2,048 characters; bytes may be more (UTF-8), so shrink
  // until the whole text fits the 8 KiB the contract allows.
  for (std::size_t max = 2048; max >= 64; max /= 2) {
    auto out = build(max, max);
    if (out.size() <= kMaxErrorMessageBytes) return out;
  }
  return build(64, 64);
}

std::string task_error_body(std::string_view error_type, std::string_view error_message) {
  ordered j;
  j["errorType"] = error_type;
  j["errorMessage"] = error_message;
  return dump(j);
}

core::Result<std::vector<SqsRecord>> parse_sqs_event(std::string_view text_in) {
  return guarded<std::vector<SqsRecord>>("the SQS event", [&] {
    const auto j = parse_object(text_in, "the event");
    const auto& records = field(j, "Records", "$");
    if (!records.is_array()) throw Bad{"$.Records is not an array"};
    std::vector<SqsRecord> out;
    for (std::size_t i = 0; i < records.size(); ++i) {
      const auto path = fmt::format("$.Records[{}]", i);
      out.push_back(SqsRecord{text(records[i], "messageId", path), text(records[i], "body", path)});
    }
    return out;
  });
}

core::Result<StartMessage> parse_start_message(std::string_view text_in) {
  return guarded<StartMessage>("the start message", [&] {
    const auto j = parse_object(text_in, "the message");
    StartMessage m{text(j, "name", "$"), text(j, "input", "$")};
    if (!m.name.starts_with("job-") || m.name.size() > 80)
      throw Bad{"$.name is not job-{id}-r{run}"};
    return m;
  });
}

std::string batch_item_failures(const std::vector<std::string>& message_ids) {
  auto list = ordered::array();
  for (const auto& id_text : message_ids) list.push_back(ordered{{"itemIdentifier", id_text}});
  ordered j;
  j["batchItemFailures"] = std::move(list);
  return dump(j);
}

}  // namespace toq::aws::pipeline
