// make_video_renditions on inputs generated with the real ffmpeg; every output read back with the
// real ffprobe (sizes, codecs, colour, rotation, atoms) or decoded (poster luma).

#include "adapter/media/video/make_video_renditions.hpp"

#include <algorithm>
#include <map>

#include <gtest/gtest.h>

#include "adapter/media/video/probe_video.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"
#include "video_test_support.hpp"

namespace toq::media {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;
using toq::testing::must;
using toq::testing::shell_quote;
using toq::testing::TempDir;
namespace v = toq::testing::video;

std::map<std::string, OutputFile> by_name(const std::vector<OutputFile>& outputs) {
  std::map<std::string, OutputFile> map;
  for (const auto& o : outputs) map[o.name] = o;
  return map;
}

std::vector<OutputFile> renditions_of(const std::filesystem::path& input,
                                      const std::filesystem::path& out_dir,
                                      const VideoLimits& limits = {}) {
  const auto probe = must(probe_video(input, "mov", limits), "probe_video");
  return must(make_video_renditions(input, "mov", probe, out_dir, limits), "make_video_renditions");
}

// What every MP4 output must be, whatever the source.
void expect_valid_mp4(const OutputFile& out, bool with_audio) {
  SCOPED_TRACE(out.name);
  EXPECT_EQ(out.format, "mp4");
  EXPECT_EQ(out.extension, "mp4");
  EXPECT_EQ(out.path.filename().string(), out.name + ".mp4");
  EXPECT_EQ(out.bytes, static_cast<std::int64_t>(std::filesystem::file_size(out.path)));
  const auto facts = v::stream_facts(out.path);
  EXPECT_EQ(facts.codec, "h264");
  EXPECT_EQ(facts.pix_fmt, "yuv420p");
  EXPECT_EQ(facts.width, out.width);
  EXPECT_EQ(facts.height, out.height);
  EXPECT_EQ(facts.width % 2, 0);
  EXPECT_EQ(facts.height % 2, 0);
  EXPECT_FALSE(facts.has_rotation);
  EXPECT_EQ(facts.primaries, "bt709");
  EXPECT_EQ(facts.transfer, "bt709");
  EXPECT_EQ(facts.matrix, "bt709");
  EXPECT_EQ(facts.r_frame_rate, facts.avg_frame_rate) << "constant frame rate";
  EXPECT_EQ(facts.has_audio, with_audio);
  const auto atoms = v::top_level_atoms(out.path);
  ASSERT_GE(v::atom_index(atoms, "moov"), 0);
  EXPECT_LT(v::atom_index(atoms, "moov"), v::atom_index(atoms, "mdat")) << "+faststart";
}

void expect_images(const std::map<std::string, OutputFile>& outputs, int width, int height) {
  ASSERT_TRUE(outputs.contains("poster"));
  ASSERT_TRUE(outputs.contains("thumbnail"));
  const auto& poster = outputs.at("poster");
  const auto& thumb = outputs.at("thumbnail");
  EXPECT_EQ(poster.format, "jpeg");
  EXPECT_EQ(poster.path.filename(), "poster.jpg");
  EXPECT_EQ(thumb.path.filename(), "thumbnail.jpg");
  const auto p = v::stream_facts(poster.path);
  EXPECT_EQ(p.codec, "mjpeg");
  EXPECT_EQ(p.width, width);
  EXPECT_EQ(p.height, height);
  EXPECT_EQ(poster.width, width);
  EXPECT_EQ(poster.height, height);
  const auto t = v::stream_facts(thumb.path);
  EXPECT_EQ(t.codec, "mjpeg");
  EXPECT_EQ(std::max(t.width, t.height), std::min(320, std::max(width, height)));
  EXPECT_EQ(t.width, thumb.width);
  EXPECT_EQ(t.height, thumb.height);
  EXPECT_EQ((t.width > t.height), (width > height)) << "same orientation as the video";
}

// A source under 360 lines: one rung, as an MP4 and for HLS.
const std::vector<std::string> kSmallSourceFiles = {
    "720p.mp4",        "hls-720p.mp4", "hls-720p-playlist.m3u8",
    "hls-master.m3u8", "poster.jpg",   "thumbnail.jpg"};

// Nothing but the final outputs: no temporary file left behind.
void expect_only(const std::filesystem::path& dir, std::vector<std::string> names) {
  std::vector<std::string> found;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    found.push_back(e.path().filename().string());
  }
  std::sort(found.begin(), found.end());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(found, names);
}

