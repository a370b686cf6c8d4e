// probe_video on inputs generated with the real ffmpeg: the facts, and the typed refusals.

#include "adapter/media/video/probe_video.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"
#include "video_test_support.hpp"

namespace toq::media {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;
using toq::testing::fails_with;
using toq::testing::must;
using toq::testing::TempDir;
namespace v = toq::testing::video;

TEST(ProbeVideo, HorizontalH264WithAudio) {
  const TempDir dir;
  const auto input = v::make_h264(dir.path(), "h.mp4", 320, 240, 2);
  const auto probe = must(probe_video(input, "mov", VideoLimits{}));
  EXPECT_EQ(probe.container, "mov");
  EXPECT_EQ(probe.video_codec, "h264");
  EXPECT_EQ(probe.width, 320);
  EXPECT_EQ(probe.height, 240);
  EXPECT_EQ(probe.rotation, 0);
  EXPECT_NEAR(static_cast<double>(probe.duration_ms), 2000, 100);
  EXPECT_DOUBLE_EQ(probe.fps, 30);
  EXPECT_FALSE(probe.variable_frame_rate);
  EXPECT_EQ(probe.pix_fmt, "yuv420p");
  EXPECT_EQ(probe.bit_depth, 8);
  EXPECT_FALSE(probe.hdr);
  EXPECT_TRUE(probe.has_audio);
  EXPECT_EQ(probe.audio_codec, "aac");
}

TEST(ProbeVideo, RotationMetadataMakesItVertical) {
  const TempDir dir;
  const auto input =
      v::with_rotation(v::make_h264(dir.path(), "h.mp4", 320, 240, 1), dir / "v.mp4", 90);
  const auto probe = must(probe_video(input, "mov", VideoLimits{}));
  EXPECT_EQ(probe.coded_width, 320);
  EXPECT_EQ(probe.coded_height, 240);
  EXPECT_TRUE(probe.rotation == 90 || probe.rotation == 270) << probe.rotation;
  EXPECT_EQ(probe.width, 240);
  EXPECT_EQ(probe.height, 320);
}

TEST(ProbeVideo, TenBitHevcHlgIsHdr) {
  const TempDir dir;
  const auto probe = must(probe_video(v::make_hlg_vertical(dir.path()), "mov", VideoLimits{}));
  EXPECT_EQ(probe.video_codec, "hevc");
  EXPECT_EQ(probe.bit_depth, 10);
  EXPECT_EQ(probe.color_transfer, "arib-std-b67");
  EXPECT_EQ(probe.color_primaries, "bt2020");
  EXPECT_TRUE(probe.hdr);
  EXPECT_EQ(probe.width, 240);
  EXPECT_EQ(probe.height, 320);
}

TEST(ProbeVideo, NoAudioIsAccepted) {
  const TempDir dir;
  const auto probe = must(
      probe_video(v::make_h264(dir.path(), "n.mp4", 320, 240, 1, false), "mov", VideoLimits{}));
  EXPECT_FALSE(probe.has_audio);
  EXPECT_TRUE(probe.audio_codec.empty());
}

TEST(ProbeVideo, VariableFrameRateIsDetected) {
  const TempDir dir;
  const auto input = dir / "vfr.mp4";
  // Frames 0-29 at 30 fps, then every third frame only: timestamps with gaps.
  v::ffmpeg(
      "-f lavfi -i testsrc2=s=320x240:r=30:d=3 -vf \"select='lt(n\\,30)+not(mod(n\\,3))'\" "
      "-fps_mode vfr -c:v libx264 -preset ultrafast " +
      toq::testing::shell_quote(input.string()));
  const auto probe = must(probe_video(input, "mov", VideoLimits{}));
  EXPECT_TRUE(probe.variable_frame_rate);
  EXPECT_GT(probe.fps, 0);
}

TEST(ProbeVideo, TooLong) {
  const TempDir dir;
  VideoLimits limits;
  limits.max_duration = 1s;
  const auto r = probe_video(v::make_h264(dir.path(), "h.mp4", 160, 120, 2), "mov", limits);
  ASSERT_TRUE(fails_with(r, ErrorCode::kVideoTooLong));
  EXPECT_NE(r.error().message.find("limit of 1 s"), std::string::npos) << r.error().message;
  EXPECT_FALSE(r.error().hint.empty());
}

TEST(ProbeVideo, TruncatedMp4IsCorruptWithDiagnosticsAndHint) {
  const TempDir dir;
  const auto whole = v::make_h264(dir.path(), "whole.mp4", 320, 240, 2);  // moov at the end
  const auto truncated = dir / "truncated.mp4";
  std::filesystem::copy_file(whole, truncated);
  std::filesystem::resize_file(truncated, std::filesystem::file_size(whole) / 2);
  const auto r = probe_video(truncated, "mov", VideoLimits{});
  ASSERT_TRUE(fails_with(r, ErrorCode::kCorruptMedia));
  EXPECT_NE(r.error().message.find("reading the video failed: ffprobe exited with status"),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("moov atom not found"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().public_message.find(dir.path().string()), std::string::npos)
      << "the public text must not name server paths: " << r.error().public_message;
  EXPECT_FALSE(r.error().hint.empty());
}

TEST(ProbeVideo, ZeroSampleMp4IsCorruptMediaInPlainWords) {
  const TempDir dir;
  const auto input = v::make_zero_sample_mp4(dir.path(), "empty.mp4");
  // The fixture is what it claims: a readable H.264 track, and not one packet in it.
  const auto streams = v::ffprobe_json(input).at("streams");
  ASSERT_FALSE(streams.empty());
  ASSERT_EQ(streams.at(0).value("codec_name", ""), "h264");
  ASSERT_FALSE(
      v::ffprobe_json(input, "-count_packets").at("streams").at(0).contains("nb_read_packets"));
  const auto r = probe_video(input, "mov", VideoLimits{});
  ASSERT_TRUE(fails_with(r, ErrorCode::kCorruptMedia));
  EXPECT_EQ(r.error().public_message,
            "The video has no frames: the file describes a video but holds no picture of it.");
  EXPECT_NE(r.error().message.find("reading the video failed: the video stream has no frames"),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().hint.find("export it again"), std::string::npos) << r.error().hint;
}

// A fragmented MP4 declares no frame count in its moov (its samples are in the fragments): it
// is read, not refused as empty.
TEST(ProbeVideo, FragmentedMp4IsAccepted) {
  const TempDir dir;
  const auto input = v::make_fragmented_h264(dir.path(), "fragmented.mp4");
  ASSERT_FALSE(v::ffprobe_json(input).at("streams").at(0).contains("nb_frames"))
      << "the fixture must be one whose container does not count its frames";
  const auto probe = must(probe_video(input, "mov", VideoLimits{}));
  EXPECT_EQ(probe.video_codec, "h264");
  EXPECT_EQ(probe.width, 320);
  EXPECT_EQ(probe.declared_frames, 0);
  EXPECT_NEAR(static_cast<double>(probe.duration_ms), 2000, 100);
  EXPECT_TRUE(probe.has_audio);
}

TEST(ProbeVideo, PlaylistRenamedMp4IsRefused) {
  const TempDir dir;
  const auto input = dir / "playlist.mp4";
  v::write_file(input, v::hostile_playlist(9, "/etc/hostname"));
  const auto r = probe_video(input, "mov", VideoLimits{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorruptMedia) << r.error().message;
  // A caller that forces the HLS demuxer itself is refused before anything runs.
  EXPECT_TRUE(fails_with(probe_video(input, "hls", VideoLimits{}), ErrorCode::kUnsupportedFormat));
  EXPECT_TRUE(
      fails_with(probe_video(input, "concat", VideoLimits{}), ErrorCode::kUnsupportedFormat));
}

TEST(ProbeVideo, AviCarryingAPlaylistIsRefused) {
  const TempDir dir;
  const auto input = dir / "hls.avi";
  v::write_file(input, v::hostile_avi(v::hostile_playlist(9, "/etc/hostname")));
  const auto r = probe_video(input, "avi", VideoLimits{});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().code == ErrorCode::kUnsupportedFormat ||
              r.error().code == ErrorCode::kCorruptMedia)
      << core::to_string(r.error().code) << ": " << r.error().message;
}

TEST(ProbeVideo, AudioOnlyIsUnsupported) {
  const TempDir dir;
  const auto input = dir / "audio.m4a";
  v::ffmpeg("-f lavfi -i sine=d=1 -c:a aac " + toq::testing::shell_quote(input.string()));
  EXPECT_TRUE(fails_with(probe_video(input, "mov", VideoLimits{}), ErrorCode::kUnsupportedFormat));
}

TEST(ProbeVideo, CodecOffTheAllowListIsUnsupported) {
  const TempDir dir;
  const auto input = dir / "gif.mkv";
  v::ffmpeg("-f lavfi -i testsrc2=s=64x48:r=5:d=1 -c:v gif " +
            toq::testing::shell_quote(input.string()));
  const auto r = probe_video(input, "matroska", VideoLimits{});
  ASSERT_TRUE(fails_with(r, ErrorCode::kUnsupportedFormat));
  EXPECT_NE(r.error().message.find("'gif'"), std::string::npos) << r.error().message;
}

TEST(ProbeVideo, AFrameAboveTheLimitIsTooLargeBeforeDecoding) {
  const TempDir dir;
  const auto input = v::make_h264(dir.path(), "h.mp4", 320, 240, 1, false);
  VideoLimits limits;
  limits.max_frame_pixels = 320 * 240 - 1;
  const auto r = probe_video(input, "mov", limits);
  ASSERT_TRUE(fails_with(r, ErrorCode::kImageTooLarge));
  EXPECT_NE(r.error().message.find("320x240"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().public_message.find("320x240"), std::string::npos);
  EXPECT_FALSE(r.error().hint.empty());
  limits.max_frame_pixels = 320 * 240;
  EXPECT_TRUE(probe_video(input, "mov", limits).has_value());
}

TEST(ProbeVideo, AThinFrameWiderThanTheEdgeLimitIsTooLarge) {
  // 8200 x 16: few pixels, but wider than any encoder rung accepts once the plan keeps its width.
  const TempDir dir;
  const auto input = dir / "thin.avi";
  v::ffmpeg("-f lavfi -i color=c=gray:s=8200x16:r=1 -frames:v 2 -c:v mjpeg -pix_fmt yuvj420p " +
            toq::testing::shell_quote(input.string()));
  const auto r = probe_video(input, "avi", VideoLimits{});
  ASSERT_TRUE(fails_with(r, ErrorCode::kImageTooLarge));
  EXPECT_NE(r.error().message.find("8200x16"), std::string::npos) << r.error().message;
}

TEST(ParseProbeJson, FrameSizeLimitUsesTheStoredFrame) {
  const auto json = [](int w, int h) {
    return fmt::format(
        R"({{"streams":[{{"index":0,"codec_type":"video","codec_name":"h264","width":{},)"
        R"("height":{},"side_data_list":[{{"rotation":-90}}]}}]}})",
        w, h);
  };
  EXPECT_TRUE(parse_probe_json(json(7680, 4320), "mov", VideoLimits{}).has_value());
  EXPECT_TRUE(parse_probe_json(json(8192, 4320), "mov", VideoLimits{}).has_value());
  EXPECT_TRUE(fails_with(parse_probe_json(json(16000, 16000), "mov", VideoLimits{}),
                         ErrorCode::kImageTooLarge));
  EXPECT_TRUE(
      fails_with(parse_probe_json(json(8194, 2), "mov", VideoLimits{}), ErrorCode::kImageTooLarge));
  EXPECT_TRUE(
      fails_with(parse_probe_json(json(2, 8194), "mov", VideoLimits{}), ErrorCode::kImageTooLarge));
}

TEST(ParseProbeJson, GarbageIsCorrupt) {
  EXPECT_TRUE(
      fails_with(parse_probe_json("{not json", "mov", VideoLimits{}), ErrorCode::kCorruptMedia));
  EXPECT_TRUE(fails_with(parse_probe_json(R"({"streams":[]})", "mov", VideoLimits{}),
                         ErrorCode::kUnsupportedFormat));
  EXPECT_TRUE(fails_with(
      parse_probe_json(R"({"streams":[{"index":0,"codec_type":"video","codec_name":"h264"}]})",
                       "mov", VideoLimits{}),
      ErrorCode::kCorruptMedia));
}

}  // namespace
}  // namespace toq::media
