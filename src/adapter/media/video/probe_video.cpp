#include "adapter/media/video/probe_video.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "adapter/media/video/video_commands.hpp"
#include "adapter/media/video/video_failure.hpp"
#include "adapter/media/video/video_tool.hpp"

namespace toq::media {
namespace {

using core::ErrorCode;
using nlohmann::json;

constexpr std::string_view kReadStep = "reading the video";
constexpr std::string_view kUnsupportedHint =
    "Upload the video as MP4 or MOV (H.264 or HEVC), as the phone or editor exports it.";

std::string text_of(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return {};
}

int int_of(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_number_integer()) return it->get<int>();
  if (it->is_string()) {
    const std::string s = it->get<std::string>();
    int value = 0;
    std::from_chars(s.data(), s.data() + s.size(), value);
    return value;
  }
  return 0;
}

std::optional<double> seconds_of(const json& object, const char* key) {
  const std::string s = text_of(object, key);
  if (s.empty() || s == "N/A") return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || !std::isfinite(value) || value < 0) return std::nullopt;
  return value;
}

// "30000/1001" -> 29.97; 0 for "0/0", "N/A" or nonsense.
double rate_of(const std::string& rational) {
  const auto slash = rational.find('/');
  if (slash == std::string::npos) return 0;
  long long num = 0;
  long long den = 0;
  std::from_chars(rational.data(), rational.data() + slash, num);
  std::from_chars(rational.data() + slash + 1, rational.data() + rational.size(), den);
  if (num <= 0 || den <= 0) return 0;
  return static_cast<double>(num) / static_cast<double>(den);
}

int bit_depth_of(const json& stream, const std::string& pix_fmt) {
  if (const int raw = int_of(stream, "bits_per_raw_sample"); raw > 0) return raw;
  for (const int depth : {16, 14, 12, 10, 9}) {
    if (pix_fmt.find(fmt::format("p{}", depth)) != std::string::npos) return depth;
  }
  return 8;
}

int rotation_of(const json& stream) {
  double degrees = 0;
  if (const auto list = stream.find("side_data_list"); list != stream.end() && list->is_array()) {
    for (const auto& side : *list) {
      if (const auto r = side.find("rotation"); r != side.end() && r->is_number()) {
        degrees = r->get<double>();
      }
    }
  }
  if (degrees == 0) {  // older muxers: a "rotate" tag
    if (const auto tags = stream.find("tags"); tags != stream.end() && tags->is_object()) {
      if (const auto r = seconds_of(*tags, "rotate")) degrees = *r;
    }
  }
  const long quarter = std::lround(degrees / 90.0);
  return static_cast<int>(((quarter % 4) + 4) % 4) * 90;
}

bool is_attached_picture(const json& stream) {
  const auto d = stream.find("disposition");
  return d != stream.end() && d->is_object() && int_of(*d, "attached_pic") != 0;
}

// A video stream without a single frame: nothing to transcode, and ffmpeg's own words for it
// ("Cannot determine format of input stream 0:0 after EOF") tell a photographer nothing.
core::Error no_frames() {
  return core::make_error(
      ErrorCode::kCorruptMedia,
      fmt::format("{} failed: the video stream has no frames (an empty sample table)", kReadStep),
      "The video has no frames: the file describes a video but holds no picture of it.",
      "The recording or the export stopped before the first frame was written. Play the file "
      "to check it, export it again from the phone or editor, and upload it again.");
}

core::Error unreadable(std::string what) {
  std::string text = fmt::format("{} failed: {}", kReadStep, what);
  return core::make_error(ErrorCode::kCorruptMedia, text, text, std::string(kReexportHint));
}

