// EXIF orientations 1..8: the renditions have the displayed dimensions and the displayed pixels
// (the red block top-left, the green block top-right), and no orientation tag is left to apply
// twice.

#include <string>

#include <gtest/gtest.h>

#include "adapter/media/photo/photo_probe.hpp"
#include "adapter/media/photo/photo_renditions.hpp"
#include "photo_inputs.hpp"
#include "support/result_matchers.hpp"

namespace toq::media {
namespace {

using photo_testing::exif_groups;
using photo_testing::header_of;
using photo_testing::Inputs;
using photo_testing::kMarkedHeight;
using photo_testing::kMarkedWidth;
using photo_testing::near;
using testing::must;

class Orientation : public ::testing::TestWithParam<int> {};

TEST_P(Orientation, RenditionsAreUprightWithTheMarkersInTheirCorners) {
  const int o = GetParam();
  const auto input = Inputs::get()["orientation-" + std::to_string(o) + ".jpg"];
  // The stored pixels really are turned for 5..8 (the test input is what a camera writes).
  const auto stored = header_of(input);
  EXPECT_EQ(stored.width, o >= 5 ? kMarkedHeight : kMarkedWidth);

  const auto probe = must(probe_photo(input, PhotoLimits{}));
  EXPECT_EQ(probe.orientation, o);
  EXPECT_EQ(probe.width, kMarkedWidth);
  EXPECT_EQ(probe.height, kMarkedHeight);

  const auto files = must(
      make_photo_renditions(input, Inputs::get().out_dir("o" + std::to_string(o)), PhotoLimits{}));
  ASSERT_EQ(files.size(), 8U);
  for (const auto& f : files) {
    SCOPED_TRACE(f.path.string());
    const auto h = header_of(f.path);
    EXPECT_EQ(h.width, kMarkedWidth);
    EXPECT_EQ(h.height, kMarkedHeight);
    const photo_testing::Pixels pixels(f.path);
    EXPECT_TRUE(near(pixels.at(15, 10), {255, 0, 0}));    // top-left: red
    EXPECT_TRUE(near(pixels.at(285, 10), {0, 255, 0}));   // top-right: green
    EXPECT_TRUE(near(pixels.at(15, 190), {0, 0, 255}));   // bottom-left: blue
    EXPECT_TRUE(near(pixels.at(285, 190), {0, 0, 255}));  // bottom-right: blue
    EXPECT_FALSE(exif_groups(f.path).contains("EXIF"));   // no orientation tag to apply again
  }
}

INSTANTIATE_TEST_SUITE_P(Exif, Orientation, ::testing::Range(1, 9));

}  // namespace
}  // namespace toq::media
