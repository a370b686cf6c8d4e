// The photo cascade (make_photo_renditions: decode once with shrink-on-load, each size from the
// next larger one, JPEG + WebP) against the reference a careful engineer would write without the
// cascade: libvips' own vips_thumbnail from the source file once per size, saved the same way.
// Both run in the same process on the same real photograph; compare the two times (a ratio), not
// the absolute numbers, which depend on the machine.
//
//   build/release/bench/toq_photo_renditions_bench [PHOTO] (default: the corpus' Kleiber photo)

#include <array>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <benchmark/benchmark.h>
#include <vips/vips.h>

#include "adapter/media/photo/photo.hpp"
#include "adapter/media/photo/vips_session.hpp"

namespace {

namespace fs = std::filesystem;

fs::path g_photo;
fs::path g_out;

void BM_CascadeMakePhotoRenditions(benchmark::State& state) {
  for (auto _ : state) {
    auto files = toq::media::make_photo_renditions(g_photo, g_out / "cascade", {});
    if (!files) {
      state.SkipWithError(files.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(files->size());
  }
}

// Reference: four independent thumbnails from the file (shrink-on-load each time), each saved as
// JPEG and WebP with metadata stripped.
void BM_ReferenceThumbnailPerSize(benchmark::State& state) {
  constexpr std::array<int, 4> kSizes = {320, 640, 1280, 1920};
  for (auto _ : state) {
    for (const int size : kSizes) {
      VipsImage* image = nullptr;
      if (vips_thumbnail(g_photo.c_str(), &image, size, "height", size, "size", VIPS_SIZE_DOWN,
                         nullptr) != 0) {
        state.SkipWithError(vips_error_buffer());
        return;
      }
      VipsImage* memory = vips_image_copy_memory(image);
      g_object_unref(image);
      const auto base = (g_out / "reference" / std::to_string(size)).string();
      const bool ok =
          vips_jpegsave(memory, (base + ".jpg").c_str(), "Q", 82, "strip", TRUE, nullptr) == 0 &&
          vips_webpsave(memory, (base + ".webp").c_str(), "Q", 80, "strip", TRUE, nullptr) == 0;
      g_object_unref(memory);
      if (!ok) {
        state.SkipWithError(vips_error_buffer());
        return;
      }
    }
  }
}

BENCHMARK(BM_CascadeMakePhotoRenditions)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0)
    ->UseRealTime();
BENCHMARK(BM_ReferenceThumbnailPerSize)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  g_photo = argc > 1 ? fs::path(argv[1]) : fs::path(TOQ_DEFAULT_PHOTO);
  if (!fs::exists(g_photo)) {
    std::fprintf(stderr, "no photo at %s (run scripts/make-corpus.sh or pass one)\n",
                 g_photo.c_str());
    return 2;
  }
  if (auto started = toq::media::vips::ensure_started(); !started) {
    std::fprintf(stderr, "libvips: %s\n", started.error().message.c_str());
    return 2;
  }
  g_out = fs::temp_directory_path() / "toq-photo-bench";
  fs::create_directories(g_out / "cascade");
  fs::create_directories(g_out / "reference");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  fs::remove_all(g_out);
  return 0;
}
