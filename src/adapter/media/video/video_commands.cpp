#include "adapter/media/video/video_commands.hpp"

#include <algorithm>
#include <array>

#include <fmt/core.h>

namespace toq::media {
namespace {

constexpr std::array<std::string_view, 7> kDemuxers = {"mov", "mp4",  "matroska", "webm",
                                                       "avi", "mpeg", "mpegts"};
// Phones and cameras record the first ones; the MPEG-4 part 2 family (DivX, msmpeg4v3 in AVI)
// still comes out of older cameras and CCTV-style footage, and ffmpeg decodes it well.
constexpr std::array<std::string_view, 16> kVideoCodecs = {
    "h264",  "hevc",   "mpeg4", "mpeg2video", "mpeg1video", "vp8",       "vp9",       "av1",
    "mjpeg", "prores", "dnxhd", "dvvideo",    "h263",       "msmpeg4v1", "msmpeg4v2", "msmpeg4v3"};

std::string file_url(const std::filesystem::path& path) {
  return "file:" + std::filesystem::absolute(path).lexically_normal().string();
}

// The options every ffmpeg run starts with, before its one input.
std::vector<std::string> ffmpeg_head() {
  return {"ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"};
}

void add_input_guards(std::vector<std::string>& argv, std::string_view demuxer) {
  const std::string d(demuxer);
  argv.insert(argv.end(), {"-protocol_whitelist", "file", "-format_whitelist", d, "-f", d});
}

// zscale's names for ffprobe's colour names (only what HDR input carries).
std::string zscale_primaries(std::string_view p) {
  return p == "bt709" ? "709" : "2020";
}
std::string zscale_matrix(std::string_view m) {
  if (m == "bt709") return "709";
  if (m == "bt2020c") return "2020_cl";
  return "2020_ncl";
}

// The colorspace filter's name for an SDR source matrix it converts from directly in Y'CbCr;
// empty for the rare ones it does not know (zscale converts those).
std::string_view colorspace_matrix(std::string_view m) {
  if (m == "bt470bg" || m == "smpte170m" || m == "fcc" || m == "smpte240m") return m;
  if (m == "bt2020nc") return "bt2020ncl";
  return {};
}

std::string zscale_sdr_matrix(std::string_view m) {
  if (m == "bt2020c") return "2020_cl";
  if (m == "ycgco") return "ycgco";
  return "170m";
}

std::string hdr_colour_and_scale(const VideoProbe& probe, FrameSize size) {
  return fmt::format(
      "zscale=w={}:h={}:filter=bicubic:tin={}:pin={}:min={}:rin={}:t=linear:npl=100,"
      "format=gbrpf32le,zscale=p=709,tonemap=tonemap=hable:desat=0,"
      "zscale=t=709:m=709:r=limited,format=yuv420p,setsar=1",
      size.width, size.height, probe.color_transfer, zscale_primaries(probe.color_primaries),
      zscale_matrix(probe.color_space), probe.color_range == "pc" ? "full" : "limited");
}

// Source colour -> 8-bit SDR BT.709 limited-range yuv420p at `size`, converting only what differs
// (README.md, "Colour"; the numbers in docs/benchmarks.md):
// - HDR: linear light and a tone map (zscale + tonemap).
// - SDR whose matrix is BT.709 (tagged, or untagged HD): only scaled. libswscale keeps the
//   source's Y'CbCr as it is, the cheapest and sharpest path.
// - SDR with another matrix (BT.601 SD, tagged or untagged): scaled first, then the colorspace
//   filter changes the matrix at the output size, directly in Y'CbCr (primaries and transfer are
//   taken as BT.709's, as players do). Not libswscale: given different in and out matrices it
//   converts yuv -> 16-bit RGB -> yuv at the *source* size (a quarter more CPU on a 4K clip)
//   and loses the fine chroma on the way (SSIM in RGB 0.92 against 0.96 on the 4K clip, 0.66
//   against 0.97 on the noisy SD one).
// - Full range (yuvj, some phones): made limited by the scale.
// - RGB frames (ProRes 4444, lossless captures): one RGB -> BT.709 Y'CbCr conversion.
std::string colour_and_scale(const VideoProbe& probe, FrameSize size) {
  if (probe.hdr) return hdr_colour_and_scale(probe, size);
  const std::string matrix = source_matrix(probe);
  const bool full_range = probe.color_range == "pc" || probe.pix_fmt.starts_with("yuvj");
  const std::string_view pix_fmt = probe.pix_fmt;
  const bool rgb = matrix == "gbr" || pix_fmt.starts_with("gbr") ||
                   pix_fmt.find("rgb") != std::string_view::npos ||
                   pix_fmt.find("bgr") != std::string_view::npos;
  if (rgb) {
    return fmt::format(
        "scale=w={}:h={}:flags=bicubic:out_color_matrix=bt709:out_range=tv,format=yuv420p,"
        "setsar=1",
        size.width, size.height);
  }
  if (matrix != "bt709" && colorspace_matrix(matrix).empty()) {
    return fmt::format(
        "zscale=w={}:h={}:filter=bicubic:min={}:rin={}:m=709:r=limited,format=yuv420p,setsar=1",
        size.width, size.height, zscale_sdr_matrix(matrix), full_range ? "full" : "limited");
  }
  std::string graph = fmt::format("scale=w={}:h={}:flags=bicubic{},format=yuv420p", size.width,
                                  size.height, full_range ? ":in_range=pc:out_range=tv" : "");
  if (matrix != "bt709") {
    graph += fmt::format(
        ",colorspace=ispace={}:space=bt709:iprimaries=bt709:primaries=bt709:itrc=bt709:trc=bt709:"
        "irange=tv:range=tv:format=yuv420p",
        colorspace_matrix(matrix));
  }
  return graph + ",setsar=1";
}

// A path inside a `tee` slave specification: every character but [A-Za-z0-9/._-] escaped with a
// backslash, which the tee muxer's tokenizer removes ('|', '[', ']' and ':' are its syntax).
std::string tee_escaped(const std::filesystem::path& path) {
  std::string out;
  for (const char c : file_url(path)) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '/' || c == '.' || c == '_' || c == '-';
    if (!plain) out += '\\';
    out += c;
  }
  return out;
}

constexpr std::string_view kFragmented = "+frag_keyframe+empty_moov+default_base_moof";

// The files of one encoded rung: the progressive MP4, the HLS fragmented MP4, or both from the
// same packets through `tee` (which needs the codecs' headers global: the fragmented file's empty
// `moov` carries them).
void add_rung_outputs(std::vector<std::string>& argv, const RenditionTarget& target) {
  const bool progressive = !target.path.empty();
  const bool hls = !target.hls_path.empty();
  if (progressive && hls) {
    argv.insert(argv.end(),
                {"-flags", "+global_header", "-f", "tee",
                 fmt::format("[f=mp4:movflags=+faststart]{}|[f=mp4:movflags={}]{}",
                             tee_escaped(target.path), kFragmented, tee_escaped(target.hls_path))});
  } else if (hls) {
    argv.insert(argv.end(),
                {"-f", "mp4", "-movflags", std::string(kFragmented), file_url(target.hls_path)});
  } else {
    argv.insert(argv.end(), {"-movflags", "+faststart", "-f", "mp4", file_url(target.path)});
  }
}

}  // namespace

