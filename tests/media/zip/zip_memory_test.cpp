// More than 4 GiB of entries through write_zip into the real embedded store, in flat memory:
// - a valid ZIP64: one entry above 4 GiB (ZIP64 sizes), entries that start past 4 GiB (ZIP64
//   offsets) and the ZIP64 end records, read by Python's zipfile (every byte hashed, every CRC
//   checked while streaming) and tested by `unzip -t`;
// - the writer's peak RSS below 64 MiB, measured in a helper process (toq_zip_memory_probe) so
//   the number is the writer's and the store's alone; both ways (multipart and one streamed put).
// Real bytes go to disk (no sparse files). Time and RSS are printed, not asserted on time.
// TOQ_ZIP_MEMORY_TEST_SIZES="a,b,c" overrides the entry sizes (e.g. for a quick local run).

#include <chrono>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "media/zip/zip_test_support.hpp"
#include "storage/generated_bytes.hpp"
#include "storage/storage_test_support.hpp"
#include "support/result_matchers.hpp"
#include "support/sanitizer.hpp"
#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

constexpr long kLimitKib = 64 * 1024;
constexpr std::int64_t kGiB = 1024LL * 1024 * 1024;
constexpr std::int64_t k4GiB = 4 * kGiB;
const std::string kKey = "listings/9/batches/9/out/9/archive.zip";

// ASan's shadow memory and quarantine say nothing here.
constexpr bool kMeasuresRss = !support::kAddressSanitizer;

std::vector<std::int64_t> entry_sizes() {
  if (const char* v = std::getenv("TOQ_ZIP_MEMORY_TEST_SIZES"); v != nullptr && *v != '\0') {
    std::vector<std::int64_t> out;
    std::stringstream in{v};
    for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoll(item));
    return out;
  }
  if (!kMeasuresRss) return {64LL << 20, 16LL << 20, 4096};
  // 4 GiB + 1 MiB (ZIP64 sizes), then two entries that start past 4 GiB (ZIP64 offsets).
  return {k4GiB + (1LL << 20), 300LL << 20, 4096};
}

std::map<std::string, std::string> fields(const std::string& line) {
  std::map<std::string, std::string> out;
  std::istringstream in{line};
  for (std::string token; in >> token;) {
    const auto eq = token.find('=');
    if (eq != std::string::npos) out[token.substr(0, eq)] = token.substr(eq + 1);
  }
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in{s};
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

long seconds_since(std::chrono::steady_clock::time_point t) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t)
          .count());
}

class ZipMemoryTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ZipMemoryTest, MoreThanFourGibOfEntriesGiveAValidZip64InFlatMemory) {
  TempDir dir;
  const auto sizes = entry_sizes();
  std::int64_t total = 0;
  std::string command = shell_quote(TOQ_ZIP_MEMORY_PROBE) + " " +
                        shell_quote((dir / "store").string()) + " " + GetParam();
  for (const auto s : sizes) {
    total += s;
    command += " " + std::to_string(s);
  }

  auto start = std::chrono::steady_clock::now();
  const auto probe = run_capture(command, Stderr::kCapture);
  const auto written = fields(probe.output);
  ASSERT_EQ(probe.status, 0) << probe.output;
  ASSERT_EQ(written.count("ok"), 1U) << probe.output;
  ASSERT_EQ(written.at("ok"), "1") << probe.output;
  const long peak = std::stol(written.at("peak_rss_kib"));
  const std::int64_t bytes = std::stoll(written.at("bytes"));
  std::cout << GetParam() << ": " << sizes.size() << " entries, " << total << " bytes in, " << bytes
            << " bytes of ZIP in " << written.at("ms") << " ms, writer peak RSS " << peak / 1024
            << " MiB (" << peak << " KiB)\n";
  RecordProperty("peak_rss_kib", std::to_string(peak));
  RecordProperty("write_ms", written.at("ms"));
  EXPECT_GT(peak, 0);
  if (kMeasuresRss) {
    EXPECT_LT(peak, kLimitKib);
  }
  EXPECT_GT(bytes, total);

  // The object the store holds is the archive the writer hashed.
  core::SystemClock clock;
  auto store = open_local_store(dir / "store", "http://127.0.0.1:9", clock);
  const auto zip = dir / "archive.zip";
  start = std::chrono::steady_clock::now();
  const auto exported = export_object(*store, kKey, zip);
  EXPECT_EQ(exported.bytes, bytes);
  EXPECT_EQ(exported.sha256_hex, written.at("sha256"));
  must(store->remove({kKey}));  // halves the disk the checks below need
  std::cout << "read back in " << seconds_since(start) << " s\n";

  // Python: names, sizes, every entry's bytes (SHA-256) and CRC-32, streamed.
  start = std::chrono::steady_clock::now();
  const auto report = python_zip_report(zip, /*testzip=*/false);
  std::cout << "python zipfile read every entry in " << seconds_since(start) << " s\n";
  const auto hashes = split(written.at("entries"));
  const auto& entries = report.at("entries");
  ASSERT_EQ(entries.size(), sizes.size()) << report.dump();
  ASSERT_EQ(hashes.size(), sizes.size());
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const auto& e = entries[i];
    EXPECT_EQ(e.at("name").get<std::string>(), "videos/0" + std::to_string(i + 1) + "-parte.mp4");
    EXPECT_EQ(e.at("size").get<std::int64_t>(), sizes[i]);
    EXPECT_EQ(e.at("compress_size").get<std::int64_t>(), sizes[i]);
    EXPECT_EQ(e.at("compress_type").get<int>(), 0);
    EXPECT_EQ(e.at("sha256").get<std::string>(), hashes[i]) << "entry " << i;
    EXPECT_EQ(e.at("crc").get<std::uint32_t>(), e.at("crc_of_bytes").get<std::uint32_t>());
    const std::int64_t header_offset = e.at("header_offset").get<std::int64_t>();
    EXPECT_GE(header_offset, offset) << "entry " << i;
    offset = header_offset + sizes[i];
    if (sizes[i] >= k4GiB) std::cout << "entry " << i << ": ZIP64 size " << sizes[i] << "\n";
    if (header_offset > 0xFFFFFFFFLL) {
      std::cout << "entry " << i << ": ZIP64 offset " << header_offset << "\n";
    }
  }
  if (total > k4GiB) {
    EXPECT_TRUE(report.at("zip64_end").get<bool>()) << "no ZIP64 end of central directory";
    EXPECT_GT(entries.back().at("header_offset").get<std::int64_t>(), 0xFFFFFFFFLL);
  }

  // Info-ZIP: structure, sizes and CRCs once more, with a reader that shares nothing with Python.
  start = std::chrono::steady_clock::now();
  const auto unzip = unzip_test(zip);
  EXPECT_EQ(unzip.status, 0) << unzip.output;
  std::cout << "unzip -t in " << seconds_since(start) << " s\n";
}

INSTANTIATE_TEST_SUITE_P(BothWays, ZipMemoryTest, ::testing::Values("multipart", "put"),
                         [](const auto& param_info) {
                           return param_info.param == "multipart" ? "Multipart" : "SinglePut";
                         });

}  // namespace
}  // namespace toq::testing
