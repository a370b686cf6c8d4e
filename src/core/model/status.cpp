#include "core/model/status.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>

namespace toq::core {
namespace {

template <class S>
using Edge = std::pair<S, S>;

// The only place the legal moves are written.
constexpr std::array<Edge<BatchStatus>, 8> kBatchEdges = {{
    {BatchStatus::kPendingUpload, BatchStatus::kReceived},
    {BatchStatus::kPendingUpload, BatchStatus::kFailed},
    {BatchStatus::kReceived, BatchStatus::kProcessing},
    {BatchStatus::kReceived, BatchStatus::kFailed},
    {BatchStatus::kProcessing, BatchStatus::kReady},
    {BatchStatus::kProcessing, BatchStatus::kFailed},
    {BatchStatus::kReady, BatchStatus::kProcessing},
    {BatchStatus::kFailed, BatchStatus::kProcessing},
}};

constexpr std::array<Edge<AssetStatus>, 7> kAssetEdges = {{
    {AssetStatus::kPendingUpload, AssetStatus::kUploaded},
    {AssetStatus::kPendingUpload, AssetStatus::kFailed},
    {AssetStatus::kUploaded, AssetStatus::kProcessing},
    {AssetStatus::kProcessing, AssetStatus::kReady},
    {AssetStatus::kProcessing, AssetStatus::kFailed},
    {AssetStatus::kReady, AssetStatus::kProcessing},
    {AssetStatus::kFailed, AssetStatus::kProcessing},
}};

constexpr std::array<Edge<JobStatus>, 4> kJobEdges = {{
    {JobStatus::kQueued, JobStatus::kRunning},
    {JobStatus::kRunning, JobStatus::kSucceeded},
    {JobStatus::kRunning, JobStatus::kFailed},
    {JobStatus::kRunning, JobStatus::kQueued},
}};

template <class S, std::size_t N>
bool contains(const std::array<Edge<S>, N>& edges, S from, S to) {
  return std::ranges::find(edges, Edge<S>{from, to}) != edges.end();
}

template <class S>
Status check(std::string_view entity, S from, S to, std::int64_t id, bool legal) {
  if (legal) return {};
  return fail(
      ErrorCode::kInvalidStateTransition,
      fmt::format("{} {} cannot go from {} to {}", entity, id, to_string(from), to_string(to)),
      fmt::format("The {} cannot change from {} to {}.", entity, to_string(from), to_string(to)));
}

template <class S, std::size_t N>
std::optional<S> parse(const S (&all)[N], std::string_view text) {
  for (auto s : all) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(BatchStatus s) {
  switch (s) {
    case BatchStatus::kPendingUpload: return "PENDING_UPLOAD";
    case BatchStatus::kReceived: return "RECEIVED";
    case BatchStatus::kProcessing: return "PROCESSING";
    case BatchStatus::kReady: return "READY";
    case BatchStatus::kFailed: return "FAILED";
  }
  return "UNKNOWN";
}

std::string_view to_string(AssetStatus s) {
  switch (s) {
    case AssetStatus::kPendingUpload: return "PENDING_UPLOAD";
    case AssetStatus::kUploaded: return "UPLOADED";
    case AssetStatus::kProcessing: return "PROCESSING";
    case AssetStatus::kReady: return "READY";
    case AssetStatus::kFailed: return "FAILED";
  }
  return "UNKNOWN";
}

std::string_view to_string(JobStatus s) {
  switch (s) {
    case JobStatus::kQueued: return "QUEUED";
    case JobStatus::kRunning: return "RUNNING";
    case JobStatus::kSucceeded: return "SUCCEEDED";
    case JobStatus::kFailed: return "FAILED";
  }
  return "UNKNOWN";
}

std::string_view to_string(WorkItemStatus s) {
  switch (s) {
    case WorkItemStatus::kQueued: return "QUEUED";
    case WorkItemStatus::kRunning: return "RUNNING";
    case WorkItemStatus::kDone: return "DONE";
  }
  return "UNKNOWN";
}

std::optional<BatchStatus> parse_batch_status(std::string_view t) {
  return parse(kAllBatchStatuses, t);
}
std::optional<AssetStatus> parse_asset_status(std::string_view t) {
  return parse(kAllAssetStatuses, t);
}
std::optional<JobStatus> parse_job_status(std::string_view t) {
  return parse(kAllJobStatuses, t);
}
std::optional<WorkItemStatus> parse_work_item_status(std::string_view t) {
  return parse(kAllWorkItemStatuses, t);
}

bool can_transition(BatchStatus from, BatchStatus to) {
  return contains(kBatchEdges, from, to);
}
bool can_transition(AssetStatus from, AssetStatus to) {
  return contains(kAssetEdges, from, to);
}
bool can_transition(JobStatus from, JobStatus to) {
  return contains(kJobEdges, from, to);
}

Status check_transition(BatchStatus from, BatchStatus to, std::int64_t id) {
  return check("batch", from, to, id, can_transition(from, to));
}
Status check_transition(AssetStatus from, AssetStatus to, std::int64_t id) {
  return check("asset", from, to, id, can_transition(from, to));
}
Status check_transition(JobStatus from, JobStatus to, std::int64_t id) {
  return check("job", from, to, id, can_transition(from, to));
}

}  // namespace toq::core
