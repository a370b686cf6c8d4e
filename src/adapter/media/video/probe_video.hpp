#pragma once
// probe_video: what ffprobe says about a video, read with a forced demuxer and nothing but the
// `file` protocol (video_commands.hpp), and checked against the allow-lists and limits before any
// decoding starts.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"

namespace toq::media {

struct VideoLimits {
  std::chrono::seconds max_duration{1800};
  std::chrono::seconds probe_timeout{30};
  std::chrono::seconds transcode_timeout{3600};  // per ffmpeg run (transcode, poster, thumbnail)
  std::uint64_t max_memory_bytes = 4ULL << 30;   // RLIMIT_AS of every tool
  std::uint64_t max_output_bytes = 16ULL << 30;  // RLIMIT_FSIZE: the largest file a tool may write
  // The largest stored frame, checked on the header before any frame is decoded: DCI 8K (8192 x
  // 4320). A header can declare 16000x16000 at a few KB per frame; decoding and scaling such
  // frames costs seconds and gigabytes each, so a tiny file would hold a worker for the whole
  // transcode timeout. Also above libx264's largest frame edge, which a plan keeping a thin
  // frame's long edge (30000x16) would otherwise reach.
  std::int64_t max_frame_pixels = 8192LL * 4320;
  int max_frame_edge = 8192;
  // Prepended to every tool's command line: empty in production (or a sandbox such as
  // `unshare -rn`); tests put strace here to watch the real command lines run.
  std::vector<std::string> launcher;
};

struct VideoProbe {
  std::string container;    // the demuxer it was read with ("mov", "matroska", ...)
  std::string video_codec;  // ffprobe's codec_name ("h264", "hevc", ...)
  int width = 0;            // displayed: rotation and sample aspect ratio applied
  int height = 0;
  int coded_width = 0;  // the stored frame, before rotation
  int coded_height = 0;
  int rotation =
      0;  // the display matrix's rotation as ffprobe prints it, normalised to 0/90/180/270
  // 0 when the file does not say; such a file passes the max_duration check, and the transcode
  // stops reading it at max_duration anyway.
  std::int64_t duration_ms = 0;
  double fps = 0;  // r_frame_rate, or avg_frame_rate for variable-rate input; 0: unknown
  bool variable_frame_rate = false;
  std::string pix_fmt;
  int bit_depth = 8;
  std::string color_transfer;   // ffprobe's names: "bt709", "arib-std-b67", "smpte2084", "" unknown
  std::string color_primaries;  // "bt709", "bt2020", ...
  std::string color_space;      // matrix: "bt709", "bt2020nc", ...
  std::string color_range;      // "tv", "pc" or ""
  bool hdr = false;             // transfer is HLG (arib-std-b67) or PQ (smpte2084)
  bool has_audio = false;
  std::string audio_codec;
  int video_stream_index = 0;  // ffprobe's index of the stream used (attached pictures skipped)
  // The stream's frame count as its container declares it (an MP4's sample table); 0 when it does
  // not say (Matroska, a fragmented MP4 whose samples live in its fragments) or declares none.
  std::int64_t declared_frames = 0;
};

// Errors: UNSUPPORTED_FORMAT when the demuxer is not on the allow-list, the file has no video
// stream, or its codec is not allowed; CORRUPT_MEDIA when ffprobe cannot read it (the message
// quotes its last diagnostics), or when the video stream has no frame at all (an MP4 whose moov
// describes the track but whose sample table is empty: a recording or export that stopped before
// its first frame). A stream that does not declare its frame count is checked by reading its
// first packet (a second, short ffprobe run), so a fragmented MP4 is accepted; IMAGE_TOO_LARGE when
// the stored frame has more than limits.max_frame_pixels or an edge above limits.max_frame_edge;
// VIDEO_TOO_LONG above limits.max_duration; PROCESSING_TIMEOUT when ffprobe runs past
// limits.probe_timeout; INTERNAL_ERROR when ffprobe cannot be started.
core::Result<VideoProbe> probe_video(const std::filesystem::path& input,
                                     std::string_view forced_demuxer, const VideoLimits& limits);

// Parses ffprobe's JSON (-show_format -show_streams) into a probe; the same errors as above, minus
// the tool's own. Exposed for tests.
core::Result<VideoProbe> parse_probe_json(std::string_view json, std::string_view demuxer,
                                          const VideoLimits& limits);

}  // namespace toq::media