std::string source_matrix(const VideoProbe& probe) {
  const std::string& m = probe.color_space;
  if (!m.empty() && m != "unknown" && m != "reserved") return m;
  // Untagged: what players assume (mpv, browsers): BT.709 from 1280 wide or more than 576 lines
  // on, BT.601 below (SD). The stored frame decides, before any rotation.
  const bool hd = probe.coded_width >= 1280 || probe.coded_height > 576;
  return hd ? "bt709" : "smpte170m";
}

bool is_allowed_demuxer(std::string_view demuxer) {
  return std::find(kDemuxers.begin(), kDemuxers.end(), demuxer) != kDemuxers.end();
}

bool is_allowed_video_codec(std::string_view codec) {
  return std::find(kVideoCodecs.begin(), kVideoCodecs.end(), codec) != kVideoCodecs.end();
}

std::vector<std::string> probe_command(const std::filesystem::path& input,
                                       std::string_view demuxer) {
  std::vector<std::string> argv = {"ffprobe", "-hide_banner", "-loglevel", "error"};
  add_input_guards(argv, demuxer);
  argv.insert(argv.end(), {"-show_format", "-show_streams", "-print_format", "json=compact=1", "-i",
                           file_url(input)});
  return argv;
}

std::vector<std::string> first_packet_command(const std::filesystem::path& input,
                                              std::string_view demuxer, int stream_index) {
  std::vector<std::string> argv = {"ffprobe", "-hide_banner", "-loglevel", "error"};
  add_input_guards(argv, demuxer);
  argv.insert(argv.end(),
              {"-select_streams", fmt::format("{}", stream_index), "-count_packets",
               "-read_intervals", "%+#1", "-show_entries", "stream=index,nb_read_packets",
               "-print_format", "json=compact=1", "-i", file_url(input)});
  return argv;
}

