#pragma once
// Step "fetch": copies the raw upload into the asset's work directory and measures its size and
// SHA-256: on the way when streamed from the store, or over the work copy when the store makes it
// itself (PipelineContext::file_copier, a link or a clone where it can). Refuses any key that is
// not this batch's raw key of the asset (INVALID_REQUEST, an infrastructure error: it means a
// caller bug, never the photographer's). A missing object is the asset's UPLOAD_MISSING.

#include "adapter/media/pipeline/asset_run.hpp"

namespace toq::media {

StepResult fetch_raw(const PipelineContext& context, AssetRun& run);

}  // namespace toq::media
