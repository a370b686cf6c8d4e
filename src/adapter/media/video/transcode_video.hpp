#pragma once
// transcode_video: the rungs of plan_stream_renditions(probe) (`1080p` when the source has it,
// `720p` always, `360p` when smaller than the source) made by ONE ffmpeg run: the progressive
// MP4s `<name>.mp4` (format "mp4": downloads and the ZIP; not the 360p rung) and every rung's
// fragmented MP4 for HLS `hls-<name>.mp4` (format "fmp4"), written under temporary names in
// out_dir and renamed only when ffmpeg succeeded and wrote every one of them.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"

#include "adapter/media/common/output_file.hpp"
#include "adapter/media/video/probe_video.hpp"

namespace toq::media {

// The MP4s largest first, then the HLS files largest first. Errors: VIDEO_TRANSCODE_FAILED naming
// the step ("transcoding to 1080p and 720p"), ffmpeg's exit status or signal and its last
// diagnostics, with a hint; PROCESSING_TIMEOUT past limits.transcode_timeout; INTERNAL_ERROR when
// ffmpeg cannot be started. No file is left behind on failure.
core::Result<std::vector<OutputFile>> transcode_video(const std::filesystem::path& input,
                                                      std::string_view forced_demuxer,
                                                      const VideoProbe& probe,
                                                      const std::filesystem::path& out_dir,
                                                      const VideoLimits& limits);

// "720p" -> "hls-720p": the HLS file of a rung.
std::string hls_rung_name(std::string_view rendition);

}  // namespace toq::media
