// Helper process of zip_memory_test.cpp: writes a ZIP of generated entries into the embedded
// store and reports its own peak RSS, so the number covers exactly the writer and the store.
//
//   toq_zip_memory_probe ROOT multipart|put SIZE...
//       one entry "videos/NN-parte.mp4" per SIZE, bytes from GeneratedBytes (hashed as they are
//       fed), written to kKey with parts (or a pipe) of 16 MiB; prints
//       "ok=1 bytes=N sha256=HEX entries=HEX,HEX,... ms=N peak_rss_kib=N" or "ok=0 error=...".

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "adapter/media/zip/zip_writer.hpp"
#include "media/zip/zip_test_support.hpp"
#include "storage/generated_bytes.hpp"
#include "storage/storage_test_support.hpp"

namespace toq::testing {
namespace {

constexpr std::string_view kKey = "listings/9/batches/9/out/9/archive.zip";

int fail(const std::string& what) {
  std::cout << "ok=0 error=" << what << std::endl;
  return 1;
}

int run(const std::string& root, const std::string& mode, const std::vector<std::int64_t>& sizes) {
  core::SystemClock clock;
  auto store = open_local_store(root, "http://127.0.0.1:9", clock);
  std::vector<std::string> hashes(sizes.size());
  std::vector<media::ZipInput> inputs;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    media::ZipInput input;
    input.name = fmt::format("videos/{:02d}-parte.mp4", i + 1);
    input.size = sizes[i];
    input.write_to = [size = sizes[i], &hash = hashes[i]](core::ByteSink& sink) -> core::Status {
      GeneratedBytes bytes{size};
      Sha256 sha;
      std::vector<std::byte> buffer(1U << 20U);
      while (const std::size_t n = bytes.fill(buffer)) {
        const std::span<const std::byte> chunk{buffer.data(), n};
        sha.update(chunk);
        if (auto st = sink.write(chunk); !st) return st;
      }
      hash = sha.hex();
      return {};
    };
    inputs.push_back(std::move(input));
  }
  media::ZipOptions options;  // 16 MiB parts
  const auto start = std::chrono::steady_clock::now();
  auto result =
      media::write_zip(*store, mode == "multipart" ? store.get() : nullptr, kKey, inputs, options);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  if (!result)
    return fail(std::string{core::to_string(result.error().code)} + ":" + result.error().message);
  std::string joined;
  for (const auto& h : hashes) joined += (joined.empty() ? "" : ",") + h;
  std::cout << "ok=1 bytes=" << result->bytes << " sha256=" << result->sha256_hex
            << " entries=" << joined << " ms=" << ms << " peak_rss_kib=" << peak_rss_kib()
            << std::endl;
  return 0;
}

}  // namespace
}  // namespace toq::testing

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: toq_zip_memory_probe ROOT multipart|put SIZE...\n";
    return 2;
  }
  try {
    std::vector<std::int64_t> sizes;
    for (int i = 3; i < argc; ++i) sizes.push_back(std::stoll(argv[i]));
    return toq::testing::run(argv[1], argv[2], sizes);
  } catch (const std::exception& e) {
    return toq::testing::fail(e.what());
  }
}
