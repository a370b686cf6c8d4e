#pragma once
// The errors the SQL adapters' repositories report, worded once: both adapters must answer the
// conformance suites with the same codes, details and hints.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/model/asset.hpp"
#include "core/model/batch.hpp"
#include "core/model/error.hpp"
#include "core/model/execution.hpp"
#include "core/model/ids.hpp"
#include "core/model/job.hpp"
#include "core/model/object_keys.hpp"
#include "core/model/rendition.hpp"
#include "core/model/status.hpp"
#include "core/model/work_item.hpp"

#include "support/trace_context.hpp"

namespace toq::sql {

// A traceparent a row may hold: "" (none) or a version-00 traceparent.
inline core::Status check_traceparent(std::string_view traceparent) {
  if (traceparent.empty() || support::is_traceparent(traceparent)) return {};
  return core::fail(core::ErrorCode::kInvalidRequest,
                    fmt::format("'{}' is not a W3C traceparent", traceparent),
                    "Pass a version-00 traceparent (00-<32 hex>-<16 hex>-<2 hex>) or none.");
}

inline core::Error batch_not_found(core::BatchId id) {
  return core::make_error(core::ErrorCode::kBatchNotFound,
                          fmt::format("batch {} not found", id.value));
}
inline core::Error listing_not_found(core::ListingId id) {
  return core::make_error(core::ErrorCode::kListingNotFound,
                          fmt::format("listing {} not found", id.value));
}
inline core::Error job_not_found(core::JobId id) {
  return core::make_error(core::ErrorCode::kJobNotFound, fmt::format("job {} not found", id.value));
}
inline core::Error asset_not_found(core::AssetId id) {
  return core::make_error(core::ErrorCode::kAssetNotFound,
                          fmt::format("asset {} not found", id.value));
}
inline core::Error outbox_event_not_found(std::int64_t id) {
  return core::make_error(core::ErrorCode::kInvalidRequest,
                          fmt::format("outbox event {} not found", id));
}

inline core::Error execution_start_not_found(std::int64_t id) {
  return core::make_error(core::ErrorCode::kInvalidRequest,
                          fmt::format("execution start {} not found", id));
}
inline core::Error execution_start_exists(core::JobId job, std::string_view name) {
  return core::make_error(
      core::ErrorCode::kConflict,
      fmt::format("job {} (execution {}) already has its start recorded", job.value, name));
}
// STALE_STATE for a start row `owner` may not reschedule: started, or claimed by another relay.
inline core::Error execution_start_not_held(const core::ExecutionStart& row,
                                            std::string_view owner) {
  return core::make_error(core::ErrorCode::kStaleState,
                          row.started_at
                              ? fmt::format("execution {} is already started", row.name)
                              : fmt::format("execution start {} is held by '{}', not '{}'",
                                            row.name, row.claimed_by.value_or(""), owner));
}

// OPEN_BATCH_EXISTS naming the listing's open batch (the row that won).
inline core::Error open_batch_exists(core::ListingId listing, core::BatchId open) {
  auto err = core::make_error(
      core::ErrorCode::kOpenBatchExists,
      fmt::format("listing {} already has open batch {}", listing.value, open.value),
      "The listing already has an upload batch in progress.",
      "Finish or resume the open batch (see details.batchId) before starting another.");
  err.details = core::ConflictDetails{"batchId", open.value};
  return err;
}

// JOB_ALREADY_ACTIVE naming the batch's QUEUED or RUNNING job.
inline core::Error job_already_active(core::BatchId batch, core::JobId active) {
  auto err =
      core::make_error(core::ErrorCode::kJobAlreadyActive,
                       fmt::format("batch {} already has active job {}", batch.value, active.value),
                       "The batch is already being processed.");
  err.details = core::ConflictDetails{"jobId", active.value};
  return err;
}

inline core::Error batch_stale(core::BatchId id, core::BatchStatus current,
                               core::BatchStatus expected) {
  return core::make_error(core::ErrorCode::kStaleState,
                          fmt::format("batch {} is {}, expected {}", id.value,
                                      core::to_string(current), core::to_string(expected)));
}
inline core::Error batch_open_not_deletable(const core::Batch& b) {
  return core::make_error(
      core::ErrorCode::kConflict,
      fmt::format("batch {} is {} and cannot be deleted", b.id.value, core::to_string(b.status)),
      "An upload batch in progress cannot be deleted.");
}
inline core::Error batch_uploads_in_use(const core::Batch& b) {
  return core::make_error(core::ErrorCode::kConflict,
                          fmt::format("batch {} is {}: its raw uploads are still in use",
                                      b.id.value, core::to_string(b.status)),
                          "An upload batch in progress keeps its uploads.");
}
inline core::Error objects_already_removed(const core::Batch& b) {
  return core::make_error(
      core::ErrorCode::kStaleState,
      fmt::format("the objects of batch {} are already marked removed", b.id.value));
}

// What the adapters' one "set a time column once on a closed batch" helper returns and checks
// (soft_delete, mark_raw_removed, mark_objects_removed).
struct Stamped {
  core::Batch batch;     // as stored after the call
  bool changed = false;  // this call set the column
};
using StampRefusal = std::optional<core::Error> (*)(const core::Batch&);
inline std::optional<core::Error> refuse_open_delete(const core::Batch& b) {
  if (core::is_open(b.status)) return batch_open_not_deletable(b);
  return std::nullopt;
}
inline std::optional<core::Error> refuse_open_raw_removal(const core::Batch& b) {
  if (core::is_open(b.status)) return batch_uploads_in_use(b);
  return std::nullopt;
}
inline std::optional<core::Error> refuse_not_deleted(const core::Batch& b) {
  if (b.deleted_at) return std::nullopt;
  return core::make_error(core::ErrorCode::kConflict,
                          fmt::format("batch {} is not deleted: its objects stay", b.id.value));
}
// list_page's bound when no cursor is given: above every id.
inline constexpr std::int64_t kNoBatchAbove = INT64_MAX;

inline core::Error job_still_served(core::JobId id) {
  return core::make_error(core::ErrorCode::kConflict,
                          fmt::format("job {} is still served by its batch", id.value));
}

inline core::Error job_stale(core::JobId id, core::JobStatus current, core::JobStatus expected) {
  return core::make_error(core::ErrorCode::kStaleState,
                          fmt::format("job {} is {}, expected {}", id.value,
                                      core::to_string(current), core::to_string(expected)));
}
inline core::Error lease_not_held(const core::Job& current, std::string_view owner) {
  return core::make_error(
      core::ErrorCode::kStaleState,
      fmt::format("job {} is {} held by '{}', not RUNNING held by '{}'", current.id.value,
                  core::to_string(current.status), current.lease_owner.value_or(""), owner));
}

inline core::Error work_item_not_found(core::JobId job, core::AssetId asset) {
  return core::make_error(
      core::ErrorCode::kJobNotFound,
      fmt::format("job {} has no work item for asset {}", job.value, asset.value));
}
inline core::Error work_item_not_held(const core::WorkItem& current, std::string_view owner) {
  return core::make_error(
      core::ErrorCode::kStaleState,
      fmt::format("work item (job {}, asset {}) is {} held by '{}', not RUNNING held by '{}'",
                  current.job_id.value, current.asset_id.value, core::to_string(current.status),
                  current.lease_owner.value_or(""), owner));
}

inline core::Error asset_stale(const core::Asset& a, std::string_view expected) {
  return core::make_error(
      core::ErrorCode::kStaleState,
      fmt::format("asset {} is {} (job {}), expected {}", a.id.value, core::to_string(a.status),
                  a.job_id ? a.job_id->value : 0, expected));
}
inline core::Error asset_move_needs_data(core::AssetId id, core::AssetStatus to) {
  return core::make_error(core::ErrorCode::kInvalidRequest,
                          fmt::format("asset {}: use mark_processing/mark_ready/mark_failed to "
                                      "move to {}",
                                      id.value, core::to_string(to)));
}
inline bool moves_with_data(core::AssetStatus to) {
  // These moves carry data (failure, job, facts): mark_* record it with the move.
  return to == core::AssetStatus::kFailed || to == core::AssetStatus::kProcessing ||
         to == core::AssetStatus::kReady;
}
inline core::Error duplicate_asset(core::BatchId batch, const core::FileDeclaration& f,
                                   std::string_view cause) {
  return core::make_error(
      core::ErrorCode::kConflict,
      fmt::format("batch {} already has an asset with clientId '{}' or "
                  "sequence {} for {}: {}",
                  batch.value, f.client_id, f.sequence, core::to_string(f.media_type), cause),
      "Each clientId, and each sequence within a media type, must be unique.");
}
inline core::Error duplicate_rendition(const core::Rendition& rd) {
  return core::make_error(
      core::ErrorCode::kConflict,
      fmt::format("rendition {}/{} of asset {} job {} (key {}) already recorded", rd.name,
                  rd.format, rd.asset_id.value, rd.job_id.value, rd.key));
}
inline core::Error foreign_rendition(const core::Rendition& rd, core::AssetId id, core::JobId job) {
  return core::make_error(
      core::ErrorCode::kInvalidRequest,
      fmt::format("rendition {} belongs to asset {} job {}, not asset {} job {}", rd.key,
                  rd.asset_id.value, rd.job_id.value, id.value, job.value));
}

// JobRepository::finish: SUCCEEDED or FAILED only; a FAILED job always carries an error, a
// SUCCEEDED one never. The code and message to store (code empty for SUCCEEDED).
struct JobOutcome {
  std::optional<std::string> code;
  std::string message;
};
inline core::Result<JobOutcome> job_outcome(core::JobId id, core::JobStatus outcome,
                                            std::optional<core::Error> error) {
  if (outcome != core::JobStatus::kSucceeded && outcome != core::JobStatus::kFailed) {
    return core::fail(
        core::ErrorCode::kInvalidStateTransition,
        fmt::format("job {} cannot finish as {}", id.value, core::to_string(outcome)));
  }
  if (outcome == core::JobStatus::kSucceeded) return JobOutcome{};
  if (!error) error = core::make_error(core::ErrorCode::kInternal, "job failed without a reason");
  return JobOutcome{std::string(core::to_string(error->code)), error->message};
}

inline bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// JobRepository::record_archive's checks against the job as it is now (`listing` is its batch's):
// the job itself when the same archive is recorded already (idempotent), CONFLICT for another
// one, INVALID_REQUEST for a wrong key or shape; nullopt when the UPDATE should go ahead.
inline std::optional<core::Result<core::Job>> archive_precheck(const core::Job& current,
                                                               core::ListingId listing,
                                                               const core::ArchiveInfo& archive) {
  if (current.archive) {
    if (*current.archive == archive) return core::Result<core::Job>(current);
    return core::Result<core::Job>(core::fail(
        core::ErrorCode::kConflict,
        fmt::format("job {} already has archive {} ({} bytes, {}), not {} ({} bytes, {})",
                    current.id.value, current.archive->key, current.archive->bytes,
                    current.archive->sha256_hex, archive.key, archive.bytes, archive.sha256_hex)));
  }
  const std::string expected = core::archive_key(listing, current.batch_id, current.id);
  if (archive.key != expected || archive.bytes < 0 || !is_sha256_hex(archive.sha256_hex)) {
    return core::Result<core::Job>(core::fail(
        core::ErrorCode::kInvalidRequest,
        fmt::format("job {}: archive must be at {} with bytes >= 0 and a lower-case hex SHA-256; "
                    "got {} ({} bytes, '{}')",
                    current.id.value, expected, archive.key, archive.bytes, archive.sha256_hex)));
  }
  return std::nullopt;
}
inline core::Error archive_not_running(const core::Job& current) {
  return core::make_error(core::ErrorCode::kStaleState,
                          fmt::format("job {} is {}, an archive is recorded only while RUNNING",
                                      current.id.value, core::to_string(current.status)));
}

}  // namespace toq::sql
