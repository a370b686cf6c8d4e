#pragma once
// Use case: the AWS pipeline reports how a job's run ended (POST /api/v2/listings/media/callback,
// after the route verified the Standard Webhooks signature; docs/aws-pipeline.md, "The service's
// side of the callback"). The batch is finished exactly as the embedded mode's run_job finishes it
// (job_outcome.hpp), from the result documents the asset tasks wrote.
//
// Contract:
// 1. The job exists and belongs to report.batch (JOB_NOT_FOUND otherwise: nothing changes);
//    report.run is the job's run and every record's resultKey is exactly
//    {job_output_prefix}{assetId}/result.json of an asset of the batch (INVALID_REQUEST).
// 2. A finished job: kAlreadyApplied, no change (a delivery repeated, or the EventBridge reporter
//    after the in-machine report). A job that is not the batch's latest: kStale, no change.
// 3. Each asset of the batch, from its document at the deterministic key (the authority): READY
//    with facts and renditions, or FAILED with the document's failure. No document (or one that is
//    not a valid document of this job and asset): FAILED with report.error's code when given, else
//    PROCESSING_TIMEOUT when the record's errorType is States.Timeout or Sandbox.Timedout, else
//    INTERNAL_ERROR, the message naming the errorType.
// 4. READY only when the report SUCCEEDED, every asset is READY and the zip is given; the zip is
//    recorded on the job (record_archive's rules: its key must be the job's archive key).
//    Otherwise FAILED with the first failed asset's code, else report.error's.
// 5. ONE transaction: a job still QUEUED (its start was never marked) begins first
//    (begin_execution), then the assets, the archive, the job, the batch, the listing mirror and
//    the outbox event (finish_job). A concurrent report that won the compare-and-set makes this one
//    kAlreadyApplied.
// Reading a document may fail transiently (STORE_UNAVAILABLE): the error is returned before
// anything is written, and the reporter retries the delivery.
// 6. kApplied only (so a repeated delivery is never observed twice): the run's duration, from the
//    job's start to this report, and each asset's kind, failure code and the task's processing
//    time when its document gives one (the figures /metrics observes).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/job.hpp"
#include "core/model/media_type.hpp"
#include "core/model/status.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/media_processor.hpp"
#include "core/port/processing_results.hpp"

namespace toq::core {

struct ProcessingReport {
  JobId job;
  BatchId batch;
  std::int32_t run = 1;
  bool succeeded = false;  // "status": "SUCCEEDED" | "FAILED"
  struct Record {
    AssetId asset;
    bool ready = false;
    std::string result_key;
    std::string error_type;  // FAILED: the Error Step Functions caught
  };
  std::vector<Record> assets;
  std::optional<ArchiveInfo> zip;
  struct RunError {
    ErrorCode code = ErrorCode::kInternal;  // INTERNAL_ERROR | PROCESSING_TIMEOUT
    std::string message;
    std::string error_type;        // may be empty
    std::string execution_status;  // FAILED | TIMED_OUT | ABORTED, or empty
  };
  std::optional<RunError> error;
};

struct RecordProcessingResultOutput {
  enum class Outcome : std::uint8_t {
    kApplied,
    kAlreadyApplied,
    kStale
  } outcome = Outcome::kApplied;
  JobId job;
  BatchId batch;
  BatchStatus batch_status = BatchStatus::kProcessing;  // after this call
  int assets_ready = 0;                                 // kApplied
  int assets_failed = 0;                                // kApplied
  std::string traceparent;  // the job's (its logs carry it), "" when it has none
  // Clause 6 (kApplied; empty otherwise).
  std::chrono::milliseconds run_duration{0};
  struct AssetObservation {
    AssetId asset;
    MediaGroup kind = MediaGroup::kPhoto;
    std::optional<ErrorCode> failure;                     // the asset's code when it FAILED
    std::optional<std::chrono::milliseconds> processing;  // the document's processingMs
  };
  std::vector<AssetObservation> observed;
};
std::string_view to_string(RecordProcessingResultOutput::Outcome outcome);  // "applied", ...

class RecordProcessingResult {
 public:
  struct Deps {
    Database& db;
    ProcessingResults& results;
    const Clock& clock;
  };
  struct Options {
    std::chrono::seconds report_deadline{25200};  // a job begun here gets this lease
  };
  RecordProcessingResult(Deps deps, Options options) : deps_(deps), options_(options) {}

  Result<RecordProcessingResultOutput> run(const ProcessingReport& report);

 private:
  // The run's span as this report's transaction saw it (clause 6).
  struct Applied {
    Timestamp began;
    Timestamp finished;
  };
  // Clause 5: the outcomes, the archive, the job and the batch in one transaction; nullopt when
  // another writer had already finished the job.
  Result<std::optional<Applied>> apply(const ProcessingReport& report,
                                       const std::map<AssetId, AssetWorkResult>& outcomes,
                                       bool ready, const std::optional<Error>& job_error);

  Deps deps_;
  Options options_;
};

}  // namespace toq::core
