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

// A PDF that does not open is CORRUPT_MEDIA told in a document's words, not a photo's; nothing is
// written.
void expect_damaged_document(const core::Error& e) {
  EXPECT_EQ(e.code, ErrorCode::kCorruptMedia) << e.message;
  EXPECT_NE(e.public_message.find("PDF"), std::string::npos) << e.public_message;
  EXPECT_NE(e.hint.find("PDF"), std::string::npos) << e.hint;
  EXPECT_EQ(e.hint.find("photo"), std::string::npos) << e.hint;
  EXPECT_EQ(e.public_message.find("image"), std::string::npos) << e.public_message;
}

TEST(DocumentThumbnail, ABrokenPdfIsADamagedDocument) {
  const auto out = Inputs::get().out_dir("broken-pdf");
  const auto probe = probe_document(Inputs::get()["broken.pdf"]);
  ASSERT_FALSE(probe.has_value());
  expect_damaged_document(probe.error());
  const auto made = make_document_thumbnail(Inputs::get()["broken.pdf"], out);
  ASSERT_FALSE(made.has_value());
  expect_damaged_document(made.error());
  EXPECT_TRUE(std::filesystem::is_empty(out));
}

TEST(DocumentThumbnail, APageBeyondLibvipsSizesIsDamagedNotOnePixel) {
  // libvips cannot hold 14,400,000 pt in an int-sized image and leaves it 1x1 with a warning.
  const auto probe = probe_document(Inputs::get()["huge-page.pdf"]);
  ASSERT_FALSE(probe.has_value()) << probe->width << "x" << probe->height;
  expect_damaged_document(probe.error());
  EXPECT_NE(probe.error().message.find("MediaBox"), std::string::npos) << probe.error().message;
  // The ordinary document still probes at its size in points.
  const auto good = must(probe_document(Inputs::get()["document.pdf"]));
  EXPECT_EQ(good.width, 400);
  EXPECT_EQ(good.height, 200);
  EXPECT_EQ(good.pages, 2);
}

}  // namespace
}  // namespace toq::media
