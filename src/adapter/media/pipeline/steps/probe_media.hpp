#pragma once
// Step "probe": what the media is, measured from the bytes. Photos and renders: libvips reads the
// header in a child process (common/isolated.hpp) and the pixel limit is checked before any
// decoding (IMAGE_TOO_LARGE); videos: ffprobe as a child process (VIDEO_TOO_LONG, CORRUPT_MEDIA,
// UNSUPPORTED_FORMAT); documents need nothing here. The displayed orientation must match the
// declared one (PHOTO_VERTICAL / VIDEO_VERTICAL: not wider than tall; *_HORIZONTAL: not taller
// than wide), else ORIENTATION_MISMATCH; a square fits both.

#include "adapter/media/pipeline/asset_run.hpp"

namespace toq::media {

StepResult probe_media(const PipelineContext& context, AssetRun& run);

}  // namespace toq::media