// The frame-size limits (limits.max_frame_pixels and max_frame_edge, DCI 8K), applied to the
// stored frame before anything decodes one: IMAGE_TOO_LARGE, as for a photo with too many pixels.
std::optional<core::Error> check_frame_size(const VideoProbe& probe, const VideoLimits& limits) {
  const std::int64_t pixels = std::int64_t{probe.coded_width} * probe.coded_height;
  if (pixels <= limits.max_frame_pixels &&
      std::max(probe.coded_width, probe.coded_height) <= limits.max_frame_edge) {
    return std::nullopt;
  }
  return core::make_error(
      ErrorCode::kImageTooLarge,
      fmt::format("{} failed: the frames are {}x{} ({} pixels), above the limit of {} pixels and "
                  "{} on the longer edge",
                  kReadStep, probe.coded_width, probe.coded_height, pixels, limits.max_frame_pixels,
                  limits.max_frame_edge),
      fmt::format("The video's frames are {}x{} pixels; the limit is {} megapixels and {} "
                  "pixels on the longer edge.",
                  probe.coded_width, probe.coded_height, limits.max_frame_pixels / 1'000'000,
                  limits.max_frame_edge),
      "Export the video at 4K (3840 x 2160) or smaller and upload it again.");
}

// The rotation and the displayed size: the coded size, the width stretched by a non-square sample
// aspect ratio, width and height swapped for a quarter turn.
void set_display_size(const json& video, VideoProbe& probe) {
  probe.rotation = rotation_of(video);
  int width = probe.coded_width;
  const int height = probe.coded_height;
  if (const std::string sar = text_of(video, "sample_aspect_ratio"); !sar.empty()) {
    std::string rational = sar;
    if (const auto colon = rational.find(':'); colon != std::string::npos) rational[colon] = '/';
    if (const double ratio = rate_of(rational); ratio > 0.1 && ratio < 10 && ratio != 1.0) {
      width = static_cast<int>(std::lround(width * ratio));
    }
  }
  const bool sideways = probe.rotation == 90 || probe.rotation == 270;
  probe.width = sideways ? height : width;
  probe.height = sideways ? width : height;
}

// The frame rate (for a variable rate the nominal one when plausible, else the average), the
// pixel format and bit depth, and the colour description.
void set_frames_and_color(const json& video, VideoProbe& probe) {
  const double r_rate = rate_of(text_of(video, "r_frame_rate"));
  const double avg_rate = rate_of(text_of(video, "avg_frame_rate"));
  probe.variable_frame_rate =
      r_rate > 0 && avg_rate > 0 && std::abs(r_rate - avg_rate) > 0.01 * r_rate;
  probe.fps = probe.variable_frame_rate ? avg_rate : (r_rate > 0 ? r_rate : avg_rate);
  if (probe.variable_frame_rate && r_rate > 0 && r_rate <= 120) probe.fps = r_rate;

  probe.pix_fmt = text_of(video, "pix_fmt");
  probe.bit_depth = bit_depth_of(video, probe.pix_fmt);
  probe.color_transfer = text_of(video, "color_transfer");
  probe.color_primaries = text_of(video, "color_primaries");
  probe.color_space = text_of(video, "color_space");
  probe.color_range = text_of(video, "color_range");
  probe.hdr = probe.color_transfer == "arib-std-b67" || probe.color_transfer == "smpte2084";
}

}  // namespace

