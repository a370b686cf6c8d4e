// A batch through the pipeline and into its ZIP, on the real embedded store with corpus media; and
// the media-side incidents of the platform's earlier attempt (DEVELOPERS.md):
// - a "finalization" step fed processed keys back in as raw keys -> no step takes an output key;
// - a phone video failed with nothing but DERIVATIVE_ERRORS_DETECTED -> a failing video names the
//   step, the tool's diagnostics and a hint.

#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/model/object_keys.hpp"

#include "adapter/media/pipeline/file_digest.hpp"
#include "adapter/media/pipeline/pipeline.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "media/pipeline/pipeline_support.hpp"
#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace toq::media {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::run_capture;
using testing::shell_quote;

constexpr core::ListingId kListing{28};
constexpr core::BatchId kBatch{51};
constexpr core::JobId kJob{77};

fs::path corpus(const std::string& name) {
  return fs::path(TOQ_CORPUS_DIR) / name;
}

class PipelineBatch : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::open_test_store(dir_ / "store", clock_);
    fs::create_directories(dir_ / "work");
    context_ = PipelineContext{
        .store = store_.get(), .multipart = store_.get(), .work_root = dir_ / "work", .limits = {}};
  }

  AssetTask upload(const fs::path& file, core::MediaType type, std::string title, int sequence,
                   int asset_id) {
    auto digest = sha256_of_file(file);
    EXPECT_TRUE(digest.has_value());
    const core::AssetId asset{asset_id};
    AssetTask task{.listing = kListing,
                   .batch = kBatch,
                   .job = kJob,
                   .asset = asset,
                   .declared = core::FileDeclaration{.client_id = fmt::format("c-{}", asset_id),
                                                     .media_type = type,
                                                     .filename = file.filename().string(),
                                                     .content_type = "application/octet-stream",
                                                     .bytes = digest->bytes,
                                                     .checksum_sha256 = digest->base64,
                                                     .title = std::move(title),
                                                     .sequence = sequence},
                   .raw_key = core::raw_key(kListing, kBatch, asset)};
    auto source = open_file_source(file);
    EXPECT_TRUE(source.has_value());
    EXPECT_TRUE(store_
                    ->put(task.raw_key, **source,
                          {.content_length = digest->bytes, .checksum_sha256 = std::nullopt})
                    .has_value());
    return task;
  }

  fs::path fetch(const std::string& key, const std::string& name) {
    const auto path = dir_ / name;
    EXPECT_TRUE(testing::fetch_object(*store_, key, path)) << key;
    return path;
  }

  testing::TempDir dir_;
  core::SystemClock clock_;
  std::unique_ptr<storage::LocalObjectStore> store_;
  PipelineContext context_;
};

