// The store step on the real embedded store: every output under its key, with its SHA-256 and
// content type, and no MD5 pass over the outputs (nothing reads their ETags as MD5s: renditions
// are recorded with their SHA-256, and S3's ETag of a multipart or SSE-KMS object is no MD5
// either), so the local store's ETag of an output is the first 128 bits of its SHA-256.

#include "adapter/media/pipeline/steps/store_outputs.hpp"

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/model/object_keys.hpp"

#include "adapter/media/pipeline/file_digest.hpp"
#include "media/pipeline/pipeline_support.hpp"
#include "support/base64.hpp"
#include "support/crypto/digest.hpp"
#include "support/hex.hpp"
#include "support/http_syntax.hpp"
#include "support/temp_dir.hpp"

namespace toq::media {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(StoreOutputs, EveryOutputIsStoredWithItsSha256AndNoMd5Etag) {
  testing::TempDir dir;
  core::SystemClock clock;
  auto store = testing::open_test_store(dir / "store", clock);
  const PipelineContext context{.store = store.get(), .work_root = dir / "work", .limits = {}};
  const AssetTask task{
      .listing = core::ListingId{3},
      .batch = core::BatchId{5},
      .job = core::JobId{8},
      .asset = core::AssetId{13},
      .declared = {},
      .raw_key = core::raw_key(core::ListingId{3}, core::BatchId{5}, core::AssetId{13})};
  AssetRun run{task};
  // Given large first: the step records them small to large, JPEG before WebP.
  struct Made {
    std::string name, format, extension, body;
  };
  const std::vector<Made> made = {{"large", "webp", "webp", std::string(300'000, 'w')},
                                  {"large", "jpeg", "jpg", std::string(400'000, 'j')},
                                  {"thumbnail", "jpeg", "jpg", "a small thumbnail"}};
  for (const auto& m : made) {
    const fs::path path = dir / (m.name + "." + m.extension);
    std::ofstream{path, std::ios::binary} << m.body;
    run.outputs.push_back(OutputFile{.name = m.name,
                                     .format = m.format,
                                     .extension = m.extension,
                                     .path = path,
                                     .width = 10,
                                     .height = 20,
                                     .bytes = static_cast<std::int64_t>(m.body.size())});
  }

  const auto result = store_outputs(context, run);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  ASSERT_FALSE(result->has_value()) << (*result)->message;
  ASSERT_EQ(run.renditions.size(), 3U);
  EXPECT_EQ(run.renditions[0].name, "thumbnail");
  EXPECT_EQ(run.renditions[1].format, "jpeg");
  EXPECT_EQ(run.renditions[2].format, "webp");
  for (const auto& r : run.renditions) {
    SCOPED_TRACE(r.key);
    EXPECT_EQ(r.key, core::output_key(task.listing, task.batch, task.job, task.asset, r.name,
                                      r.format == "webp" ? "webp" : "jpg"));
    const auto body = read_all(dir / (r.name + (r.format == "webp" ? ".webp" : ".jpg")));
    const auto sha256 = support::sha256(body);
    const auto md5 = support::md5(body);
    ASSERT_TRUE(sha256.has_value() && md5.has_value());
    EXPECT_EQ(r.sha256_hex, support::hex_lower(*sha256));
    const auto head = store->head(r.key);
    ASSERT_TRUE(head.has_value() && head->has_value());
    const auto& info = **head;
    EXPECT_EQ(info.size, static_cast<std::int64_t>(body.size()));
    EXPECT_EQ(info.content_type, r.format == "webp" ? "image/webp" : "image/jpeg");
    EXPECT_EQ(info.checksum_sha256, support::base64_encode(*sha256));
    // No MD5 asked for: the store's ETag is then made from the SHA-256 it computes anyway.
    EXPECT_NE(info.etag, support::quote_etag(support::hex_lower(*md5)));
    EXPECT_EQ(info.etag, support::quote_etag(r.sha256_hex.substr(0, 32)));
    const fs::path back = dir / "back" / r.key;
    ASSERT_TRUE(testing::fetch_object(*store, r.key, back));
    EXPECT_EQ(read_all(back), body);
  }
}

}  // namespace
}  // namespace toq::media
