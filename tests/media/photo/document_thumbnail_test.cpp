// make_document_thumbnail: page 1 of a real (hand-written) PDF, 320 px on the long edge, and the
// PDF loader is blocked again for the photo path afterwards.

#include "adapter/media/photo/document_thumbnail.hpp"

#include <gtest/gtest.h>

#include "adapter/media/photo/photo_renditions.hpp"
#include "photo_inputs.hpp"
#include "support/result_matchers.hpp"

namespace toq::media {
namespace {

using core::ErrorCode;
using photo_testing::exif_groups;
using photo_testing::header_of;
using photo_testing::Inputs;
using photo_testing::near;
using photo_testing::pixel_at;
using testing::fails_with;
using testing::must;

TEST(DocumentThumbnail, RendersPageOneAt320Pixels) {
  const auto out = Inputs::get().out_dir("pdf");
  const auto files = must(make_document_thumbnail(Inputs::get()["document.pdf"], out));
  ASSERT_EQ(files.size(), 2U);
  EXPECT_EQ(files[0].name, "thumbnail");
  EXPECT_EQ(files[0].format, "jpeg");
  EXPECT_EQ(files[0].path, out / "thumbnail.jpg");
  EXPECT_EQ(files[1].name, "thumbnail");
  EXPECT_EQ(files[1].format, "webp");
  EXPECT_EQ(files[1].path, out / "thumbnail.webp");
  for (const auto& f : files) {
    SCOPED_TRACE(f.path.string());
    const auto h = header_of(f.path);
    // Page 1 is 400x200 pt landscape and red; page 2 (portrait, blue) must not show up.
    EXPECT_EQ(h.width, 320);
    EXPECT_EQ(h.height, 160);
    EXPECT_EQ(f.width, 320);
    EXPECT_EQ(f.height, 160);
    EXPECT_EQ(h.interpretation, "srgb");
    EXPECT_TRUE(near(pixel_at(f.path, 160, 80), {255, 0, 0}));
    EXPECT_TRUE(near(pixel_at(f.path, 5, 5), {255, 0, 0}));
    EXPECT_FALSE(exif_groups(f.path).contains("XMP"));
  }
}

TEST(DocumentThumbnail, TheUnblockEndsWithTheCall) {
  const auto out = Inputs::get().out_dir("pdf-then-photo");
  must(make_document_thumbnail(Inputs::get()["document.pdf"], out));
  // The photo path still refuses a PDF afterwards.
  EXPECT_TRUE(fails_with(make_photo_renditions(Inputs::get()["pdf-named.jpg"],
                                               Inputs::get().out_dir("photo"), PhotoLimits{}),
                         ErrorCode::kUnsupportedFormat));
}

TEST(DocumentThumbnail, ANonPdfIsUnsupported) {
  for (const char* input : {"tiny.jpg", "drawing.svg", "empty.jpg"}) {
    EXPECT_TRUE(
        fails_with(make_document_thumbnail(Inputs::get()[input], Inputs::get().out_dir("x")),
                   ErrorCode::kUnsupportedFormat))
        << input;
  }
}

}  // namespace
}  // namespace toq::media
