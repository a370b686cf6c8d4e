#include "core/service/record_processing_result.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include <fmt/format.h>

#include "core/model/object_keys.hpp"
#include "core/service/execution_runs.hpp"
#include "core/service/job_outcome.hpp"

namespace toq::core {
namespace {

struct Look {
  Job job;
  Batch batch;
  std::vector<Asset> assets;
  bool latest = false;
};

Error job_not_found(const ProcessingReport& r) {
  return make_error(ErrorCode::kJobNotFound,
                    fmt::format("job {} of batch {} not found", r.job.value, r.batch.value),
                    "No such processing job.");
}

std::string result_key_of(const Look& l, AssetId asset) {
  return result_document_key(l.batch.listing_id, l.batch.id, l.job.id, asset);
}

// The outcome of an asset the report leaves without a usable document.
AssetWorkResult without_document(const ProcessingReport& report,
                                 const ProcessingReport::Record* record, AssetId asset,
                                 std::string_view why) {
  const std::string error_type = record && !record->error_type.empty() ? record->error_type
                                 : report.error && !report.error->error_type.empty()
                                     ? report.error->error_type
                                     : std::string("no error type");
  ErrorCode code = ErrorCode::kInternal;
  if (report.error) {
    code = report.error->code;
  } else if (error_type == "States.Timeout" || error_type == "Sandbox.Timedout") {
    code = ErrorCode::kProcessingTimeout;
  }
  AssetWorkResult out;
  out.asset = asset;
  out.failure = AssetFailure{
      .code = code,
      .message = fmt::format("Processing this file stopped ({}) {}.", error_type, why),
      .hint = code == ErrorCode::kProcessingTimeout
                  ? "The file took too long to process: upload a shorter or smaller version."
                  : "Try processing the batch again (retry); if it keeps failing, contact "
                    "support with the batch id.",
      .tool = std::nullopt};
  out.failed_step = "result";
  return out;
}

Result<Look> look_up(Database& db, const ProcessingReport& report) {
  return db.transact([&](UnitOfWork& uow) -> Result<Look> {
    auto job = uow.jobs().find(report.job);
    if (!job) return std::unexpected(job.error());
    if (!*job || (*job)->batch_id != report.batch) return std::unexpected(job_not_found(report));
    auto batch = uow.batches().find(report.batch);
    if (!batch) return std::unexpected(batch.error());
    if (!*batch) return std::unexpected(job_not_found(report));
    auto assets = uow.assets().list_by_batch(report.batch);
    if (!assets) return std::unexpected(assets.error());
    auto latest = uow.jobs().find_latest(report.batch);
    if (!latest) return std::unexpected(latest.error());
    const bool is_latest = *latest && (*latest)->id == report.job;
    return Look{**job, **batch, std::move(*assets), is_latest};
  });
}

using Records = std::map<AssetId, const ProcessingReport::Record*>;

// Clause 1: every record names an asset of the batch and its document under the job's prefix.
Result<Records> records_of(const ProcessingReport& report, const Look& look) {
  Records records;
  for (const auto& r : report.assets) {
    const bool known = std::any_of(look.assets.begin(), look.assets.end(),
                                   [&](const Asset& a) { return a.id == r.asset; });
    if (!known || r.result_key != result_key_of(look, r.asset)) {
      return fail(ErrorCode::kInvalidRequest,
                  fmt::format("asset {} with resultKey '{}' is not an asset of batch {} under "
                              "job {}'s prefix",
                              r.asset.value, r.result_key, report.batch.value, report.job.value),
                  "An asset record names another asset or result document.");
    }
    records[r.asset] = &r;
  }
  return records;
}

// Clause 3: one asset's outcome from its result document (the authority), or without one;
// `processing` gets the document's processing time (clause 6) when it is this run's and has one.
Result<AssetWorkResult> asset_outcome(ProcessingResults& results, const ProcessingReport& report,
                                      const Look& look, const Asset& asset,
                                      const ProcessingReport::Record* record,
                                      std::optional<std::chrono::milliseconds>& processing) {
  auto doc = results.asset_result(result_key_of(look, asset.id));
  if (!doc && doc.error().code != ErrorCode::kInvalidRequest) {
    return std::unexpected(doc.error());
  }
  if (!doc) {
    return without_document(report, record, asset.id,
                            "and its result document is unreadable: " + doc.error().message);
  }
  if (!*doc) return without_document(report, record, asset.id, "before its result was written");
  const auto& d = **doc;
  if (d.job != look.job.id || d.batch != look.batch.id || d.asset != asset.id ||
      d.run != look.job.run) {
    return without_document(report, record, asset.id,
                            "and its result document belongs to another run");
  }
  processing = d.processing;
  AssetWorkResult outcome;
  outcome.asset = asset.id;
  outcome.facts = d.facts;
  if (d.ready) {
    outcome.renditions = d.renditions;
    for (auto& r : outcome.renditions) {
      r.asset_id = asset.id;
      r.job_id = look.job.id;
    }
    return outcome;
  }
  outcome.failure = d.failure.value_or(
      AssetFailure{.code = ErrorCode::kInternal,
                   .message = "The result document says FAILED without a failure.",
                   .hint = {},
                   .tool = std::nullopt});
  outcome.failed_step = d.failed_step;
  return outcome;
}

struct Outcomes {
  std::map<AssetId, AssetWorkResult> by_asset;
  std::optional<AssetFailure> first_failure;
  int failed = 0;
  std::vector<RecordProcessingResultOutput::AssetObservation> observed;  // in the batch's order
};

// Every asset's outcome, read before anything is written: nothing is written when one cannot be
// read.
Result<Outcomes> read_outcomes(ProcessingResults& results, const ProcessingReport& report,
                               const Look& look, const Records& records) {
  Outcomes out;
  for (const auto& asset : look.assets) {
    const auto it = records.find(asset.id);
    RecordProcessingResultOutput::AssetObservation seen{.asset = asset.id,
                                                        .kind = group_of(asset.declared.media_type),
                                                        .failure = std::nullopt,
                                                        .processing = std::nullopt};
    auto outcome = asset_outcome(results, report, look, asset,
                                 it == records.end() ? nullptr : it->second, seen.processing);
    if (!outcome) return std::unexpected(outcome.error());
    if (outcome->failure) seen.failure = outcome->failure->code;
    out.observed.push_back(seen);
    if (!outcome->ready()) {
      // The failure record names the run's trace (the job's), as the embedded worker's do.
      if (outcome->failure) outcome->failure->traceparent = look.job.traceparent;
      ++out.failed;
      if (!out.first_failure) out.first_failure = outcome->failure;
    }
    out.by_asset.emplace(asset.id, std::move(*outcome));
  }
  return out;
}

// Clause 4: the job's error when the batch is not READY.
std::optional<Error> job_error_of(const ProcessingReport& report, const Outcomes& outcomes,
                                  int total, bool ready) {
  if (ready) return std::nullopt;
  if (outcomes.failed > 0)
    return failed_assets_error(outcomes.failed, total, outcomes.first_failure);
  if (report.error) return make_error(report.error->code, report.error->message);
  return make_error(ErrorCode::kInternal, report.succeeded ? "the run succeeded without a ZIP"
                                                           : "the run failed without saying why");
}

}  // namespace

std::string_view to_string(RecordProcessingResultOutput::Outcome outcome) {
  switch (outcome) {
    case RecordProcessingResultOutput::Outcome::kApplied: return "applied";
    case RecordProcessingResultOutput::Outcome::kAlreadyApplied: return "already_applied";
    case RecordProcessingResultOutput::Outcome::kStale: return "stale";
  }
  return "applied";
}

Result<RecordProcessingResultOutput> RecordProcessingResult::run(const ProcessingReport& report) {
  auto look = look_up(deps_.db, report);
  if (!look) return std::unexpected(look.error());

  RecordProcessingResultOutput out;
  out.job = look->job.id;
  out.batch = look->batch.id;
  out.batch_status = look->batch.status;
  out.traceparent = look->job.traceparent;
  if (report.run != look->job.run) {
    return fail(ErrorCode::kInvalidRequest,
                fmt::format("job {} is run {}, the report says run {}", report.job.value,
                            look->job.run, report.run),
                "The report names another run of this job.");
  }
  if (look->job.status == JobStatus::kSucceeded || look->job.status == JobStatus::kFailed) {
    out.outcome = RecordProcessingResultOutput::Outcome::kAlreadyApplied;
    return out;
  }
  if (!look->latest) {
    out.outcome = RecordProcessingResultOutput::Outcome::kStale;
    return out;
  }
  auto records = records_of(report, *look);
  if (!records) return std::unexpected(records.error());
  auto outcomes = read_outcomes(deps_.results, report, *look, *records);
  if (!outcomes) return std::unexpected(outcomes.error());
  const int total = static_cast<int>(look->assets.size());
  const bool ready = report.succeeded && outcomes->failed == 0 && report.zip.has_value();
  auto applied =
      apply(report, outcomes->by_asset, ready, job_error_of(report, *outcomes, total, ready));
  if (!applied) return std::unexpected(applied.error());
  if (!applied->has_value()) {
    out.outcome = RecordProcessingResultOutput::Outcome::kAlreadyApplied;
    auto batch =
        deps_.db.transact([&](UnitOfWork& uow) { return uow.batches().find(report.batch); });
    if (batch && *batch) out.batch_status = (*batch)->status;
    return out;
  }
  out.outcome = RecordProcessingResultOutput::Outcome::kApplied;
  out.batch_status = ready ? BatchStatus::kReady : BatchStatus::kFailed;
  out.assets_ready = total - outcomes->failed;
  out.assets_failed = outcomes->failed;
  out.run_duration =
      std::max(std::chrono::milliseconds{0}, (*applied)->finished - (*applied)->began);
  out.observed = std::move(outcomes->observed);
  return out;
}

// Attempts after a lost compare-and-set (each re-reads the job; two writers at most race a report:
// the relay and one other delivery).
constexpr int kStaleRetries = 3;

Result<std::optional<RecordProcessingResult::Applied>> RecordProcessingResult::apply(
    const ProcessingReport& report, const std::map<AssetId, AssetWorkResult>& outcomes, bool ready,
    const std::optional<Error>& job_error) {
  bool already = false;
  const auto now = deps_.clock.now();
  Timestamp began = now;
  auto attempt = [&](UnitOfWork& uow) -> Status {
    already = false;
    auto job = uow.jobs().find(report.job);
    if (!job) return std::unexpected(job.error());
    if (!*job) return std::unexpected(job_not_found(report));
    if ((*job)->status == JobStatus::kSucceeded || (*job)->status == JobStatus::kFailed) {
      already = true;
      return {};
    }
    // The run began when the relay's StartExecution was accepted (begin_execution's started_at),
    // not at created_at: the wait in the start outbox before that (throttled or retried starts)
    // is queue time, shown by the start and queue gauges, and the local workers' duration
    // likewise starts at their claim. A job still QUEUED here had its start accepted but never
    // marked (the relay died, or marks it this very moment); beginning it now would say the run
    // took no time, so its creation, the nearest earlier bound, stands in.
    began = (*job)->status == JobStatus::kQueued ? (*job)->created_at
                                                 : (*job)->started_at.value_or((*job)->created_at);
    if ((*job)->status == JobStatus::kQueued) {
      if (auto b = begin_execution(uow, report.job, "", now + options_.report_deadline, now); !b) {
        return b;
      }
      job = uow.jobs().find(report.job);
      if (!job) return std::unexpected(job.error());
    }
    auto batch = uow.batches().find(report.batch);
    if (!batch) return std::unexpected(batch.error());
    auto assets = uow.assets().list_by_batch(report.batch);
    if (!assets) return std::unexpected(assets.error());
    for (const auto& asset : *assets) {
      if (done_by(asset, report.job)) continue;
      const auto it = outcomes.find(asset.id);
      if (it == outcomes.end()) continue;  // an asset added meanwhile cannot happen; skip it
      auto recorded = record_asset_outcome(uow, asset, report.job, it->second, now);
      if (!recorded) return std::unexpected(recorded.error());
    }
    if (ready) {
      if (auto r = uow.jobs().record_archive(report.job, *report.zip, now); !r) {
        return std::unexpected(r.error());
      }
    }
    return finish_job(uow, **job, **batch, ready, job_error, now);
  };
  // STALE_STATE: a compare-and-set lost to a concurrent writer. Either another delivery of the
  // report finished the job (the next attempt sees it ended: already applied), or the relay began
  // the QUEUED job between our read and our write (the next attempt sees it RUNNING and applies
  // the report). Answering "already applied" without looking again would drop the report and
  // leave the batch PROCESSING until the overdue check.
  auto applied = deps_.db.run(attempt);
  for (int retry = 0;
       retry < kStaleRetries && !applied && applied.error().code == ErrorCode::kStaleState;
       ++retry) {
    applied = deps_.db.run(attempt);
  }
  if (!applied && applied.error().code != ErrorCode::kStaleState) {
    return std::unexpected(applied.error());
  }
  if (!applied.has_value() || already) return std::optional<Applied>();
  return std::optional<Applied>(Applied{began, now});
}

}  // namespace toq::core
