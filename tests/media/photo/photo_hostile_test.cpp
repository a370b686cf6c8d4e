// Inputs that must not become renditions, each with its exact code, and nothing left behind.

#include <filesystem>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "adapter/media/photo/photo_probe.hpp"
#include "adapter/media/photo/photo_renditions.hpp"
#include "photo_inputs.hpp"
#include "support/result_matchers.hpp"

namespace toq::media {
namespace {

using core::ErrorCode;
using photo_testing::Inputs;
using testing::fails_with;

bool is_empty_dir(const std::filesystem::path& dir) {
  return std::filesystem::directory_iterator(dir) == std::filesystem::directory_iterator();
}

// Both the probe and the renditions refuse the input with `code`; no file is written.
void expect_refused(const std::string& input, ErrorCode code) {
  SCOPED_TRACE(input);
  const auto path = Inputs::get()[input];
  const auto probe = probe_photo(path, PhotoLimits{});
  EXPECT_TRUE(fails_with(probe, code));
  const auto out = Inputs::get().out_dir("hostile");
  const auto made = make_photo_renditions(path, out, PhotoLimits{});
  ASSERT_TRUE(fails_with(made, code));
  EXPECT_FALSE(made.error().message.empty());
  EXPECT_FALSE(made.error().public_message.empty());
  EXPECT_FALSE(made.error().hint.empty());
  EXPECT_TRUE(is_empty_dir(out));
}

TEST(PhotoHostile, ZeroBytesIsUnsupported) {
  expect_refused("empty.jpg", ErrorCode::kUnsupportedFormat);
}

TEST(PhotoHostile, TextNamedJpgIsUnsupported) {
  expect_refused("text.jpg", ErrorCode::kUnsupportedFormat);
}

TEST(PhotoHostile, AVideoNamedJpgIsUnsupported) {
  expect_refused("video-named.jpg", ErrorCode::kUnsupportedFormat);
}

TEST(PhotoHostile, SvgIsUnsupportedEvenNamedJpg) {
  expect_refused("drawing.svg", ErrorCode::kUnsupportedFormat);
  expect_refused("svg-named.jpg", ErrorCode::kUnsupportedFormat);
}

TEST(PhotoHostile, PdfIsUnsupportedOnThePhotoPath) {
  expect_refused("pdf-named.jpg", ErrorCode::kUnsupportedFormat);
}

TEST(PhotoHostile, UntrustedAndOddLoadersAreRefused) {
  expect_refused("matrix.mat", ErrorCode::kUnsupportedFormat);  // matrixload is not untrusted
  expect_refused("image.ppm", ErrorCode::kUnsupportedFormat);
}

TEST(PhotoHostile, GarbageBehindAJpegMarkerIsCorrupt) {
  const auto out = Inputs::get().out_dir("garbage");
  EXPECT_TRUE(fails_with(make_photo_renditions(Inputs::get()["garbage.jpg"], out, PhotoLimits{}),
                         ErrorCode::kCorruptMedia));
  EXPECT_TRUE(is_empty_dir(out));
}

TEST(PhotoHostile, TruncatedJpegIsCorruptNotGreyPixels) {
  for (const char* input : {"truncated.jpg", "truncated-baseline.jpg", "truncated-large.jpg"}) {
    SCOPED_TRACE(input);
    const auto out = Inputs::get().out_dir("truncated");
    const auto made = make_photo_renditions(Inputs::get()[input], out, PhotoLimits{});
    ASSERT_TRUE(fails_with(made, ErrorCode::kCorruptMedia));
    EXPECT_FALSE(made.error().hint.empty());
    EXPECT_TRUE(is_empty_dir(out));
  }
}

TEST(PhotoHostile, AHundredThousandSquaredPngHeaderIsTooLargeBeforeDecoding) {
  expect_refused("huge-header.png", ErrorCode::kImageTooLarge);
  const auto r = probe_photo(Inputs::get()["huge-header.png"], PhotoLimits{});
  EXPECT_NE(r.error().message.find("100000x100000"), std::string::npos) << r.error().message;
}

TEST(PhotoHostile, ASizeTheDecoderRefusesIsTooLargeNotDamaged) {
  // Each decoder has a bound of its own, met before our pixel limit can be read from the header.
  // Told "damaged, export again", the photographer of a huge panorama would try the same again.
  const std::pair<const char*, const char*> inputs[] = {
      {"tall.png", "1x20000000"},            // libpng, given libvips' 10,000,000 rows at most
      {"huge-extents.heic", "20000x20000"},  // libheif: at most 16384 x 16384
      {"tall.tif", ""},                      // libvips: at most 10,000,000 on an edge
  };
  for (const auto& [input, size] : inputs) {
    expect_refused(input, ErrorCode::kImageTooLarge);
    const auto r = probe_photo(Inputs::get()[input], PhotoLimits{});
    ASSERT_FALSE(r.has_value()) << input;
    EXPECT_NE(r.error().message.find(size), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().hint.find("megapixels and 65535 pixels"), std::string::npos)
        << r.error().hint;
  }
}

TEST(PhotoHostile, ABrokenSmallHeaderIsStillCorrupt) {
  expect_refused("bad-depth.png", ErrorCode::kCorruptMedia);
}

TEST(PhotoHostile, ThePixelLimitIsTheCallersLimit) {
  const auto path = Inputs::get()["landscape.jpg"];  // 3000 x 2000 = 6 MP
  EXPECT_TRUE(fails_with(probe_photo(path, PhotoLimits{.max_pixels = 5'999'999}),
                         ErrorCode::kImageTooLarge));
  EXPECT_TRUE(probe_photo(path, PhotoLimits{.max_pixels = 6'000'000}).has_value());
}

TEST(PhotoHostile, AMissingFileIsAStorageError) {
  EXPECT_TRUE(fails_with(probe_photo(Inputs::get().dir() / "absent.jpg", PhotoLimits{}),
                         ErrorCode::kStorageError));
}

}  // namespace
}  // namespace toq::media