TEST_F(PipelineBatch, ZipHoldsEveryAssetUnderItsFriendlyNameAndTheManifest) {
  struct Input {
    std::string file;
    core::MediaType type;
    std::string title;
    int sequence;
  };
  const std::vector<Input> inputs = {
      {"jpeg_baseline.jpg", core::MediaType::kPhotoHorizontal, "Sala de estar", 2},
      {"jpeg_progressive.jpg", core::MediaType::kPhotoVertical, "Cozinha / área", 1},
      {"jpeg_exif_gps.jpg", core::MediaType::kPhotoHorizontal, "Sala de estar", 3},
      {"video_rotated_vertical.mp4", core::MediaType::kVideoVertical, "Tour", 1},
      {"pdf_two_pages.pdf", core::MediaType::kProjectDoc, "Planta baixa", 1},
      {"png_alpha.png", core::MediaType::kProjectRender, "", 2},
  };
  ArchiveRequest request{.listing = kListing, .batch = kBatch, .job = kJob, .items = {}};
  int id = 300;
  for (const auto& in : inputs) {
    auto task = upload(corpus(in.file), in.type, in.title, in.sequence, ++id);
    auto outcome = process_asset(context_, task);
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    ASSERT_TRUE(outcome->ready()) << in.file << ": " << outcome->failure->message;
    request.items.push_back(ArchiveItem{.asset = task.asset,
                                        .declared = task.declared,
                                        .raw_key = task.raw_key,
                                        .facts = outcome->facts,
                                        .renditions = outcome->renditions});
  }
  auto archive = build_archive(context_, request);
  ASSERT_TRUE(archive.has_value()) << archive.error().message;
  EXPECT_EQ(archive->key, core::archive_key(kListing, kBatch, kJob));
  constexpr std::size_t kEntries = 7;  // six assets and manifesto.json
  ASSERT_EQ(archive->entries.size(), kEntries);

  const auto zip = fetch(archive->key, "archive.zip");
  EXPECT_EQ(run_capture("unzip -t " + shell_quote(zip.string())).status, 0);
  auto digest = sha256_of_file(zip);
  ASSERT_TRUE(digest.has_value());
  EXPECT_EQ(digest->hex, archive->sha256_hex);
  EXPECT_EQ(digest->bytes, archive->bytes);

  // Python's zipfile: CRCs, names, and each entry's bytes equal the manifest's SHA-256 and size.
  const auto check = run_capture(fmt::format("python3 -c {} {}", shell_quote(R"PY(
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None, "bad CRC"
names = z.namelist()
m = json.loads(z.read("manifesto.json"))
assert [e["path"] for e in m["entries"]] == names[:-1], (names, m)
for e in m["entries"]:
    data = z.read(e["path"])
    assert len(data) == e["bytes"], e
    assert hashlib.sha256(data).hexdigest() == e["sha256"], e
    assert z.getinfo(e["path"]).compress_type == zipfile.ZIP_STORED
print(json.dumps(names, ensure_ascii=False))
)PY"),
                                             shell_quote(zip.string())));
  ASSERT_EQ(check.status, 0) << check.output;
  const auto names = json::parse(check.output);
  std::vector<std::string> got;
  for (const auto& n : names) {
    got.push_back(n.get<std::string>());
  }
  // Photos by sequence, then videos, then project files; a repeated title de-duplicated.
  ASSERT_EQ(got.size(), kEntries);
  EXPECT_TRUE(got[0].starts_with("fotos/01-")) << got[0];
  EXPECT_TRUE(got[1].starts_with("fotos/02-sala-de-estar")) << got[1];
  EXPECT_TRUE(got[2].starts_with("fotos/03-sala-de-estar")) << got[2];
  EXPECT_TRUE(got[3].starts_with("videos/01-") && got[3].ends_with(".mp4")) << got[3];
  EXPECT_TRUE(got[4].starts_with("projeto/01-") && got[4].ends_with(".pdf")) << got[4];
  EXPECT_TRUE(got[5].starts_with("projeto/02-") && got[5].ends_with(".jpg")) << got[5];
  EXPECT_EQ(got[6], "manifesto.json");
  for (const auto& n : got) {
    EXPECT_EQ(n.find(".."), std::string::npos) << n;
    EXPECT_EQ(n.find('\\'), std::string::npos) << n;
  }

  // Built again (a step re-run after a crash): the same bytes at the same key.
  auto again = build_archive(context_, request);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->sha256_hex, archive->sha256_hex);
}

TEST_F(PipelineBatch, Incident_OutputKeyNeverProcessedAsInput) {
  // The earlier system's "finalization" fed processed keys back into the thumbnail step as raw
  // keys. Here the fetch step takes raw keys of the asset's own batch only.
  auto task = upload(corpus("jpeg_baseline.jpg"), core::MediaType::kPhotoHorizontal, "x", 1, 1);
  auto first = process_asset(context_, task);
  ASSERT_TRUE(first.has_value() && first->ready());
  for (const auto& r : first->renditions) {
    AssetTask fed_back = task;
    fed_back.raw_key = r.key;  // an output key, which exists in the store
    auto again = process_asset(context_, fed_back);
    ASSERT_FALSE(again.has_value()) << r.key << " was accepted as an input";
    EXPECT_EQ(again.error().code, core::ErrorCode::kInvalidRequest);
  }
  AssetTask other_batch = task;
  other_batch.raw_key = core::raw_key(kListing, core::BatchId{52}, task.asset);
  EXPECT_FALSE(process_asset(context_, other_batch).has_value());
  // And nothing was written under any prefix but the job's.
  const auto prefix = core::job_output_prefix(kListing, kBatch, kJob);
  for (const auto& r : first->renditions) {
    EXPECT_TRUE(r.key.starts_with(prefix)) << r.key;
  }
}

