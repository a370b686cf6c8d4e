#pragma once
// Step "render": the renditions, into the asset's work directory. Photos and renders: the eight
// sizes of photo/ (JPEG + WebP) in a child process; videos: the MP4s, the poster and its
// thumbnail of video/ (ffmpeg child processes); documents: the first page's thumbnail in a child
// process. Every output file is complete or absent.

#include "adapter/media/pipeline/asset_run.hpp"

namespace toq::media {

StepResult render_outputs(const PipelineContext& context, AssetRun& run);

}  // namespace toq::media
