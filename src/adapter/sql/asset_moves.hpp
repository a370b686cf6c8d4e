#pragma once
// The asset moves both SQL adapters make as one compare-and-set UPDATE (transition, mark_failed,
// mark_processing, mark_ready): what is checked before the UPDATE and what is answered after it,
// written once so that the two adapters cannot drift. Only the SQL, in its dialect, is each
// adapter's.

#include <cstdint>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "core/model/asset.hpp"
#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/status.hpp"

#include "adapter/sql/repository_errors.hpp"

namespace toq::sql {

// The state a compare-and-set on an asset expects: `from`, held by `job` when PROCESSING.
inline std::string expected_asset_state(core::AssetStatus from, std::optional<core::JobId> job) {
  if (from != core::AssetStatus::kProcessing) return std::string(core::to_string(from));
  return fmt::format("PROCESSING by job {}", job ? job->value : 0);
}

// `update()` runs the adapter's UPDATE (WHERE the id, `from` and, PROCESSING, the job match) and
// returns how many rows it changed; `require(id)` reads the asset back (ASSET_NOT_FOUND when it is
// missing). Nothing changed: STALE_STATE naming the asset as it is now.
template <class Update, class Require>
core::Result<core::Asset> updated_asset(core::AssetId id, core::AssetStatus from,
                                        std::optional<core::JobId> job, Update&& update,
                                        Require&& require) {
  auto changed = update();
  if (!changed) return std::unexpected(changed.error());
  auto current = require(id);
  if (!current) return current;
  if (*changed == 0) return std::unexpected(asset_stale(*current, expected_asset_state(from, job)));
  return current;
}

// AssetRepository::transition: an illegal move is INVALID_STATE_TRANSITION and a move that carries
// data (use mark_*) INVALID_REQUEST, both before any write.
template <class Update, class Require>
core::Result<core::Asset> transition_asset(core::AssetId id, core::AssetStatus from,
                                           core::AssetStatus to, Update&& update,
                                           Require&& require) {
  if (auto legal = core::check_transition(from, to, id.value); !legal) {
    return std::unexpected(legal.error());
  }
  if (moves_with_data(to)) return std::unexpected(asset_move_needs_data(id, to));
  return updated_asset(id, from, std::nullopt, update, require);
}

// AssetRepository::mark_failed: `from` -> FAILED; an illegal move is INVALID_STATE_TRANSITION
// before any write. The UPDATE matches PROCESSING only when held by `job` (no job: never), so a
// report that another writer overtook (the asset FAILED or READY meanwhile, or taken by a retry
// job) gets STALE_STATE without the adapter reading the row first.
template <class Update, class Require>
core::Result<core::Asset> fail_asset(core::AssetId id, core::AssetStatus from,
                                     std::optional<core::JobId> job, Update&& update,
                                     Require&& require) {
  if (auto legal = core::check_transition(from, core::AssetStatus::kFailed, id.value); !legal) {
    return std::unexpected(legal.error());
  }
  return updated_asset(id, from, job, update, require);
}

// AssetRepository::mark_processing on the row as the adapter read it (`current`, or the error of
// that read): PROCESSING by `job` already is a no-op; an illegal move is INVALID_STATE_TRANSITION
// before any write. `update(from)` runs the UPDATE WHERE the id and `from` match and returns the
// rows it changed (JOB_NOT_FOUND for a job that does not exist).
template <class Update, class Require>
core::Result<core::Asset> process_asset(core::Result<core::Asset> current, core::JobId job,
                                        Update&& update, Require&& require) {
  if (!current) return current;
  if (current->status == core::AssetStatus::kProcessing && current->job_id == job) return current;
  if (auto legal = core::check_transition(current->status, core::AssetStatus::kProcessing,
                                          current->id.value);
      !legal) {
    return std::unexpected(legal.error());
  }
  auto changed = update(current->status);
  if (!changed) return std::unexpected(changed.error());
  if (*changed == 0) return std::unexpected(asset_stale(*current, "its previous state"));
  return require(current->id);
}

// AssetRepository::mark_ready's precondition on the row as the adapter read it: PROCESSING by
// `job`, else STALE_STATE.
inline core::Status held_for_ready(const core::Asset& current, core::JobId job) {
  if (current.status == core::AssetStatus::kProcessing && current.job_id == job) return {};
  return std::unexpected(
      asset_stale(current, expected_asset_state(core::AssetStatus::kProcessing, job)));
}

}  // namespace toq::sql
