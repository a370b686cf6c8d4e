#pragma once
// make_thumbnail: `thumbnail.jpg`, the poster scaled to kThumbnailEdge on its long edge (never
// upscaled), decoded from the poster JPEG this module wrote.

#include <filesystem>

#include "core/model/error.hpp"

#include "adapter/media/common/output_file.hpp"
#include "adapter/media/video/probe_video.hpp"

namespace toq::media {

inline constexpr int kThumbnailEdge = 320;

// Errors: VIDEO_TRANSCODE_FAILED "making the thumbnail failed: ..." with diagnostics and a hint;
// PROCESSING_TIMEOUT; INTERNAL_ERROR. Nothing is left behind on failure.
core::Result<OutputFile> make_thumbnail(const OutputFile& poster,
                                        const std::filesystem::path& out_dir,
                                        const VideoLimits& limits);

}  // namespace toq::media