std::vector<std::string> transcode_command(const std::filesystem::path& input,
                                           std::string_view demuxer, const VideoProbe& probe,
                                           std::span<const RenditionTarget> targets,
                                           std::chrono::seconds max_duration) {
  std::vector<std::string> argv = ffmpeg_head();
  // Stop at the first damaged packet instead of encoding around it: a file cut short or damaged
  // in transfer must fail (CORRUPT_MEDIA), not become a shorter video nobody notices.
  argv.emplace_back("-xerror");
  add_input_guards(argv, demuxer);
  argv.insert(argv.end(), {"-t", fmt::format("{}", max_duration.count()), "-i", file_url(input)});

  // [0:N] -> fps -> colour + scale to the largest -> split -> [v0] and the others scaled from it.
  std::string graph =
      fmt::format("[0:{}]fps={},{}", probe.video_stream_index, output_frame_rate(probe),
                  colour_and_scale(probe, targets.front().rendition.size));
  if (targets.size() == 1) {
    graph += "[v0]";
  } else {
    graph += fmt::format(",split={}[v0]", targets.size());
    for (std::size_t i = 1; i < targets.size(); ++i) graph += fmt::format("[s{}]", i);
    for (std::size_t i = 1; i < targets.size(); ++i) {
      const FrameSize size = targets[i].rendition.size;
      graph += fmt::format(";[s{}]scale=w={}:h={}:flags=bicubic,setsar=1[v{}]", i, size.width,
                           size.height, i);
    }
  }
  argv.insert(argv.end(), {"-filter_complex", graph});

  const std::string gop = fmt::format("{}", keyframe_interval(probe));
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& target = targets[i];
    const int rate = target.rendition.max_rate_kbps;
    argv.insert(argv.end(), {"-map", fmt::format("[v{}]", i)});
    if (probe.has_audio) {
      argv.insert(argv.end(), {"-map", "0:a:0", "-c:a", "aac", "-b:a",
                               fmt::format("{}k", target.rendition.audio_kbps), "-ac", "2"});
    }
    argv.insert(argv.end(), {"-c:v",
                             "libx264",
                             "-preset",
                             "veryfast",
                             "-crf",
                             "21",
                             "-profile:v",
                             "high",
                             "-pix_fmt",
                             "yuv420p",
                             "-maxrate",
                             fmt::format("{}k", rate),
                             "-bufsize",
                             fmt::format("{}k", 2 * rate),
                             "-g",
                             gop,
                             "-keyint_min",
                             gop,
                             "-sc_threshold",
                             "0",
                             "-color_primaries",
                             "bt709",
                             "-color_trc",
                             "bt709",
                             "-colorspace",
                             "bt709",
                             "-color_range",
                             "tv",
                             "-map_metadata",
                             "-1",
                             "-map_chapters",
                             "-1"});
    add_rung_outputs(argv, target);
  }
  return argv;
}

std::vector<std::string> poster_command(const std::filesystem::path& input,
                                        std::string_view demuxer, const VideoProbe& probe,
                                        FrameSize size, PosterPick pick,
                                        const std::filesystem::path& output) {
  std::vector<std::string> argv = ffmpeg_head();
  add_input_guards(argv, demuxer);
  if (pick == PosterPick::kFirstBright) {
    // Usually the first frame is taken: a frame-threaded decoder would decode a frame ahead per
    // thread, each in buffers of its own, and throw them away (on the 4K HEVC HLG clip a quarter
    // of the run's CPU and 70 MB; the same JPEG). The dark-video fallback scans 60 frames and
    // keeps the threads.
    argv.insert(argv.end(), {"-threads", "1"});
  }
  argv.insert(argv.end(), {"-t", fmt::format("{}", kPosterScan.count()), "-i", file_url(input)});
  std::string filter = colour_and_scale(probe, size);
  if (pick == PosterPick::kFirstBright) {
    filter += fmt::format(
        ",signalstats,metadata=mode=select:key=lavfi.signalstats.YAVG:value={}:function=greater",
        kPosterMinLuma);
  } else {
    filter += ",thumbnail=60";
  }
  // JPEG is JFIF: BT.601 full range, whatever a video player would assume. Converted after the
  // pick, so only the chosen frame pays for it.
  filter += ",zscale=min=709:rin=limited:m=170m:r=full,format=yuvj420p";
  argv.insert(argv.end(), {"-map", fmt::format("0:{}", probe.video_stream_index), "-vf", filter,
                           "-frames:v", "1", "-an", "-sn", "-dn", "-map_metadata", "-1", "-q:v",
                           "2", "-f", "mjpeg", file_url(output)});
  return argv;
}

std::vector<std::string> thumbnail_command(const std::filesystem::path& poster, FrameSize size,
                                           const std::filesystem::path& output) {
  std::vector<std::string> argv = ffmpeg_head();
  add_input_guards(argv, "jpeg_pipe");
  argv.insert(
      argv.end(),
      {"-i", file_url(poster), "-vf",
       fmt::format("scale=w={}:h={}:flags=lanczos,setsar=1", size.width, size.height), "-frames:v",
       "1", "-map_metadata", "-1", "-q:v", "3", "-f", "mjpeg", file_url(output)});
  return argv;
}

}  // namespace toq::media
