// The batch ZIP meeting a full disk, for real: the embedded store on a small tmpfs
// (support/small_disk.hpp) fills while write_zip streams the archive into it, multipart and
// single put. The writer returns INSUFFICIENT_STORAGE (a job releases on it and is retried), no
// partial archive is visible, no upload is left open and nothing stays in .tmp; once space is
// back the same call writes the archive.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapter/media/zip/zip_writer.hpp"
#include "media/zip/zip_test_support.hpp"
#include "storage/storage_test_support.hpp"
#include "support/io/byte_sources.hpp"
#include "support/result_matchers.hpp"
#include "support/small_disk.hpp"

namespace toq::testing {
namespace {

constexpr std::int64_t kMiB = 1024 * 1024;
constexpr std::int64_t kPart = 256 * 1024;
const std::string kZipKey = "listings/1/batches/1/out/1/archive.zip";

class DiskFullZip : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    TOQ_REQUIRE_SMALL_DISK(disk_);
    store_ = open_local_store(disk_ / "store", "http://127.0.0.1:9", clock_, kPart);
    recording_.emplace(*store_);
    for (int i = 1; i <= 3; ++i) {
      const std::string key = "listings/1/batches/1/raw/" + std::to_string(i);
      support::MemorySource source{noise_bytes(1 * kMiB, static_cast<unsigned>(i))};
      must(store_->put(key, source, {"image/jpeg", std::nullopt, std::nullopt}));
      inputs_.push_back({key, "fotos/0" + std::to_string(i) + "-sala.jpg"});
    }
  }

  std::vector<media::ZipInput> inputs() {
    std::vector<media::ZipInput> out;
    for (const auto& [key, name] : inputs_)
      out.push_back(media::store_input(*store_, key, name, kMiB));
    return out;
  }
  core::MultipartStore* multipart() { return GetParam() ? &*recording_ : nullptr; }
  media::ZipOptions options() const {
    media::ZipOptions o;
    o.part_size = kPart;
    return o;
  }

  SmallDisk disk_{12 * kMiB};  // raw 3 + parts 3 + archive 3 MiB fit once freed
  ManualClock clock_{pinned_now()};
  std::unique_ptr<storage::LocalObjectStore> store_;
  std::optional<RecordingMultipart> recording_;
  std::vector<std::pair<std::string, std::string>> inputs_;
};

TEST_P(DiskFullZip, ArchiveOnAFullDiskFailsCleanlyAndSucceedsOnceSpaceIsBack) {
  // 3 MiB of raw photos stored; 1.5 MiB left: the 3 MiB archive cannot fit.
  disk_.fill_leaving(static_cast<std::int64_t>(1.5 * kMiB));
  auto r = media::write_zip(*store_, multipart(), kZipKey, inputs(), options());
  ASSERT_TRUE(fails_with(r, core::ErrorCode::kInsufficientStorage));
  EXPECT_FALSE(r.error().hint.empty());
  EXPECT_FALSE(must(store_->head(kZipKey)).has_value()) << "a partial archive is visible";
  if (GetParam()) {
    ASSERT_EQ(recording_->created.size(), 1U);
    EXPECT_TRUE(fails_with(store_->list_parts(kZipKey, recording_->created.front()),
                           core::ErrorCode::kUploadNotFound))
        << "the upload was left open";
  }
  EXPECT_TRUE(files_under(store_->temp_dir()).empty());
  // The raw uploads are untouched.
  for (const auto& [key, name] : inputs_) EXPECT_TRUE(must(store_->head(key)).has_value());

  disk_.free_filler();
  auto ok = must(media::write_zip(*store_, multipart(), kZipKey, inputs(), options()),
                 "zip once space is back");
  EXPECT_EQ(ok.entries, 3);
  EXPECT_GT(ok.bytes, 3 * kMiB);
}

INSTANTIATE_TEST_SUITE_P(BothWays, DiskFullZip, ::testing::Bool(),
                         [](const auto& way) { return way.param ? "Multipart" : "SinglePut"; });

}  // namespace
}  // namespace toq::testing
