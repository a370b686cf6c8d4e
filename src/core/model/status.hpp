#pragma once
// The three state machines of the architecture (batch, asset, job). Every legal move is listed in
// status.cpp, once; anything else is rejected with INVALID_STATE_TRANSITION. Repositories call
// check_transition before writing, so no adapter can store an illegal move.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/model/error.hpp"

namespace toq::core {

// PENDING_UPLOAD -> RECEIVED -> PROCESSING -> READY | FAILED.
// Also: PENDING_UPLOAD -> FAILED (upload session abandoned: frees the listing), RECEIVED -> FAILED
// (the job could not be started), READY | FAILED -> PROCESSING (retry with a new job).
enum class BatchStatus : std::uint8_t { kPendingUpload, kReceived, kProcessing, kReady, kFailed };

// PENDING_UPLOAD -> UPLOADED -> PROCESSING -> READY | FAILED.
// Also: PENDING_UPLOAD -> FAILED (UPLOAD_MISSING), READY | FAILED -> PROCESSING (retry).
enum class AssetStatus : std::uint8_t { kPendingUpload, kUploaded, kProcessing, kReady, kFailed };

// QUEUED -> RUNNING -> SUCCEEDED | FAILED; RUNNING -> QUEUED when a lease expires or a transient
// failure is retried. A job never finishes without having run, so a finished job always has
// started_at (the platform's "job row without a start time" incident).
enum class JobStatus : std::uint8_t { kQueued, kRunning, kSucceeded, kFailed };

// A job's work item (work_item.hpp): QUEUED -> RUNNING -> DONE; RUNNING -> QUEUED on a release;
// a RUNNING item whose lease expired is claimed again as it is.
enum class WorkItemStatus : std::uint8_t { kQueued, kRunning, kDone };

inline constexpr BatchStatus kAllBatchStatuses[] = {
    BatchStatus::kPendingUpload, BatchStatus::kReceived, BatchStatus::kProcessing,
    BatchStatus::kReady, BatchStatus::kFailed};
inline constexpr AssetStatus kAllAssetStatuses[] = {
    AssetStatus::kPendingUpload, AssetStatus::kUploaded, AssetStatus::kProcessing,
    AssetStatus::kReady, AssetStatus::kFailed};
inline constexpr JobStatus kAllJobStatuses[] = {JobStatus::kQueued, JobStatus::kRunning,
                                                JobStatus::kSucceeded, JobStatus::kFailed};
inline constexpr WorkItemStatus kAllWorkItemStatuses[] = {
    WorkItemStatus::kQueued, WorkItemStatus::kRunning, WorkItemStatus::kDone};

std::string_view to_string(BatchStatus s);
std::string_view to_string(AssetStatus s);
std::string_view to_string(JobStatus s);
std::string_view to_string(WorkItemStatus s);
std::optional<BatchStatus> parse_batch_status(std::string_view text);
std::optional<AssetStatus> parse_asset_status(std::string_view text);
std::optional<JobStatus> parse_job_status(std::string_view text);
std::optional<WorkItemStatus> parse_work_item_status(std::string_view text);

bool can_transition(BatchStatus from, BatchStatus to);
bool can_transition(AssetStatus from, AssetStatus to);
bool can_transition(JobStatus from, JobStatus to);

// Ok, or INVALID_STATE_TRANSITION naming the entity, the id and both states.
Status check_transition(BatchStatus from, BatchStatus to, std::int64_t batch_id);
Status check_transition(AssetStatus from, AssetStatus to, std::int64_t asset_id);
Status check_transition(JobStatus from, JobStatus to, std::int64_t job_id);

// An open batch blocks a new one for the same listing.
inline bool is_open(BatchStatus s) {
  return s == BatchStatus::kPendingUpload || s == BatchStatus::kReceived ||
         s == BatchStatus::kProcessing;
}
// An active job blocks a new one for the same batch.
inline bool is_active(JobStatus s) {
  return s == JobStatus::kQueued || s == JobStatus::kRunning;
}
inline bool is_terminal(JobStatus s) {
  return !is_active(s);
}

}  // namespace toq::core
