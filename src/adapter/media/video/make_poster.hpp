#pragma once
// make_poster: `poster.jpg`, a frame of the video that is not black: the first frame of the first
// kPosterScan seconds whose mean luma is above kPosterMinLuma (video_commands.hpp); when there is
// none (a dark video), the most representative of the first frames. At the video's displayed
// size, capped to 1920 on the long edge, dimensions even like the MP4s'; SDR (HDR is tone-mapped
// like the MP4s).

#include <filesystem>
#include <string_view>

#include "core/model/error.hpp"

#include "adapter/media/common/output_file.hpp"
#include "adapter/media/video/probe_video.hpp"

namespace toq::media {

inline constexpr int kPosterMaxEdge = 1920;

// Errors: VIDEO_TRANSCODE_FAILED "making the poster failed: ffmpeg ..." with diagnostics and a
// hint; PROCESSING_TIMEOUT; INTERNAL_ERROR when ffmpeg cannot be started. Nothing is left behind
// on failure.
core::Result<OutputFile> make_poster(const std::filesystem::path& input,
                                     std::string_view forced_demuxer, const VideoProbe& probe,
                                     const std::filesystem::path& out_dir,
                                     const VideoLimits& limits);

}  // namespace toq::media
