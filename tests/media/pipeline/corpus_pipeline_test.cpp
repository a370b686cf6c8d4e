// Every corpus file (tests/media/corpus/corpus.json) through the whole per-asset pipeline on the
// real embedded store: its outcome is asserted (READY with the right renditions, read back and
// measured with independent tools, or FAILED with the exact code), and no rendition carries EXIF,
// GPS, XMP or IPTC metadata. One test per corpus file, so CTest runs them in parallel.

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
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

json load_corpus() {
  std::ifstream in(TOQ_CORPUS_JSON);
  return json::parse(in)["files"];
}

std::vector<std::string> corpus_ids() {
  std::vector<std::string> ids;
  for (const auto& f : load_corpus()) {
    ids.push_back(f["id"].get<std::string>());
  }
  return ids;
}

json corpus_entry(const std::string& id) {
  for (const auto& f : load_corpus()) {
    if (f["id"] == id) {
      return f;
    }
  }
  return {};
}

// The pipeline on one embedded store in a temp dir, one asset at a time.
class PipelineRig {
 public:
  PipelineRig() {
    store_ = testing::open_test_store(dir_ / "store", clock_);
    fs::create_directories(dir_ / "work");
    context_ = PipelineContext{
        .store = store_.get(), .multipart = store_.get(), .work_root = dir_ / "work", .limits = {}};
  }

  // Uploads `file` as asset `n` declared as the corpus entry says, and runs the pipeline.
  core::Result<AssetOutcome> run(const json& entry, const fs::path& file, int n) {
    auto digest = sha256_of_file(file);
    if (!digest) {
      return std::unexpected(digest.error());
    }
    const core::AssetId asset{n};
    AssetTask task{
        .listing = kListing,
        .batch = kBatch,
        .job = kJob,
        .asset = asset,
        .declared = core::FileDeclaration{.client_id = entry["id"].get<std::string>(),
                                          .media_type = *core::parse_media_type(
                                              entry["mediaType"].get<std::string>()),
                                          .filename = entry["filename"].get<std::string>(),
                                          .content_type = entry["contentType"].get<std::string>(),
                                          .bytes = digest->bytes,
                                          .checksum_sha256 = digest->base64,
                                          .title = entry["id"].get<std::string>(),
                                          .sequence = n},
        .raw_key = core::raw_key(kListing, kBatch, asset)};
    auto source = open_file_source(file);
    if (!source) {
      return std::unexpected(source.error());
    }
    if (auto put = store_->put(task.raw_key, **source,
                               {.content_length = digest->bytes, .checksum_sha256 = std::nullopt});
        !put) {
      return std::unexpected(put.error());
    }
    tasks_.push_back(task);
    return process_asset(context_, task);
  }

  // Copies a stored object into the temp dir for the tools to read.
  fs::path fetch(const std::string& key) {
    const auto path = dir_ / "out" / key;
    EXPECT_TRUE(testing::fetch_object(*store_, key, path)) << key;
    return path;
  }

  const PipelineContext& context() const { return context_; }
  const std::vector<AssetTask>& tasks() const { return tasks_; }
  const fs::path& dir() const { return dir_.path(); }

  static constexpr core::ListingId kListing{28};
  static constexpr core::BatchId kBatch{51};
  static constexpr core::JobId kJob{77};

 private:
  testing::TempDir dir_;
  core::SystemClock clock_;
  std::unique_ptr<storage::LocalObjectStore> store_;
  PipelineContext context_;
  std::vector<AssetTask> tasks_;
};

struct Probed {
  int width = 0;
  int height = 0;
  std::string codec;
  std::string transfer;
  std::string primaries;
  std::string pix_fmt;
  bool rotated = false;
  bool audio = false;
};

Probed ffprobe(const fs::path& file) {
  const auto r = run_capture(
      fmt::format("ffprobe -v error -show_streams -of json {}", shell_quote(file.string())),
      testing::Stderr::kDiscard);
  Probed p;
  const auto j = json::parse(r.output);
  for (const auto& s : j["streams"]) {
    if (s["codec_type"] == "video") {
      p.width = s["width"].get<int>();
      p.height = s["height"].get<int>();
      p.codec = s.value("codec_name", "");
      p.transfer = s.value("color_transfer", "");
      p.primaries = s.value("color_primaries", "");
      p.pix_fmt = s.value("pix_fmt", "");
      if (s.contains("side_data_list")) {
        for (const auto& sd : s["side_data_list"]) {
          if (sd.value("rotation", 0) != 0) {
            p.rotated = true;
          }
        }
      }
      if (s.contains("tags") && s["tags"].contains("rotate") && s["tags"]["rotate"] != "0") {
        p.rotated = true;
      }
    } else if (s["codec_type"] == "audio") {
      p.audio = true;
    }
  }
  return p;
}

