#pragma once
// Step "verify": the bytes fetched are the bytes declared: SIZE_MISMATCH when the length differs,
// CHECKSUM_MISMATCH when the SHA-256 differs from the manifest's checksumSha256.

#include "adapter/media/pipeline/asset_run.hpp"

namespace toq::media {

StepResult verify_upload(const PipelineContext& context, AssetRun& run);

}  // namespace toq::media
