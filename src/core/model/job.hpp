#pragma once
// Job: one processing run of a batch (the first run or a retry).

#include <cstdint>
#include <optional>
#include <string>

#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/status.hpp"
#include "core/model/time.hpp"

namespace toq::core {

// The ZIP of every output of one job, as stored at archive_key(listing, batch, job).
struct ArchiveInfo {
  std::string key;
  std::int64_t bytes = 0;
  std::string sha256_hex;  // 64 lower-case hex digits
  friend bool operator==(const ArchiveInfo&, const ArchiveInfo&) = default;
};

struct Job {
  JobId id;
  BatchId batch_id;
  std::int32_t run = 1;      // 1 for the first job of a batch, 2 for the first retry, ...
  std::int32_t attempt = 0;  // times this job has been started (a reclaimed lease starts again)
  JobStatus status = JobStatus::kQueued;
  Timestamp created_at{};
  std::optional<Timestamp> started_at;    // set whenever status has been RUNNING
  std::optional<Timestamp> completed_at;  // set exactly when status is SUCCEEDED or FAILED
  std::optional<std::string> lease_owner;
  std::optional<Timestamp> lease_expires_at;
  std::optional<ErrorCode> error_code;  // set when FAILED
  std::string error_message;
  std::optional<ArchiveInfo> archive;
  // The W3C traceparent of the request that created the job (complete or retry), "" when none:
  // carried into the worker's logs, its failure records and its webhooks.
  std::string traceparent{};
  Timestamp available_at{};  // a QUEUED job is not claimed before this (backoff after a release) //
                             // recorded by the pipeline's ZIP step (record_archive)
  friend bool operator==(const Job&, const Job&) = default;
};

}  // namespace toq::core