// Width and height of an image as vipsheader reads it (no orientation applied: renditions carry
// no orientation tag, so stored = displayed).
std::pair<int, int> image_size(const fs::path& file) {
  const auto w = run_capture(fmt::format("vipsheader -f width {}", shell_quote(file.string())),
                             testing::Stderr::kDiscard);
  const auto h = run_capture(fmt::format("vipsheader -f height {}", shell_quote(file.string())),
                             testing::Stderr::kDiscard);
  return {std::atoi(w.output.c_str()), std::atoi(h.output.c_str())};
}

// Every metadata group exiftool finds beyond the file's own structure.
std::set<std::string> metadata_groups(const fs::path& file) {
  const auto r = run_capture(fmt::format("exiftool -json -G -a {}", shell_quote(file.string())),
                             testing::Stderr::kDiscard);
  std::set<std::string> groups;
  // Kept in a variable: a range-for over items() of a temporary's element would dangle.
  const auto parsed = json::parse(r.output, nullptr, false);
  if (!parsed.is_array() || parsed.empty() || !parsed[0].is_object()) {
    ADD_FAILURE() << "exiftool gave no JSON for " << file << ": " << r.output;
    return groups;
  }
  for (const auto& [key, value] : parsed[0].items()) {
    const auto colon = key.find(':');
    if (colon != std::string::npos) {
      groups.insert(key.substr(0, colon));
    }
  }
  return groups;
}

class CorpusPipeline : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusPipeline, OutcomeMatchesTheCorpus) {
  const auto entry = corpus_entry(GetParam());
  ASSERT_FALSE(entry.is_null());
  const fs::path file = fs::path(TOQ_CORPUS_DIR) / entry["file"].get<std::string>();
  if (!fs::exists(file) && entry["source"].get<std::string>().starts_with("debian:")) {
    GTEST_SKIP() << "Debian media not fetched (TOQ_CORPUS_NO_DEBIAN=1): " << file;
  }
  ASSERT_TRUE(fs::exists(file)) << file;
  const auto& expected = entry["expected"];

  PipelineRig rig;
  auto outcome = rig.run(entry, file, 1);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message;

  if (expected["status"] == "FAILED") {
    ASSERT_FALSE(outcome->ready())
        << GetParam() << " was processed but should fail with " << expected["code"];
    EXPECT_EQ(core::to_string(outcome->failure->code), expected["code"].get<std::string>())
        << outcome->failure->message;
    EXPECT_FALSE(outcome->failure->message.empty());
    EXPECT_FALSE(outcome->failure->hint.empty())
        << "a failure must tell the photographer what to do";
    EXPECT_FALSE(outcome->failed_step.empty());
    EXPECT_TRUE(outcome->renditions.empty());
    return;
  }

  ASSERT_TRUE(outcome->ready()) << GetParam() << ": " << core::to_string(outcome->failure->code)
                                << " at " << outcome->failed_step << ": "
                                << outcome->failure->message;
  const int src_w = expected["width"].get<int>();
  const int src_h = expected["height"].get<int>();
  ASSERT_TRUE(outcome->facts.width && outcome->facts.height);
  EXPECT_EQ(*outcome->facts.width, src_w);
  EXPECT_EQ(*outcome->facts.height, src_h);
  const auto job_prefix =
      core::job_output_prefix(PipelineRig::kListing, PipelineRig::kBatch, PipelineRig::kJob);

  std::map<std::string, const core::Rendition*> by_name;
  for (const auto& r : outcome->renditions) {
    EXPECT_TRUE(r.key.starts_with(job_prefix)) << r.key;
    by_name[r.name + "." + r.format] = &r;
    const auto local = rig.fetch(r.key);
    // What the record says is what is stored.
    auto digest = sha256_of_file(local);
    ASSERT_TRUE(digest.has_value());
    EXPECT_EQ(digest->hex, r.sha256_hex) << r.key;
    EXPECT_EQ(digest->bytes, r.bytes) << r.key;
    // No EXIF, GPS, XMP, IPTC or maker notes in any rendition.
    for (const auto& g : metadata_groups(local)) {
      EXPECT_TRUE(g != "EXIF" && g != "GPS" && g != "XMP" && g != "IPTC" && g != "MakerNotes" &&
                  g != "Photoshop")
          << r.key << " carries " << g << " metadata";
    }
    if (r.format == "m3u8") {
      // A playlist (HLS): text, read by the playlist route; no pixels to measure.
      std::ifstream in(local);
      std::string first;
      std::getline(in, first);
      EXPECT_EQ(first, "#EXTM3U") << r.key;
    } else if (r.format == "mp4" || r.format == "fmp4") {
      const auto p = ffprobe(local);
      EXPECT_EQ(p.width, r.width) << r.key;
      EXPECT_EQ(p.height, r.height) << r.key;
      EXPECT_EQ(p.codec, "h264") << r.key;
      EXPECT_EQ(p.pix_fmt, "yuv420p") << r.key;
      EXPECT_FALSE(p.rotated) << r.key << " still carries rotation metadata";
      EXPECT_EQ(p.width % 2, 0) << r.key;
      EXPECT_EQ(p.height % 2, 0) << r.key;
      EXPECT_EQ(p.width > p.height, src_w > src_h) << r.key << " changed orientation";
      if (expected.value("hdr", false)) {
        EXPECT_EQ(p.transfer, "bt709") << r.key << ": HDR must be tone-mapped to SDR BT.709";
        EXPECT_EQ(p.primaries, "bt709") << r.key;
      }
    } else {
      const auto [w, h] = image_size(local);
      EXPECT_EQ(w, r.width) << r.key;
      EXPECT_EQ(h, r.height) << r.key;
      const auto type =
          run_capture(fmt::format("file -b --mime-type {}", shell_quote(local.string())),
                      testing::Stderr::kDiscard);
      EXPECT_EQ(type.output, r.format == "jpeg" ? "image/jpeg\n" : "image/webp\n") << r.key;
    }
  }

