// No metadata survives into any rendition: exiftool finds no EXIF, GPS, XMP, IPTC, ICC or
// Photoshop group in any of the eight files, where the source had all of them.

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "adapter/media/photo/photo_renditions.hpp"
#include "photo_inputs.hpp"
#include "support/result_matchers.hpp"

namespace toq::media {
namespace {

using photo_testing::exif_groups;
using photo_testing::Inputs;
using photo_testing::q;
using testing::must;
using testing::run_capture;

// What exiftool reports for a file with no metadata: its own facts and the file structure.
const std::set<std::string> kStructureOnly = {"ExifTool", "File", "JFIF", "RIFF", "Composite"};

void expect_clean(const std::vector<OutputFile>& files) {
  ASSERT_EQ(files.size(), 8U);
  for (const auto& f : files) {
    SCOPED_TRACE(f.path.string());
    for (const auto& group : exif_groups(f.path)) {
      EXPECT_TRUE(kStructureOnly.contains(group)) << "metadata group left: " << group;
    }
    // Not even a derived GPS tag, in any family-1 group.
    const auto all = run_capture("exiftool -json -G1 -a -u " + q(f.path));
    ASSERT_EQ(all.status, 0);
    EXPECT_EQ(all.output.find("GPS"), std::string::npos) << all.output;
    EXPECT_EQ(all.output.find("Photographer Name"), std::string::npos);
    EXPECT_EQ(all.output.find("Canon"), std::string::npos);
  }
}

TEST(PhotoMetadata, JpegWithGpsExifXmpIptcAndIccGivesCleanRenditions) {
  const auto input = Inputs::get()["all-metadata.jpg"];
  const auto source = exif_groups(input);  // the input really carries all of it
  for (const char* group : {"EXIF", "XMP", "IPTC", "ICC_Profile"}) {
    ASSERT_TRUE(source.contains(group)) << "test input lacks " << group;
  }
  ASSERT_NE(run_capture("exiftool -GPSLatitude " + q(input)).output.find("23"), std::string::npos);
  expect_clean(must(make_photo_renditions(input, Inputs::get().out_dir("meta"), PhotoLimits{})));
}

TEST(PhotoMetadata, PngWithExifAndXmpGivesCleanRenditions) {
  const auto input = Inputs::get()["metadata.png"];
  const auto source = exif_groups(input);
  ASSERT_TRUE(source.contains("EXIF"));
  ASSERT_TRUE(source.contains("XMP"));
  expect_clean(
      must(make_photo_renditions(input, Inputs::get().out_dir("meta-png"), PhotoLimits{})));
}

}  // namespace
}  // namespace toq::media