TEST(MakeVideoRenditions, HorizontalH264WithAudio) {
  const TempDir dir;
  const auto input = v::make_h264(dir.path(), "h.mp4", 320, 240, 2);
  const auto out_dir = dir / "out";
  const auto outputs = renditions_of(input, out_dir);
  ASSERT_EQ(outputs.size(), 6U);  // 720p and its HLS rung, playlist and master; poster; thumbnail
  EXPECT_EQ(outputs[0].name, "720p");
  EXPECT_EQ(outputs[0].width, 320);  // smaller than 720: its own size, never upscaled
  EXPECT_EQ(outputs[0].height, 240);
  expect_valid_mp4(outputs[0], true);
  expect_images(by_name(outputs), 320, 240);
  expect_only(out_dir, kSmallSourceFiles);
}

TEST(MakeVideoRenditions, FullHdSourceGets1080pAnd720p) {
  const TempDir dir;
  const auto input = v::make_h264(dir.path(), "fhd.mp4", 1920, 1080, 0.5, true, 10);
  const auto outputs = by_name(renditions_of(input, dir / "out"));
  // 1080p, 720p; their HLS rungs and 360p (HLS only), three media playlists and the master;
  // poster; thumbnail.
  ASSERT_EQ(outputs.size(), 11U);
  EXPECT_FALSE(outputs.contains("360p")) << "the small rung is for streaming only";
  ASSERT_TRUE(outputs.contains("hls-360p"));
  EXPECT_EQ(outputs.at("hls-360p").width, 640);
  EXPECT_EQ(outputs.at("hls-360p").height, 360);
  ASSERT_TRUE(outputs.contains("1080p"));
  EXPECT_EQ(outputs.at("1080p").width, 1920);
  EXPECT_EQ(outputs.at("1080p").height, 1080);
  EXPECT_EQ(outputs.at("720p").width, 1280);
  EXPECT_EQ(outputs.at("720p").height, 720);
  expect_valid_mp4(outputs.at("1080p"), true);
  expect_valid_mp4(outputs.at("720p"), true);
  expect_images(outputs, 1920, 1080);
}

TEST(MakeVideoRenditions, VerticalByRotationStaysVertical) {
  const TempDir dir;
  const auto input =
      v::with_rotation(v::make_h264(dir.path(), "h.mp4", 320, 240, 1), dir / "v.mp4", 90);
  const auto outputs = by_name(renditions_of(input, dir / "out"));
  const auto& mp4 = outputs.at("720p");
  EXPECT_EQ(mp4.width, 240);
  EXPECT_EQ(mp4.height, 320);
  expect_valid_mp4(mp4, true);  // stored upright: no rotation side data
  expect_images(outputs, 240, 320);
}

TEST(MakeVideoRenditions, HdrHlgIsToneMappedToSdrBt709) {
  const TempDir dir;
  const auto outputs = by_name(renditions_of(v::make_hlg_vertical(dir.path()), dir / "out"));
  const auto& mp4 = outputs.at("720p");
  EXPECT_EQ(mp4.width, 240);
  EXPECT_EQ(mp4.height, 320);
  expect_valid_mp4(mp4, true);  // yuv420p 8-bit, bt709 primaries/transfer/matrix
  expect_images(outputs, 240, 320);
  // Tone-mapped, not clipped to black or white.
  const double luma = v::mean_luma(outputs.at("poster").path);
  EXPECT_GT(luma, 40);
  EXPECT_LT(luma, 220);
}

TEST(MakeVideoRenditions, HdrPqIsToneMappedToo) {
  const TempDir dir;
  const auto input = dir / "pq.mp4";
  v::ffmpeg(
      "-f lavfi -i testsrc2=s=320x240:r=30:d=1 -vf format=yuv420p10le -c:v libx265 "
      "-preset ultrafast -x265-params log-level=error -color_primaries bt2020 "
      "-color_trc smpte2084 -colorspace bt2020nc " +
      shell_quote(input.string()));
  const auto outputs = by_name(renditions_of(input, dir / "out"));
  expect_valid_mp4(outputs.at("720p"), false);
  const double luma = v::mean_luma(outputs.at("poster").path);
  EXPECT_GT(luma, 40);
  EXPECT_LT(luma, 220);
}

TEST(MakeVideoRenditions, StalePartialFilesOfAKilledRunAreRemoved) {
  const TempDir dir;
  const auto input = v::make_h264(dir.path(), "h.mp4", 160, 120, 1, false);
  std::filesystem::create_directories(dir / "out");
  v::write_file(dir / "out" / ".720p.999-0.partial.mp4", "half a file");
  renditions_of(input, dir / "out");
  expect_only(dir / "out", kSmallSourceFiles);
}

