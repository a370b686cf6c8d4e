#pragma once
// How a processing run ends, written once for both modes: the embedded mode's workers
// (run_job.hpp) and the AWS mode's callback (record_processing_result.hpp) and overdue check
// (check_overdue_executions.hpp) record assets and finish jobs through these, inside their own
// units of work.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/asset.hpp"
#include "core/model/batch.hpp"
#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/job.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/media_processor.hpp"

namespace toq::core {

// True when `job` has already recorded the asset's outcome (READY or FAILED for that job).
bool done_by(const Asset& asset, JobId job);

// Records one asset's outcome for `job`: READY with facts and renditions, or FAILED with the
// failure. The asset is moved to PROCESSING for `job` first when it is not there yet (a job that
// ends without having started the asset: the AWS mode's report, a job that keeps stopping).
// A move refused because another writer changed the asset after `asset` was read is STALE_STATE
// (here and in fail_unfinished_assets), so that the caller looks again.
Result<Asset> record_asset_outcome(UnitOfWork& uow, const Asset& asset, JobId job,
                                   const AssetWorkResult& outcome, Timestamp now);

// FAILED with `failure` for every asset of `assets` that `job` has not finished; how many.
Result<int> fail_unfinished_assets(UnitOfWork& uow, const std::vector<Asset>& assets, JobId job,
                                   const AssetFailure& failure, Timestamp now);

// The job's error when some of its assets failed: the first failed asset's code ("3 of 12 files
// failed").
Error failed_assets_error(int failed, int total, const std::optional<AssetFailure>& first);

// The end of a job, in the caller's unit of work: the job SUCCEEDED (ready) or FAILED with
// `job_error`, the batch PROCESSING -> READY | FAILED, on READY the listing mirror
// PENDING_PHOTO_PROCESSING -> PENDING_OWNER_APPROVAL (another listing status is left alone), and
// the media.batch.ready | media.batch.failed event in the outbox. The job must be RUNNING and the
// batch PROCESSING (STALE_STATE otherwise: another writer finished it first).
Status finish_job(UnitOfWork& uow, const Job& job, const Batch& batch, bool ready,
                  std::optional<Error> job_error, Timestamp now);

}  // namespace toq::core
