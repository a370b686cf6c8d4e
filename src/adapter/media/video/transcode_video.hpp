#pragma once
// transcode_video: the MP4 renditions of plan_renditions(probe) (`1080p` when the source has it,
// `720p` always) made by ONE ffmpeg run, written under temporary names in out_dir and renamed to
// `<name>.mp4` only when ffmpeg succeeded and wrote every one of them.

#include <filesystem>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"

#include "adapter/media/common/output_file.hpp"
#include "adapter/media/video/probe_video.hpp"

namespace toq::media {

// Largest first. Errors: VIDEO_TRANSCODE_FAILED naming the step ("transcoding to 1080p and 720p"),
// ffmpeg's exit status or signal and its last diagnostics, with a hint; PROCESSING_TIMEOUT past
// limits.transcode_timeout; INTERNAL_ERROR when ffmpeg cannot be started. No file is left behind
// on failure.
core::Result<std::vector<OutputFile>> transcode_video(const std::filesystem::path& input,
                                                      std::string_view forced_demuxer,
                                                      const VideoProbe& probe,
                                                      const std::filesystem::path& out_dir,
                                                      const VideoLimits& limits);

}  // namespace toq::media
