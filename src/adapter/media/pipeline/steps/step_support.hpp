#pragma once
// What every step shares: telling the asset's failures (the contract's asset codes: the media is at
// fault, retrying will not help) from infrastructure errors (the job may run again).

#include <string>

#include "core/model/error.hpp"

#include "adapter/media/pipeline/asset_run.hpp"

namespace toq::media {

// True for the contract's per-asset codes (UPLOAD_MISSING ... PROCESSING_TIMEOUT).
bool is_asset_code(core::ErrorCode code);

// The asset's failure with a plain message and a hint for the photographer.
core::AssetFailure asset_failure(core::ErrorCode code, std::string message, std::string hint);

// An error from a media function: a failure of the asset when its code is an asset code (its
// public message, else its message, and its hint), otherwise the error itself.
StepResult stop_or_fail(core::Error error);

}  // namespace toq::media
