#pragma once
// Step "detect": the real format comes from the bytes (common/sniff.hpp), never from the file name
// or the declared Content-Type. TYPE_MISMATCH when the bytes are another kind of media than
// declared (a video declared as a photo), UNSUPPORTED_FORMAT when they are no allowed format at
// all (SVG, a playlist, text, nothing).

#include "adapter/media/pipeline/asset_run.hpp"

namespace toq::media {

StepResult detect_format(const PipelineContext& context, AssetRun& run);

// The kind of media a declared type must be: images for photos and renders, videos for videos,
// documents for PROJECT_DOC.
MediaClass expected_class(core::MediaType type);
// True when the format is one the pipeline accepts for that class.
bool is_allowed_format(MediaClass media_class, std::string_view format);

}  // namespace toq::media
