// make_photo_renditions on real inputs: the eight files, their sizes (never upscaled), formats and
// colour, each read back with vipsheader / vips getpoint.

#include "adapter/media/photo/photo_renditions.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "photo_inputs.hpp"
#include "support/result_matchers.hpp"

namespace toq::media {
namespace {

using photo_testing::header_of;
using photo_testing::Inputs;
using photo_testing::near;
using photo_testing::pixel_at;
using testing::must;

struct Expected {
  std::string name;
  int long_edge;
};
const std::vector<Expected> kSizes = {
    {"large", 1920}, {"medium", 1280}, {"small", 640}, {"thumbnail", 320}};

std::vector<OutputFile> renditions(const std::string& input, const std::string& tag) {
  const auto out = Inputs::get().out_dir(tag);
  return must(make_photo_renditions(Inputs::get()[input], out, PhotoLimits{}), input.c_str());
}

// Checks the 8 files against the source's displayed size: names, order, formats, paths, sizes
// (long edge = min(size, source's long edge), aspect kept to within a pixel), 8-bit sRGB.
void expect_sizes(const std::vector<OutputFile>& files, int src_width, int src_height) {
  ASSERT_EQ(files.size(), 8U);
  const int src_long = std::max(src_width, src_height);
  for (std::size_t i = 0; i < files.size(); ++i) {
    const OutputFile& f = files[i];
    const Expected& size = kSizes[i / 2];
    const bool jpeg = i % 2 == 0;
    SCOPED_TRACE(f.path.string());
    EXPECT_EQ(f.name, size.name);
    EXPECT_EQ(f.format, jpeg ? "jpeg" : "webp");
    EXPECT_EQ(f.extension, jpeg ? "jpg" : "webp");
    EXPECT_EQ(f.path.filename().string(), size.name + (jpeg ? ".jpg" : ".webp"));
    ASSERT_TRUE(std::filesystem::exists(f.path));
    EXPECT_EQ(f.bytes, static_cast<std::int64_t>(std::filesystem::file_size(f.path)));

    const auto h = header_of(f.path);
    EXPECT_EQ(h.width, f.width);
    EXPECT_EQ(h.height, f.height);
    EXPECT_EQ(h.loader, jpeg ? "jpegload" : "webpload");
    EXPECT_EQ(h.format, "uchar");
    EXPECT_EQ(h.interpretation, "srgb");
    if (jpeg) {
      EXPECT_EQ(h.bands, 3);
    }

    const int want_long = std::min(size.long_edge, src_long);
    const double scale = static_cast<double>(want_long) / src_long;
    const bool landscape = src_width >= src_height;
    EXPECT_EQ(landscape ? h.width : h.height, want_long);
    const double want_short = (landscape ? src_height : src_width) * scale;
    EXPECT_LE(std::abs((landscape ? h.height : h.width) - want_short), 1.0)
        << h.width << "x" << h.height;
  }
}

TEST(PhotoRenditions, LandscapeJpegGivesEightFilesInFourSizes) {
  const auto files = renditions("landscape.jpg", "landscape");
  expect_sizes(files, 3000, 2000);
  EXPECT_EQ(files[0].width, 1920);
  EXPECT_EQ(files[0].height, 1280);
}

TEST(PhotoRenditions, PortraitPngKeepsItsLongEdgeVertical) {
  const auto files = renditions("portrait.png", "portrait");
  expect_sizes(files, 1500, 2400);
  EXPECT_EQ(files[0].height, 1920);
  EXPECT_EQ(files[0].width, 1200);
}

TEST(PhotoRenditions, ASmallSourceIsNeverUpscaled) {
  const auto files = renditions("tiny.jpg", "tiny");
  expect_sizes(files, 300, 200);
  for (const auto& f : files) {
    EXPECT_EQ(f.width, 300) << f.path;
    EXPECT_EQ(f.height, 200) << f.path;
  }
}

TEST(PhotoRenditions, AMiddleSizedWebpIsShrunkOnlyWhereItIsLarger) {
  const auto files = renditions("middle.webp", "middle");
  expect_sizes(files, 1000, 700);
  EXPECT_EQ(files[0].width, 1000);  // large: the source's own size
  EXPECT_EQ(files[2].width, 1000);  // medium: likewise
  EXPECT_EQ(files[4].width, 640);
  EXPECT_EQ(files[6].width, 320);
}

TEST(PhotoRenditions, CmykJpegBecomesThreeBandSrgb) {
  const auto files = renditions("cmyk.jpg", "cmyk");
  expect_sizes(files, 800, 600);
  for (const auto& f : files) {
    EXPECT_EQ(header_of(f.path).bands, 3) << f.path;
    EXPECT_TRUE(near(pixel_at(f.path, 10, 10), {255, 0, 0}, 60)) << f.path;  // still red
  }
}

TEST(PhotoRenditions, SixteenBitPngBecomesEightBit) {
  ASSERT_EQ(header_of(Inputs::get()["rgb16.png"]).format, "ushort");  // the input really is
  const auto files = renditions("rgb16.png", "rgb16");
  expect_sizes(files, 800, 600);
  // Top of the gradient is red, bottom blue, at 8-bit values (not clipped 16-bit ones).
  const photo_testing::Pixels pixels(files[0].path);
  EXPECT_TRUE(near(pixels.at(400, 2), {255, 0, 0})) << ::testing::PrintToString(pixels.at(400, 2));
  EXPECT_TRUE(near(pixels.at(400, 597), {0, 0, 255}))
      << ::testing::PrintToString(pixels.at(400, 597));
}

TEST(PhotoRenditions, AnEmbeddedProfileIsConvertedToSrgbBeforeItIsStripped) {
  const auto input = Inputs::get()["display-p3.jpg"];
  ASSERT_FALSE(near(pixel_at(input, 10, 10), {255, 0, 0}, 10));  // raw P3 values, not sRGB red
  const auto files = renditions("display-p3.jpg", "p3");
  expect_sizes(files, 400, 300);
  for (const auto& f : files) {
    EXPECT_TRUE(near(pixel_at(f.path, 10, 10), {255, 0, 0}, 12)) << f.path;
  }
}

TEST(PhotoRenditions, GreyJpegBecomesSrgb) {
  const auto files = renditions("grey.jpg", "grey");
  expect_sizes(files, 800, 600);
  EXPECT_EQ(header_of(files[0].path).bands, 3);
}

TEST(PhotoRenditions, AlphaIsFlattenedOnWhiteInJpegAndKeptInWebp) {
  const auto files = renditions("alpha.png", "alpha");
  expect_sizes(files, 800, 400);
  for (const auto& f : files) {
    SCOPED_TRACE(f.path.string());
    const auto h = header_of(f.path);
    const int right = f.width * 3 / 4;
    const int left = f.width / 4;
    const int mid = f.height / 2;
    if (f.format == "jpeg") {
      EXPECT_EQ(h.bands, 3);
      EXPECT_TRUE(near(pixel_at(f.path, right, mid), {255, 255, 255}));  // transparent -> white
      EXPECT_TRUE(near(pixel_at(f.path, left, mid), {255, 0, 0}));
    } else {
      EXPECT_EQ(h.bands, 4);
      const auto transparent = pixel_at(f.path, right, mid);
      ASSERT_EQ(transparent.size(), 4U);
      EXPECT_EQ(transparent[3], 0);
      const auto opaque = pixel_at(f.path, left, mid);
      ASSERT_EQ(opaque.size(), 4U);
      EXPECT_EQ(opaque[3], 255);
    }
  }
}

TEST(PhotoRenditions, HeicInput) {
  const auto files = renditions("photo.heic", "heic");
  expect_sizes(files, 300, 200);
  EXPECT_TRUE(near(pixel_at(files[0].path, 10, 10), {255, 0, 0}));
  EXPECT_TRUE(near(pixel_at(files[0].path, 290, 10), {0, 255, 0}));
}

TEST(PhotoRenditions, AnimatedGifGivesItsFirstFrame) {
  const auto files = renditions("animated.gif", "gif");
  expect_sizes(files, 500, 400);
  for (const auto& f : files) {
    EXPECT_TRUE(near(pixel_at(f.path, f.width / 2, f.height / 2), {255, 0, 0})) << f.path;
  }
}

TEST(PhotoRenditions, ProgressiveJpeg) {
  const auto files = renditions("progressive.jpg", "progressive");
  expect_sizes(files, 2400, 1600);
}

// A 15 MP JPEG (a shrink of 2.5 to 1920) with EXIF orientation 6 and an embedded Display P3
// profile: upright, the markers in their corners, converted to sRGB, every size the displayed
// aspect.
TEST(PhotoRenditions, ALargeTurnedP3JpegIsUprightAndConvertedToSrgb) {
  const auto input = Inputs::get()["large-orientation-6.jpg"];
  ASSERT_EQ(header_of(input).width, 3200);  // stored turned
  const auto files = renditions("large-orientation-6.jpg", "large-o6");
  expect_sizes(files, 4800, 3200);
  for (const auto& f : files) {
    SCOPED_TRACE(f.path.string());
    const photo_testing::Pixels pixels(f.path);
    const int left = f.width / 20;
    const int right = f.width - 1 - f.width / 20;
    const int top = f.height / 20;
    const int bottom = f.height - 1 - f.height / 20;
    EXPECT_TRUE(near(pixels.at(left, top), {255, 0, 0}, 12));
    EXPECT_TRUE(near(pixels.at(right, top), {0, 255, 0}, 12));
    EXPECT_TRUE(near(pixels.at(left, bottom), {0, 0, 255}, 12));
    EXPECT_TRUE(near(pixels.at(right, bottom), {0, 0, 255}, 12));
  }
}

// A shrink of 8 to 1920: libvips decodes it at 1/4 (DCT scaling) and resizes the rest.
TEST(PhotoRenditions, AHugeJpegDecodedWithDctScalingKeepsItsSizes) {
  const auto files = renditions("huge.jpg", "huge");
  expect_sizes(files, 15360, 4000);
  EXPECT_EQ(files[0].width, 1920);
  EXPECT_EQ(files[0].height, 500);
  EXPECT_TRUE(near(pixel_at(files[0].path, 960, 250), {255, 0, 0}, 12));
}

TEST(PhotoRenditions, RunningTwiceGivesTheSameFilesAndNoLeftovers) {
  const auto out = Inputs::get().out_dir("twice");
  const auto input = Inputs::get()["tiny.jpg"];
  const auto first = must(make_photo_renditions(input, out, PhotoLimits{}));
  const auto second = must(make_photo_renditions(input, out, PhotoLimits{}));
  EXPECT_EQ(first, second);
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    EXPECT_EQ(entry.path().string().find(".partial"), std::string::npos) << entry.path();
    ++entries;
  }
  EXPECT_EQ(entries, 8);
}

}  // namespace
}  // namespace toq::media
