// The HLS rungs and playlists of make_video_renditions, checked against ffprobe: every keyframe
// (read from the packets, not from our index) starts a segment at the same instant in every rung,
// the byte ranges and durations of the index match the packets, the codecs strings match the
// stream's profile and level, and ffmpeg's own HLS demuxer plays every frame through the
// playlists.

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "adapter/media/video/fmp4_index.hpp"
#include "adapter/media/video/make_video_renditions.hpp"
#include "adapter/media/video/probe_video.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"
#include "video_test_support.hpp"

namespace toq::media {
namespace {

using toq::testing::must;
using toq::testing::run_capture;
using toq::testing::shell_quote;
using toq::testing::Stderr;
using toq::testing::TempDir;
namespace v = toq::testing::video;

struct Packet {
  double pts = 0;
  double duration = 0;
  std::int64_t pos = 0;
  bool key = false;
};

std::vector<Packet> video_packets(const std::filesystem::path& file) {
  const auto r = run_capture(
      "ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,duration_time,flags,pos "
      "-of json " +
          shell_quote(file.string()),
      Stderr::kDiscard);
  EXPECT_EQ(r.status, 0);
  std::vector<Packet> out;
  const auto doc = nlohmann::json::parse(r.output);
  for (const auto& p : doc.at("packets")) {
    out.push_back({std::stod(p.at("pts_time").get<std::string>()),
                   std::stod(p.at("duration_time").get<std::string>()),
                   std::stoll(p.at("pos").get<std::string>()),
                   p.at("flags").get<std::string>().starts_with("K")});
  }
  return out;
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::map<std::string, OutputFile> make_outputs(const std::filesystem::path& input,
                                               const std::filesystem::path& out_dir) {
  const VideoLimits limits;
  const auto probe = must(probe_video(input, "mov", limits), "probe_video");
  std::map<std::string, OutputFile> map;
  for (auto& o : must(make_video_renditions(input, "mov", probe, out_dir, limits), "renditions")) {
    map[o.name] = o;
  }
  return map;
}

// The index of one rung against its packets as ffprobe reads them.
void expect_index_matches_packets(const OutputFile& rung, const Fmp4Index& index,
                                  const std::vector<Packet>& packets) {
  SCOPED_TRACE(rung.name);
  EXPECT_EQ(index.file_bytes, rung.bytes);
  EXPECT_EQ(index.width, rung.width);
  EXPECT_EQ(index.height, rung.height);
  std::vector<std::size_t> keys;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (packets[i].key) keys.push_back(i);
  }
  ASSERT_EQ(keys.size(), index.segments.size()) << "one segment per keyframe";
  std::int64_t frames = 0;
  for (std::size_t s = 0; s < keys.size(); ++s) {
    const auto& seg = index.segments[s];
    const std::size_t end = s + 1 < keys.size() ? keys[s + 1] : packets.size();
    double seconds = 0;
    for (std::size_t i = keys[s]; i < end; ++i) {
      // Every sample of the segment lies in its byte range.
      EXPECT_GT(packets[i].pos, seg.offset);
      EXPECT_LT(packets[i].pos, seg.offset + seg.length);
      seconds += packets[i].duration;
    }
    EXPECT_NEAR(seg.seconds, seconds, 1e-3) << "segment " << s;
    EXPECT_EQ(seg.frames, static_cast<std::int64_t>(end - keys[s]));
    frames += seg.frames;
    if (s > 0) {
      EXPECT_EQ(seg.offset, index.segments[s - 1].offset + index.segments[s - 1].length);
    }
  }
  EXPECT_EQ(frames, static_cast<std::int64_t>(packets.size()));
  EXPECT_EQ(index.segments.front().offset, index.init_length);
}

TEST(HlsRungs, VerticalSourceGetsAlignedRungsIndexedLikeFfprobeReadsThem) {
  const TempDir dir;
  // Stored vertical, 9 s at 30 fps: 480x854 kept as it is (no 1080p, never upscaled), 360x640
  // for weak networks.
  const auto input = v::make_h264(dir.path(), "vertical.mp4", 480, 854, 9);
  const auto out = make_outputs(input, dir / "out");
  ASSERT_TRUE(out.contains("hls-720p"));
  ASSERT_TRUE(out.contains("hls-360p"));
  EXPECT_FALSE(out.contains("hls-1080p")) << "never upscaled";
  EXPECT_EQ(out.at("hls-360p").width, 360);
  EXPECT_EQ(out.at("hls-360p").height, 640) << "vertical stays vertical";
  EXPECT_EQ(out.at("hls-720p").format, "fmp4");

  std::vector<std::vector<double>> keyframe_times;
  for (const char* name : {"hls-720p", "hls-360p"}) {
    const auto& rung = out.at(name);
    const auto packets = video_packets(rung.path);
    const auto index = must(read_fmp4_index(rung.path), "read_fmp4_index");
    expect_index_matches_packets(rung, index, packets);
    std::vector<double> keys;
    for (const auto& p : packets) {
      if (p.key) keys.push_back(std::round((p.pts - packets.front().pts) * 1000) / 1000);
    }
    keyframe_times.push_back(keys);
    EXPECT_NEAR(index.frame_rate(), 30.0, 1e-6);
    EXPECT_EQ(index.audio_codec, "mp4a.40.2");
    // The codecs string against the stream's own profile (High = 0x64) and level.
    const auto facts = v::ffprobe_json(rung.path);
    const auto& video = facts.at("streams").at(0);
    EXPECT_EQ(index.video_codec, fmt::format("avc1.6400{:02x}", video.at("level").get<int>()));
    // Segments of kSegmentSeconds, the last one what is left.
    for (std::size_t s = 0; s + 1 < index.segments.size(); ++s) {
      EXPECT_NEAR(index.segments[s].seconds, 4.0, 1e-6) << name << " segment " << s;
    }
  }
  EXPECT_EQ(keyframe_times[0], keyframe_times[1]) << "keyframes aligned across rungs";
  EXPECT_EQ(keyframe_times[0], (std::vector<double>{0, 4, 8}));

  const auto master = read_text(out.at("hls-master").path);
  EXPECT_NE(master.find("#EXT-X-VERSION:7"), std::string::npos);
  EXPECT_NE(master.find("RESOLUTION=480x854"), std::string::npos) << master;
  EXPECT_NE(master.find("RESOLUTION=360x640"), std::string::npos) << master;
  EXPECT_NE(master.find("FRAME-RATE=30.000"), std::string::npos) << master;
  EXPECT_NE(master.find("\n720p.m3u8\n"), std::string::npos) << master;
  EXPECT_NE(master.find("\n360p.m3u8\n"), std::string::npos) << master;
}

TEST(HlsRungs, FfmpegPlaysEveryFrameThroughTheMediaPlaylist) {
  const TempDir dir;
  const auto input = v::make_h264(dir.path(), "h.mp4", 640, 360, 6);
  const auto out = make_outputs(input, dir / "out");
  const auto playlist = out.at("hls-720p-playlist");
  const auto text = read_text(playlist.path);
  EXPECT_NE(text.find("#EXT-X-MAP:URI=\"hls-720p.mp4\",BYTERANGE="), std::string::npos) << text;
  EXPECT_NE(text.find("#EXT-X-TARGETDURATION:4\n"), std::string::npos) << text;
  // ffmpeg's HLS demuxer reads the rung through the byte ranges (files only).
  const auto r = run_capture(
      "ffprobe -v error -protocol_whitelist file -allowed_extensions ALL -f hls -count_frames "
      "-select_streams v:0 -show_entries stream=nb_read_frames,width,height -of json " +
          shell_quote(playlist.path.string()),
      Stderr::kCapture);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto streams = nlohmann::json::parse(r.output).at("streams");
  ASSERT_EQ(streams.size(), 1U) << r.output;
  EXPECT_EQ(streams[0].at("nb_read_frames"), "180");
  EXPECT_EQ(streams[0].at("width"), 640);
}

TEST(HlsRungs, AProgressiveMp4IsNotAnHlsRung) {
  const TempDir dir;
  const auto input = v::make_h264(dir.path(), "h.mp4", 320, 240, 1);
  const auto out = make_outputs(input, dir / "out");
  const auto r = read_fmp4_index(out.at("720p").path);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInternal);
  EXPECT_NE(r.error().message.find("no fragment"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace toq::media
