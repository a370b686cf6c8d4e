// Colour survives the ladder: colour bars of known RGB are encoded the ways cameras and phones
// write them (BT.601 SD untagged or tagged, BT.709 HD tagged or untagged, BT.601 at HD, full
// range), made into renditions by the real ffmpeg, decoded back to RGB by their own tags, and
// each bar's colour measured. The outputs must be tagged BT.709 and every bar within a few
// levels of what went in; a control shows the tolerance catches a matrix mix-up.

#include <array>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapter/media/video/make_video_renditions.hpp"
#include "adapter/media/video/probe_video.hpp"
#include "adapter/media/video/video_commands.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"
#include "video_test_support.hpp"

namespace toq::media {
namespace {

using toq::testing::must;
using toq::testing::shell_quote;
using toq::testing::TempDir;
namespace fs = std::filesystem;
namespace v = toq::testing::video;

struct Rgb {
  double r = 0;
  double g = 0;
  double b = 0;
};

// 75% bars and a skin tone: each hue sits where a matrix mix-up moves it most.
constexpr std::array<std::array<int, 3>, 8> kBars = {{
    {191, 191, 191},  // grey
    {191, 191, 0},    // yellow
    {0, 191, 191},    // cyan
    {0, 191, 0},      // green
    {191, 0, 191},    // magenta
    {191, 0, 0},      // red
    {0, 0, 191},      // blue
    {224, 160, 112},  // skin
}};
// After 4:2:0, x264 at high quality and two conversions: a few levels; a BT.601/BT.709 mix-up
// moves saturated bars by 10 to 30 levels.
constexpr double kTolerance = 8.0;

// 8 vertical bars filling width x height as RGB pixels, turned into Y'CbCr by `convert` (a
// filter) and encoded with the stream tags `tags` (ffmpeg options; empty: untagged).
fs::path make_bars(const fs::path& dir, const std::string& name, int width, int height,
                   const std::string& convert, const std::string& tags = {}) {
  std::string inputs;
  std::string labels;
  const int bar = width / static_cast<int>(kBars.size());
  for (std::size_t i = 0; i < kBars.size(); ++i) {
    inputs += fmt::format(" -f lavfi -i color=c=0x{:02X}{:02X}{:02X}:s={}x{}:r=30:d=1", kBars[i][0],
                          kBars[i][1], kBars[i][2], bar, height);
    labels += fmt::format("[{}:v]", i);
  }
  const auto out = dir / name;
  v::ffmpeg(inputs + " -filter_complex \"" + labels +
            fmt::format("hstack=inputs={}", kBars.size()) + ",format=gbrp," + convert + "\" " +
            tags + " -frames:v 30 -c:v libx264 -preset ultrafast -crf 4 " +
            "-x264-params log-level=error " + shell_quote(out.string()));
  return out;
}

// Decodes the first frame of `file` to RGB with the given Y'CbCr matrix and range and returns
// the mean colour of the middle of each bar.
std::vector<Rgb> measure_bars(const fs::path& file, const std::string& matrix,
                              const std::string& range, const fs::path& scratch) {
  const auto facts = v::stream_facts(file);
  const auto raw = scratch / (file.stem().string() + "." + matrix + ".rgb");
  v::ffmpeg("-i " + shell_quote(file.string()) +
            " -frames:v 1 -vf scale=in_color_matrix=" + matrix + ":in_range=" + range +
            ",format=rgb24 -f rawvideo " + shell_quote(raw.string()));
  const auto width = static_cast<std::size_t>(facts.width);
  const auto height = static_cast<std::size_t>(facts.height);
  std::vector<char> pixels(width * height * 3);
  std::ifstream in(raw, std::ios::binary);
  in.read(pixels.data(), static_cast<std::streamsize>(pixels.size()));
  EXPECT_EQ(static_cast<std::size_t>(in.gcount()), pixels.size()) << raw;
  std::vector<Rgb> bars;
  const std::size_t bar = width / kBars.size();
  for (std::size_t i = 0; i < kBars.size(); ++i) {
    Rgb sum;
    int n = 0;
    const std::size_t x0 = i * bar + bar / 4;
    for (std::size_t y = height / 4; y < height * 3 / 4; ++y) {
      for (std::size_t x = x0; x < x0 + bar / 2; ++x) {
        const auto at = (y * width + x) * 3;
        sum.r += static_cast<unsigned char>(pixels[at]);
        sum.g += static_cast<unsigned char>(pixels[at + 1]);
        sum.b += static_cast<unsigned char>(pixels[at + 2]);
        ++n;
      }
    }
    bars.push_back(n > 0 ? Rgb{sum.r / n, sum.g / n, sum.b / n} : Rgb{});
  }
  return bars;
}

double worst_error(const std::vector<Rgb>& bars) {
  double worst = 0;
  for (std::size_t i = 0; i < bars.size() && i < kBars.size(); ++i) {
    worst = std::max({worst, std::abs(bars[i].r - kBars[i][0]), std::abs(bars[i].g - kBars[i][1]),
                      std::abs(bars[i].b - kBars[i][2])});
  }
  return worst;
}

std::string describe(const std::vector<Rgb>& bars) {
  std::string text;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    text += fmt::format(" [{:.0f} {:.0f} {:.0f} want {} {} {}]", bars[i].r, bars[i].g, bars[i].b,
                        kBars[i][0], kBars[i][1], kBars[i][2]);
  }
  return text;
}

// Renditions of `source`; every MP4 (progressive and HLS rung), the poster and the thumbnail keep
// the bars' colours when decoded as their tags (MP4: BT.709 limited; JPEG: JFIF, BT.601 full
// range) say.
void expect_bars_survive(const fs::path& source, const fs::path& dir) {
  SCOPED_TRACE(source.filename().string());
  const auto probe = must(probe_video(source, "mov", VideoLimits{}), "probe_video");
  const auto outputs =
      must(make_video_renditions(source, "mov", probe, dir / "out", VideoLimits{}), "renditions");
  for (const auto& out : outputs) {
    SCOPED_TRACE(out.name);
    if (out.name == "thumbnail") continue;  // 320 wide: bars of 40 px, too narrow to sample cleanly
    if (out.format == "m3u8") continue;     // a playlist: no picture of its own
    const auto facts = v::stream_facts(out.path);
    if (out.format == "mp4" || out.format == "fmp4") {
      EXPECT_EQ(facts.matrix, "bt709");
      EXPECT_EQ(facts.primaries, "bt709");
      EXPECT_EQ(facts.transfer, "bt709");
      const auto bars = measure_bars(out.path, "bt709", "tv", dir);
      EXPECT_LE(worst_error(bars), kTolerance) << describe(bars);
    } else {
      const auto bars = measure_bars(out.path, "bt601", "pc", dir);
      EXPECT_LE(worst_error(bars), kTolerance) << describe(bars);
    }
  }
}

const std::string kTag709 = "-color_primaries bt709 -color_trc bt709 -colorspace bt709";

// Bars turned into Y'CbCr with `matrix` ("bt601", "bt709") at `range` ("tv", "pc"), tagged with
// `tags`, in a file of its own in `dir`.
fs::path bars(const fs::path& dir, const std::string& name, int width, int height,
              const std::string& matrix, const std::string& range, const std::string& tags = {}) {
  return make_bars(dir, name, width, height,
                   fmt::format("scale=out_color_matrix={}:out_range={},format={}", matrix, range,
                               range == "pc" ? "yuvj420p" : "yuv420p"),
                   tags);
}

std::string matrix_of(const fs::path& source) {
  return source_matrix(must(probe_video(source, "mov", VideoLimits{})));
}

TEST(VideoColour, Sd601UntaggedIsConvertedToBt709) {
  const TempDir dir;
  const auto source = bars(dir.path(), "sd601.mp4", 720, 480, "bt601", "tv");
  ASSERT_EQ(matrix_of(source), "smpte170m");
  expect_bars_survive(source, dir.path());
}

TEST(VideoColour, Sd601TaggedIsConvertedToBt709) {
  const TempDir dir;
  expect_bars_survive(bars(dir.path(), "sd601tagged.mp4", 720, 576, "bt601", "tv",
                           "-colorspace bt470bg -color_primaries bt470bg -color_trc gamma28"),
                      dir.path());
}

TEST(VideoColour, Hd709TaggedKeepsItsColours) {
  const TempDir dir;
  expect_bars_survive(bars(dir.path(), "hd709.mp4", 1280, 720, "bt709", "tv", kTag709), dir.path());
}

TEST(VideoColour, Hd709UntaggedIsTakenAsBt709) {
  const TempDir dir;
  const auto source = bars(dir.path(), "hd709untagged.mp4", 1280, 720, "bt709", "tv");
  ASSERT_EQ(matrix_of(source), "bt709");
  expect_bars_survive(source, dir.path());
}

TEST(VideoColour, Bt601AtHdTaggedIsConverted) {
  const TempDir dir;
  expect_bars_survive(bars(dir.path(), "hd601.mp4", 1280, 720, "bt601", "tv",
                           "-colorspace smpte170m -color_primaries smpte170m -color_trc smpte170m"),
                      dir.path());
}

TEST(VideoColour, FullRangeBt709IsMadeLimited) {
  const TempDir dir;
  expect_bars_survive(
      bars(dir.path(), "hdfull.mp4", 1280, 720, "bt709", "pc", kTag709 + " -color_range pc"),
      dir.path());
}

// The control: the same SD bars read with the wrong matrix are off by more than the tolerance,
// so the checks above would catch a ladder that skipped the conversion.
TEST(VideoColour, TheToleranceCatchesAMatrixMixUp) {
  const TempDir dir;
  const auto source = bars(dir.path(), "sd601.mp4", 720, 480, "bt601", "tv");
  EXPECT_LE(worst_error(measure_bars(source, "bt601", "tv", dir.path())), kTolerance);
  EXPECT_GT(worst_error(measure_bars(source, "bt709", "tv", dir.path())), 2 * kTolerance);
}

}  // namespace
}  // namespace toq::media