core::Result<VideoProbe> parse_probe_json(std::string_view text, std::string_view demuxer,
                                          const VideoLimits& limits) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return core::fail(unreadable("ffprobe's report could not be parsed"));
  }
  const json no_streams = json::array();
  const auto streams_it = doc.find("streams");
  const json& streams =
      streams_it != doc.end() && streams_it->is_array() ? *streams_it : no_streams;

  const json* video = nullptr;
  const json* audio = nullptr;
  for (const auto& stream : streams) {
    const std::string type = text_of(stream, "codec_type");
    if (type == "video" && video == nullptr && !is_attached_picture(stream)) video = &stream;
    if (type == "audio" && audio == nullptr) audio = &stream;
  }
  if (video == nullptr) {
    return core::fail(ErrorCode::kUnsupportedFormat,
                      fmt::format("{} failed: the file has no video stream", kReadStep),
                      "The file has no video in it.", std::string(kUnsupportedHint));
  }

  VideoProbe probe;
  probe.container = std::string(demuxer);
  probe.video_codec = text_of(*video, "codec_name");
  probe.video_stream_index = int_of(*video, "index");
  probe.declared_frames = std::max(int_of(*video, "nb_frames"), 0);
  if (!is_allowed_video_codec(probe.video_codec)) {
    const std::string codec = probe.video_codec.empty() ? "unknown" : probe.video_codec;
    return core::fail(
        ErrorCode::kUnsupportedFormat,
        fmt::format("{} failed: the video codec '{}' is not accepted", kReadStep, codec),
        fmt::format("The video is encoded as '{}', which is not accepted.", codec),
        std::string(kReexportHint));
  }
  probe.coded_width = int_of(*video, "width");
  probe.coded_height = int_of(*video, "height");
  if (probe.coded_width <= 0 || probe.coded_height <= 0) {
    return core::fail(unreadable("the video stream has no frame size"));
  }
  if (auto too_large = check_frame_size(probe, limits)) return core::fail(std::move(*too_large));
  set_display_size(*video, probe);
  set_frames_and_color(*video, probe);
  if (audio != nullptr) {
    probe.has_audio = true;
    probe.audio_codec = text_of(*audio, "codec_name");
  }

  std::optional<double> duration;
  if (const auto format = doc.find("format"); format != doc.end() && format->is_object()) {
    duration = seconds_of(*format, "duration");
  }
  if (!duration) duration = seconds_of(*video, "duration");
  if (duration) probe.duration_ms = std::llround(*duration * 1000.0);
  if (probe.duration_ms >
      std::chrono::duration_cast<std::chrono::milliseconds>(limits.max_duration).count()) {
    return core::fail(
        ErrorCode::kVideoTooLong,
        fmt::format("the video lasts {:.1f} s, longer than the limit of {} s",
                    static_cast<double>(probe.duration_ms) / 1000.0, limits.max_duration.count()),
        fmt::format("The video lasts {:.0f} s; the limit is {} s.",
                    static_cast<double>(probe.duration_ms) / 1000.0, limits.max_duration.count()),
        fmt::format("Trim the video to at most {} minutes and upload it again.",
                    limits.max_duration.count() / 60));
  }
  return probe;
}

core::Result<VideoProbe> probe_video(const std::filesystem::path& input,
                                     std::string_view forced_demuxer, const VideoLimits& limits) {
  if (!is_allowed_demuxer(forced_demuxer)) {
    return core::fail(
        ErrorCode::kUnsupportedFormat,
        fmt::format("{} failed: container '{}' is not accepted for videos", kReadStep,
                    forced_demuxer),
        "The file is not a video container that is accepted (MP4, MOV, MKV, WebM, AVI, MPEG).",
        std::string(kUnsupportedHint));
  }
  const auto working_dir = std::filesystem::absolute(input).parent_path();
  auto run = run_video_tool(probe_command(input, forced_demuxer), limits, limits.probe_timeout,
                            working_dir);
  if (!run) return core::fail(run.error());
  const FailureContext context{kReadStep, "ffprobe", limits.probe_timeout, input, {}};
  if (!run->succeeded()) return core::fail(tool_failure(ErrorCode::kCorruptMedia, context, *run));
  if (run->stdout_truncated) {
    return core::fail(unreadable("ffprobe's report is larger than the bound"));
  }
  auto probe = parse_probe_json(run->stdout_text, forced_demuxer, limits);
  if (!probe || probe->declared_frames > 0) return probe;
  // The container did not declare a frame: read the stream's first packet to tell an empty track
  // from one whose frames the container does not count (Matroska, a fragmented MP4).
  auto first =
      run_video_tool(first_packet_command(input, forced_demuxer, probe->video_stream_index), limits,
                     limits.probe_timeout, working_dir);
  if (!first) return core::fail(first.error());
  if (!first->succeeded()) {
    return core::fail(tool_failure(ErrorCode::kCorruptMedia, context, *first));
  }
  const json counted = json::parse(first->stdout_text, nullptr, /*allow_exceptions=*/false);
  const auto streams = counted.is_object() ? counted.find("streams") : counted.end();
  if (streams == counted.end() || !streams->is_array() || streams->empty() ||
      !streams->front().is_object()) {
    return core::fail(unreadable("ffprobe's packet count could not be parsed"));
  }
  if (int_of(streams->front(), "nb_read_packets") < 1) return core::fail(no_frames());
  return probe;
}

}  // namespace toq::media
