// probe_photo reads the header facts the pipeline records, without decoding pixels.

#include "adapter/media/photo/photo_probe.hpp"

#include <gtest/gtest.h>

#include "photo_inputs.hpp"
#include "support/result_matchers.hpp"

namespace toq::media {
namespace {

using photo_testing::Inputs;
using testing::must;

PhotoProbe probe(const std::string& input) {
  return must(probe_photo(Inputs::get()[input], PhotoLimits{}), input.c_str());
}

TEST(PhotoProbe, Jpeg) {
  const auto p = probe("landscape.jpg");
  EXPECT_EQ(p.loader, "jpegload");
  EXPECT_EQ(p.width, 3000);
  EXPECT_EQ(p.height, 2000);
  EXPECT_EQ(p.orientation, 1);
  EXPECT_EQ(p.interpretation, "srgb");
  EXPECT_EQ(p.bands, 3);
  EXPECT_FALSE(p.has_alpha);
  EXPECT_EQ(p.pages, 1);
  EXPECT_EQ(p.pixels, 6'000'000);
}

TEST(PhotoProbe, CmykSixteenBitAlphaHeicAndGif) {
  EXPECT_EQ(probe("cmyk.jpg").interpretation, "cmyk");
  EXPECT_EQ(probe("cmyk.jpg").bands, 4);
  EXPECT_EQ(probe("rgb16.png").interpretation, "rgb16");
  EXPECT_TRUE(probe("alpha.png").has_alpha);
  EXPECT_EQ(probe("photo.heic").loader, "heifload");
  EXPECT_EQ(probe("photo.heic").width, 300);
  const auto gif = probe("animated.gif");
  EXPECT_EQ(gif.loader, "gifload");
  EXPECT_EQ(gif.pages, 2);
  EXPECT_EQ(gif.width, 500);
  EXPECT_EQ(gif.height, 400);  // one frame, not the strip of frames
}

TEST(PhotoProbe, RotatedOrientationSwapsTheDisplayedSize) {
  const auto p = probe("orientation-6.jpg");
  EXPECT_EQ(p.orientation, 6);
  EXPECT_EQ(p.width, 300);
  EXPECT_EQ(p.height, 200);
  EXPECT_EQ(p.pixels, 60'000);
}

}  // namespace
}  // namespace toq::media
