#pragma once
// make_video_renditions: every output of one video, in this order: the MP4s (`1080p` when the
// source has it, `720p`), the HLS rungs (`hls-1080p`, `hls-720p`, `hls-360p`: fragmented MP4s),
// their playlists (`hls-<rung>-playlist`, then `hls-master`: m3u8), `poster` (jpeg) and
// `thumbnail` (jpeg, 320 on the long edge). The steps: transcode_video.hpp, package_hls.hpp,
// make_poster.hpp, make_thumbnail.hpp. `probe` is probe_video's answer for
// the same input and demuxer.
//
// The poster and then the thumbnail run on a second thread beside the transcode (they need only
// the input), so a call has at most two tools running: the transcode and one image run (the
// poster's first-bright pick decodes on one thread). When both sides fail, the transcode's error
// is the one returned.
//
// Guarantees: outputs are complete or absent (temporary names, renamed on success); on failure no
// output of this call is left in out_dir; every failure is a typed error naming the failing step,
// the tool's exit status or signal and its last diagnostics, with a hint (video_failure.hpp).

#include <filesystem>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"

#include "adapter/media/common/output_file.hpp"
#include "adapter/media/video/probe_video.hpp"

namespace toq::media {

// out_dir is created when missing; temporary files a killed earlier run left there are removed.
// Errors: VIDEO_TRANSCODE_FAILED, PROCESSING_TIMEOUT, UNSUPPORTED_FORMAT (demuxer not allowed),
// STORAGE_ERROR (out_dir cannot be created), INTERNAL_ERROR (a tool cannot be started, or a probe
// without a frame size).
core::Result<std::vector<OutputFile>> make_video_renditions(const std::filesystem::path& input,
                                                            std::string_view forced_demuxer,
                                                            const VideoProbe& probe,
                                                            const std::filesystem::path& out_dir,
                                                            const VideoLimits& limits);

}  // namespace toq::media
