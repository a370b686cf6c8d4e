#pragma once
// The exact ffprobe / ffmpeg command lines, built in one place so that every one of them carries
// the same guards and a test can run them as they are (under strace):
//   - the demuxer is forced (`-f`) and is the only one allowed (`-format_whitelist`), so no probing
//     can pick HLS, concat or another demuxer that opens further URLs, and no nested demuxer
//     (AVI's GAB2 subtitles, ...) can open one either;
//   - `-protocol_whitelist file`: no network protocol, no `subfile:`/`concat:` tricks;
//   - paths are passed as `file:<absolute path>` so a name with ':' is never read as a protocol;
//   - `-nostdin` (ffmpeg; ffprobe has no such option and gets /dev/null), `-y`, outputs only the
//     given paths (inside out_dir), metadata of the source (GPS of a phone) never copied.
// None of these functions checks the allow-lists: probe_video does, before anything runs.

#include <chrono>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapter/media/video/probe_video.hpp"
#include "adapter/media/video/rendition_plan.hpp"

namespace toq::media {

// Demuxers a video may be read with: mov (mp4/mov/3gp), matroska/webm, avi, mpeg (PS), mpegts.
bool is_allowed_demuxer(std::string_view demuxer);
// Video codecs accepted from those containers.
bool is_allowed_video_codec(std::string_view codec);

// The Y'CbCr matrix a source is decoded with, in ffprobe's names ("bt709", "smpte170m",
// "bt470bg", "bt2020nc", ...): its tag when it has one; untagged, "bt709" for HD (1280 wide or
// more than 576 lines, as stored) and "smpte170m" (BT.601) for SD, as players assume. The outputs
// are converted only when this is not "bt709".
std::string source_matrix(const VideoProbe& probe);

std::vector<std::string> probe_command(const std::filesystem::path& input,
                                       std::string_view demuxer);
// ffprobe reading at most the first packet of stream `stream_index` (and counting it): prints
// that stream with "nb_read_packets": "1", or without the field when the stream has no packet.
std::vector<std::string> first_packet_command(const std::filesystem::path& input,
                                              std::string_view demuxer, int stream_index);

struct RenditionTarget {
  RenditionSize rendition;
  // Where ffmpeg writes the progressive MP4 (a temporary name inside out_dir); empty: none.
  std::filesystem::path path;
  // Where ffmpeg writes the fragmented MP4 of the HLS rung; empty: none.
  std::filesystem::path hls_path;
};

// One decode of the source: colour converted where it differs from SDR BT.709 (HDR tone-mapped,
// another matrix converted, full range made limited) and scaled once to the largest target, split,
// the smaller targets scaled from that; H.264 (libx264 yuv420p) + AAC when the source has audio,
// constant frame rate, a keyframe every keyframe_interval(probe) frames and nowhere else (no scene
// cut keyframes), tagged BT.709, no source metadata. Each rung is encoded once; a rung with both
// paths has its packets written twice by the `tee` muxer: a progressive MP4 (`+faststart`) and a
// fragmented MP4 for HLS (an empty `moov`, then one `moof`+`mdat` per keyframe interval).
std::vector<std::string> transcode_command(const std::filesystem::path& input,
                                           std::string_view demuxer, const VideoProbe& probe,
                                           std::span<const RenditionTarget> targets,
                                           std::chrono::seconds max_duration);

enum class PosterPick {
  kFirstBright,         // the first frame whose mean luma is above kPosterMinLuma
  kMostRepresentative,  // ffmpeg's `thumbnail` filter over the first frames (a dark video)
};
inline constexpr int kPosterMinLuma = 40;  // of 16..235 (8-bit limited range)
inline constexpr std::chrono::seconds kPosterScan{20};

// One JPEG frame of the source's first kPosterScan seconds at `size`, SDR, in JFIF's colours
// (BT.601 full range) like every JPEG decoder expects.
std::vector<std::string> poster_command(const std::filesystem::path& input,
                                        std::string_view demuxer, const VideoProbe& probe,
                                        FrameSize size, PosterPick pick,
                                        const std::filesystem::path& output);

// The poster JPEG scaled to `size`.
std::vector<std::string> thumbnail_command(const std::filesystem::path& poster, FrameSize size,
                                           const std::filesystem::path& output);

}  // namespace toq::media