TEST_F(PipelineBatch, Incident_FailingPhoneVideoNamesStepDiagnosticsAndHint) {
  // The earlier system reported a failing phone video with nothing but
  // DERIVATIVE_ERRORS_DETECTED. A video whose header reads fine but whose frames are cut off fails
  // at transcoding: the failure names the step, quotes the tool and tells the photographer what
  // to do.
  auto task = upload(corpus("mp4_truncated_faststart.mp4"), core::MediaType::kVideoHorizontal,
                     "Tour", 1, 9);
  auto outcome = process_asset(context_, task);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
  ASSERT_FALSE(outcome->ready());
  const auto& f = *outcome->failure;
  EXPECT_EQ(f.message.find("DERIVATIVE_ERRORS_DETECTED"), std::string::npos);
  EXPECT_FALSE(outcome->failed_step.empty());
  EXPECT_GT(f.message.size(), 40U) << f.message;
  EXPECT_FALSE(f.hint.empty());
  // The diagnostics of the tool are in the message (ffmpeg/ffprobe's own words).
  EXPECT_TRUE(f.message.find("ffmpeg") != std::string::npos ||
              f.message.find("ffprobe") != std::string::npos)
      << f.message;
  EXPECT_TRUE(f.code == core::ErrorCode::kVideoTranscodeFailed ||
              f.code == core::ErrorCode::kCorruptMedia)
      << core::to_string(f.code);
}

TEST_F(PipelineBatch, SizeAndChecksumAreVerifiedAgainstTheManifest) {
  auto task = upload(corpus("jpeg_baseline.jpg"), core::MediaType::kPhotoHorizontal, "x", 1, 5);
  auto wrong_size = task;
  wrong_size.declared.bytes += 1;
  auto a = process_asset(context_, wrong_size);
  ASSERT_TRUE(a.has_value());
  ASSERT_FALSE(a->ready());
  EXPECT_EQ(a->failure->code, core::ErrorCode::kSizeMismatch);
  EXPECT_EQ(a->failed_step, "verify");

  auto wrong_sum = task;
  wrong_sum.declared.checksum_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  auto b = process_asset(context_, wrong_sum);
  ASSERT_TRUE(b.has_value());
  ASSERT_FALSE(b->ready());
  EXPECT_EQ(b->failure->code, core::ErrorCode::kChecksumMismatch);

  auto missing = task;
  missing.asset = core::AssetId{6};
  missing.raw_key = core::raw_key(kListing, kBatch, missing.asset);
  auto c = process_asset(context_, missing);
  ASSERT_TRUE(c.has_value());
  ASSERT_FALSE(c->ready());
  EXPECT_EQ(c->failure->code, core::ErrorCode::kUploadMissing);
}

TEST_F(PipelineBatch, DeclaredOrientationMustMatchWhatIsDisplayed) {
  // jpeg_orientation_6 stores 400x600 pixels with EXIF orientation 6: displayed 600x400.
  auto task = upload(corpus("jpeg_orientation_6.jpg"), core::MediaType::kPhotoVertical, "x", 1, 7);
  auto outcome = process_asset(context_, task);
  ASSERT_TRUE(outcome.has_value());
  ASSERT_FALSE(outcome->ready());
  EXPECT_EQ(outcome->failure->code, core::ErrorCode::kOrientationMismatch);
}

}  // namespace
}  // namespace toq::media
