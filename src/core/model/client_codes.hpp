#pragma once
// What a client may be told about a failed asset or job.

#include "core/model/error.hpp"

namespace toq::core {

// The contract's asset codes as they are; any other code (a database or store code that reached
// a job or an asset) as INTERNAL_ERROR.
ErrorCode client_asset_code(ErrorCode code);

}  // namespace toq::core
