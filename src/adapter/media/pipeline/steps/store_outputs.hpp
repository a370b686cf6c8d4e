#pragma once
// Step "store": every output file goes to its key under the job's prefix
// (core::output_key: listings/{l}/batches/{b}/out/{job}/{asset}/{name}.{ext}) with its SHA-256
// signed into the put, so the store verifies it, and no MD5 ETag asked for (nothing reads an
// output's ETag as an MD5; the local store then skips its MD5 pass); each put is atomic, and
// putting the same file again gives the same object, so a step killed half-way and run again
// leaves the same result.

#include "adapter/media/pipeline/asset_run.hpp"

namespace toq::media {

StepResult store_outputs(const PipelineContext& context, AssetRun& run);

// image/jpeg, image/webp, video/mp4 ... for an output format.
std::string_view content_type_of(std::string_view format);

}  // namespace toq::media