TEST(MakeVideoRenditions, OddDimensionsBecomeEven) {
  const TempDir dir;
  const auto input = dir / "odd.mp4";
  v::ffmpeg(
      "-f lavfi -i testsrc2=s=321x241:r=30:d=1 -c:v libx264 -preset ultrafast "
      "-pix_fmt yuv444p " +
      shell_quote(input.string()));  // 4:4:4 allows odd sizes
  const auto outputs = by_name(renditions_of(input, dir / "out"));
  EXPECT_EQ(outputs.at("720p").width, 320);
  EXPECT_EQ(outputs.at("720p").height, 240);
  expect_valid_mp4(outputs.at("720p"), false);
}

TEST(MakeVideoRenditions, NoAudioGivesNoAudioStream) {
  const TempDir dir;
  const auto input = v::make_h264(dir.path(), "silent.mp4", 320, 240, 1, false);
  const auto outputs = by_name(renditions_of(input, dir / "out"));
  expect_valid_mp4(outputs.at("720p"), false);
}

TEST(MakeVideoRenditions, VariableFrameRateGivesConstantRate) {
  const TempDir dir;
  const auto input = dir / "vfr.mp4";
  v::ffmpeg(
      "-f lavfi -i testsrc2=s=320x240:r=30:d=3 -vf \"select='lt(n\\,30)+not(mod(n\\,3))'\" "
      "-fps_mode vfr -c:v libx264 -preset ultrafast " +
      shell_quote(input.string()));
  const auto source = v::stream_facts(input);
  ASSERT_NE(source.r_frame_rate, source.avg_frame_rate) << "the fixture must be variable";
  const auto outputs = by_name(renditions_of(input, dir / "out"));
  expect_valid_mp4(outputs.at("720p"), false);
  EXPECT_EQ(v::stream_facts(outputs.at("720p").path).r_frame_rate, "30/1");
}

TEST(MakeVideoRenditions, MoovAtTheEndGivesMoovFirst) {
  const TempDir dir;
  const auto input = v::make_h264(dir.path(), "late-moov.mp4", 320, 240, 1);
  const auto source_atoms = v::top_level_atoms(input);
  ASSERT_GT(v::atom_index(source_atoms, "moov"), v::atom_index(source_atoms, "mdat"))
      << "the fixture must have its moov after mdat";
  const auto outputs = by_name(renditions_of(input, dir / "out"));
  expect_valid_mp4(outputs.at("720p"), true);  // moov before mdat
}

TEST(MakeVideoRenditions, PosterSkipsTheBlackOpening) {
  const TempDir dir;
  const auto input = dir / "black-start.mp4";
  v::ffmpeg(
      "-f lavfi -i color=c=black:s=320x240:r=30:d=2 -f lavfi -i testsrc2=s=320x240:r=30:d=1 "
      "-filter_complex \"[0:v][1:v]concat=n=2:v=1:a=0[v]\" -map \"[v]\" -c:v libx264 "
      "-preset ultrafast " +
      shell_quote(input.string()));
  const auto outputs = by_name(renditions_of(input, dir / "out"));
  // The first frame is black (about 16); the poster is a frame of the picture.
  EXPECT_GT(v::mean_luma(outputs.at("poster").path), 40);
  EXPECT_GT(v::mean_luma(outputs.at("thumbnail").path), 40);
}

TEST(MakeVideoRenditions, AllDarkVideoStillGetsAPoster) {
  const TempDir dir;
  const auto input = dir / "dark.mp4";
  v::ffmpeg("-f lavfi -i color=c=0x101010:s=320x240:r=30:d=1 -c:v libx264 -preset ultrafast " +
            shell_quote(input.string()));
  const auto outputs = by_name(renditions_of(input, dir / "out"));
  expect_images(outputs, 320, 240);
}

TEST(MakeVideoRenditions, RerunReplacesOutputsWithSameResult) {
  const TempDir dir;
  const auto input = v::make_h264(dir.path(), "h.mp4", 320, 240, 1, false);
  const auto first = renditions_of(input, dir / "out");
  const auto second = renditions_of(input, dir / "out");
  ASSERT_EQ(first.size(), second.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].name, second[i].name);
    EXPECT_EQ(first[i].path, second[i].path);
    EXPECT_EQ(first[i].width, second[i].width);
  }
  expect_only(dir / "out", kSmallSourceFiles);
}

}  // namespace
}  // namespace toq::media