  const auto kind = expected["kind"].get<std::string>();
  if (kind == "photo") {
    // Four sizes on the long edge, each as JPEG and WebP, never upscaled, orientation kept.
    const std::map<std::string, int> sizes = {
        {"thumbnail", 320}, {"small", 640}, {"medium", 1280}, {"large", 1920}};
    EXPECT_EQ(outcome->renditions.size(), 8U);
    const int long_edge = std::max(src_w, src_h);
    for (const auto& [name, edge] : sizes) {
      for (const auto* format : {"jpeg", "webp"}) {
        const auto it = by_name.find(fmt::format("{}.{}", name, format));
        ASSERT_NE(it, by_name.end()) << name << "." << format << " missing";
        const auto& r = *it->second;
        EXPECT_EQ(std::max(r.width, r.height), std::min(edge, long_edge)) << name << "." << format;
        EXPECT_EQ(r.width >= r.height, src_w >= src_h) << name << " changed orientation";
        // Aspect ratio kept to within a pixel of rounding.
        EXPECT_NEAR(static_cast<double>(r.width) / r.height, static_cast<double>(src_w) / src_h,
                    2.0 / std::min(r.width, r.height))
            << name;
      }
    }
  } else if (kind == "video") {
    const bool has1080 = expected.value("has1080p", false);
    EXPECT_EQ(by_name.count("1080p.mp4"), has1080 ? 1U : 0U);
    ASSERT_EQ(by_name.count("720p.mp4"), 1U);
    ASSERT_EQ(by_name.count("poster.jpeg"), 1U);
    ASSERT_EQ(by_name.count("thumbnail.jpeg"), 1U);
    // HLS: every MP4 rung as a fragmented MP4 with its media playlist, and the master.
    EXPECT_EQ(by_name.count("hls-master.m3u8"), 1U);
    EXPECT_EQ(by_name.count("hls-720p.fmp4"), 1U);
    EXPECT_EQ(by_name.count("hls-720p-playlist.m3u8"), 1U);
    EXPECT_EQ(by_name.count("hls-1080p.fmp4"), has1080 ? 1U : 0U);
    const auto& r720 = *by_name["720p.mp4"];
    const int short_src = std::min(src_w, src_h);
    EXPECT_EQ(std::min(r720.width, r720.height), std::min(720, short_src - short_src % 2));
    if (has1080) {
      EXPECT_EQ(std::min(by_name["1080p.mp4"]->width, by_name["1080p.mp4"]->height), 1080);
    }
    EXPECT_EQ(std::max(by_name["thumbnail.jpeg"]->width, by_name["thumbnail.jpeg"]->height), 320);
    if (expected.contains("blackLeadSeconds")) {
      const auto poster = rig.fetch(by_name["poster.jpeg"]->key);
      const auto avg = run_capture(fmt::format("vips avg {}", shell_quote(poster.string())),
                                   testing::Stderr::kDiscard);
      EXPECT_GT(std::atof(avg.output.c_str()), 20.0) << "the poster is a black frame";
    }
    ASSERT_TRUE(outcome->facts.duration_ms.has_value());
    EXPECT_NEAR(static_cast<double>(*outcome->facts.duration_ms) / 1000.0,
                expected["durationSeconds"].get<double>(), 0.6);
  } else if (kind == "document") {
    ASSERT_EQ(by_name.count("thumbnail.jpeg"), 1U);
    const auto& t = *by_name["thumbnail.jpeg"];
    EXPECT_EQ(std::max(t.width, t.height), 320);
    EXPECT_EQ(t.height > t.width, src_h > src_w);
  }

  // Running the asset again gives the same result at the same keys (idempotent step). Long
  // videos are left out: they cost a minute each and take the same code path as the short ones.
  if (kind == "video" && expected["durationSeconds"].get<double>() > 5) {
    return;
  }
  auto again = process_asset(rig.context(), rig.tasks().front());
  ASSERT_TRUE(again.has_value());
  ASSERT_EQ(again->renditions.size(), outcome->renditions.size());
  for (std::size_t i = 0; i < again->renditions.size(); ++i) {
    EXPECT_EQ(again->renditions[i].key, outcome->renditions[i].key);
    EXPECT_EQ(again->renditions[i].name, outcome->renditions[i].name);
    EXPECT_EQ(again->renditions[i].width, outcome->renditions[i].width);
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusPipeline, ::testing::ValuesIn(corpus_ids()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace toq::media
