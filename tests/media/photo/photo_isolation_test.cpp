// The photo step under run_isolated with a real decoder: libvips in a child that runs out of its
// address-space limit fails with a typed error (cleanly or by crashing), the caller survives, and
// the same call with room to work succeeds. This binary never starts libvips in its own process:
// libvips' threads do not survive fork (isolated.hpp).

#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "adapter/media/common/isolated.hpp"
#include "adapter/media/photo/photo_probe.hpp"
#include "adapter/media/photo/photo_renditions.hpp"
#include "photo_inputs.hpp"
#include "support/sanitizer.hpp"

namespace toq::media {
namespace {

using core::ErrorCode;
using photo_testing::header_of;
using photo_testing::Inputs;
using photo_testing::q;
using photo_testing::sh;
using namespace std::chrono_literals;

using support::kAddressSanitizer;

// Renditions in a child; the result travels back as the number of files written.
core::Result<std::string> renditions_isolated(const std::filesystem::path& input,
                                              const std::filesystem::path& out,
                                              const PhotoLimits& photo, IsolationLimits limits) {
  return run_isolated(
      [&]() -> core::Result<std::string> {
        auto files = make_photo_renditions(input, out, photo);
        if (!files) return std::unexpected(files.error());
        return std::to_string(files->size());
      },
      limits);
}

class PhotoIsolation : public ::testing::Test {
 protected:
  static std::filesystem::path big_jpeg() {
    const auto path = Inputs::get().dir() / "big-12000.jpg";
    if (!std::filesystem::exists(path)) {
      sh("vips black " + q(path) + " 12000 12000 --bands 3");
    }
    return path;
  }
};

TEST_F(PhotoIsolation, ALargeImageUnderASmallMemoryLimitIsATypedErrorAndTheCallerSurvives) {
  if (kAddressSanitizer) GTEST_SKIP() << "ASan reserves terabytes of address space: no RLIMIT_AS";
  const auto input = big_jpeg();
  const PhotoLimits room{.max_pixels = 200'000'000};  // 144 MP: the pixel limit is not the point
  const auto out = Inputs::get().out_dir("big-small-limit");
  const auto r = renditions_isolated(
      input, out, room,
      IsolationLimits{
          .step = "making the photo's sizes", .timeout = 120s, .max_memory_bytes = 64ULL << 20});
  ASSERT_FALSE(r.has_value()) << "decoded 144 MP within 64 MiB of address space?";
  // Either libvips failed cleanly (CORRUPT_MEDIA from the photo step) or the child crashed
  // (CORRUPT_MEDIA naming the signal); never a hang, never the caller's death.
  EXPECT_EQ(r.error().code, ErrorCode::kCorruptMedia)
      << core::to_string(r.error().code) << ": " << r.error().message;
  EXPECT_FALSE(r.error().hint.empty());

  // The caller is fine, and the same input decodes when the child has room.
  const auto ok_out = Inputs::get().out_dir("big-room");
  const auto ok = renditions_isolated(
      input, ok_out, room,
      IsolationLimits{
          .step = "making the photo's sizes", .timeout = 300s, .max_memory_bytes = 3ULL << 30});
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(*ok, "8");
  EXPECT_EQ(header_of(ok_out / "large.jpg").width, 1920);
}

TEST_F(PhotoIsolation, TheHugePngHeaderIsRefusedWithinALowMemoryLimit) {
  if (kAddressSanitizer) GTEST_SKIP() << "ASan reserves terabytes of address space: no RLIMIT_AS";
  const auto input = Inputs::get()["huge-header.png"];
  // 100000 x 100000 x 3 bytes would be 30 GB: refused from the header, in a child allowed 512 MiB
  // and 30 seconds (a decode would be killed or fail with another code).
  const auto r = run_isolated(
      [&]() -> core::Result<std::string> {
        auto p = probe_photo(input, PhotoLimits{});
        if (!p) return std::unexpected(p.error());
        return std::string("probed");
      },
      IsolationLimits{
          .step = "reading the photo's header", .timeout = 30s, .max_memory_bytes = 512ULL << 20});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kImageTooLarge) << r.error().message;
  const auto made = renditions_isolated(
      input, Inputs::get().out_dir("huge"), PhotoLimits{},
      IsolationLimits{
          .step = "making the photo's sizes", .timeout = 30s, .max_memory_bytes = 512ULL << 20});
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.error().code, ErrorCode::kImageTooLarge) << made.error().message;
}

TEST_F(PhotoIsolation, ErrorsFromTheChildKeepTheirCodeAndHint) {
  const auto r =
      renditions_isolated(Inputs::get()["truncated.jpg"], Inputs::get().out_dir("t"), PhotoLimits{},
                          IsolationLimits{.step = "making the photo's sizes"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kCorruptMedia);
  EXPECT_FALSE(r.error().hint.empty());
  EXPECT_FALSE(r.error().public_message.empty());
}

// libvips' dynamic modules mapped into the child after it probed `input`, by file name, sorted.
std::string modules_after_probe(const std::filesystem::path& input) {
  const auto r = run_isolated(
      [&]() -> core::Result<std::string> {
        auto p = probe_photo(input, PhotoLimits{});
        if (!p) return std::unexpected(p.error());
        std::ifstream maps("/proc/self/maps");
        std::set<std::string> modules;
        for (std::string line; std::getline(maps, line);) {
          if (line.find("/vips-modules-") == std::string::npos) continue;
          modules.insert(std::filesystem::path(line.substr(line.rfind(' ') + 1)).filename());
        }
        std::string names;
        for (const auto& m : modules) names += (names.empty() ? "" : " ") + m;
        return names;
      },
      IsolationLimits{.step = "reading the photo's header"});
  EXPECT_TRUE(r.has_value()) << r.error().message;
  return r.value_or("(failed)");
}

// vips_init would open all five modules (heif, jxl, magick, openslide, poppler) in every child;
// a JPEG needs none, a HEIC only libvips' heif module.
TEST_F(PhotoIsolation, TheChildLoadsOnlyTheLibvipsModuleItsFormatNeeds) {
  EXPECT_EQ(modules_after_probe(Inputs::get()["landscape.jpg"]), "");
  EXPECT_EQ(modules_after_probe(Inputs::get()["photo.heic"]), "vips-heif.so");
}

}  // namespace
}  // namespace toq::media
