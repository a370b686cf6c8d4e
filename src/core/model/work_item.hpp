#pragma once
// WorkItem: one asset of a running job, claimed and worked on its own by any worker (the embedded
// mode's workers work the assets of one batch in parallel; work_item_repository.hpp).

#include <cstdint>
#include <optional>
#include <string>

#include "core/model/ids.hpp"
#include "core/model/status.hpp"
#include "core/model/time.hpp"

namespace toq::core {

// What plan() needs of an asset: which one, and whether it is heavy (a video: claimed first, so
// the longest work starts earliest and the batch ends soonest).
struct PlannedItem {
  AssetId asset;
  bool heavy = false;
  friend bool operator==(const PlannedItem&, const PlannedItem&) = default;
};

struct WorkItem {
  JobId job_id;
  AssetId asset_id;
  bool heavy = false;
  WorkItemStatus status = WorkItemStatus::kQueued;
  std::int32_t attempt = 0;  // times claimed (a reclaimed lease claims again)
  Timestamp available_at{};  // a QUEUED item is not claimed before this (backoff after a release)
  std::optional<std::string> lease_owner;     // RUNNING: the holder; DONE: the worker that did it
  std::optional<Timestamp> lease_expires_at;  // set exactly when RUNNING
  std::optional<Timestamp> claimed_at;        // the latest claim
  std::optional<Timestamp> done_at;           // set exactly when DONE
  std::string error_message;                  // why it was last released
  Timestamp created_at{};
  friend bool operator==(const WorkItem&, const WorkItem&) = default;
};

}  // namespace toq::core
