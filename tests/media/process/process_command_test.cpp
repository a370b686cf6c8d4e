// `toq-media process PATH... --out DIR [--jobs N]`, the real binary on corpus files: renditions,
// the ZIP and report.json in DIR, a summary table, progress on stderr, and the exit status.

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string corpus(const std::string& name) {
  return shell_quote((fs::path(TOQ_CORPUS_DIR) / name).string());
}

json read_report(const fs::path& out) {
  std::ifstream in(out / "report.json");
  return json::parse(in);
}

TEST(ProcessCommand, EveryFileSucceedsExitZeroWithRenditionsZipAndReport) {
  TempDir dir;
  const auto out = dir / "out";
  const auto run = run_capture(
      std::string(TOQ_MEDIA_BINARY) + " process " + corpus("jpeg_baseline.jpg") + " " +
          corpus("jpeg_orientation_6.jpg") + " " + corpus("video_rotated_vertical.mp4") + " " +
          corpus("pdf_two_pages.pdf") + " --out " + shell_quote(out.string()) + " --jobs 2",
      Stderr::kCapture);
  ASSERT_EQ(run.status, 0) << run.output;
  // The summary table and the progress lines.
  EXPECT_NE(run.output.find("4 of 4 files processed, 0 failed."), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("[4/4] ok"), std::string::npos) << run.output;
  const auto report = read_report(out);
  ASSERT_EQ(report["files"].size(), 4u);
  EXPECT_EQ(report["summary"]["ready"], 4);
  EXPECT_EQ(report["summary"]["failed"], 0);
  for (const auto& f : report["files"]) {
    EXPECT_EQ(f["status"], "READY") << f.dump();
    for (const auto& r : f["renditions"]) {
      const auto path = out / r["path"].get<std::string>();
      ASSERT_TRUE(fs::exists(path)) << path;
      EXPECT_EQ(static_cast<std::int64_t>(fs::file_size(path)), r["bytes"].get<std::int64_t>());
    }
  }
  // The rotated photo is displayed 600x400; the vertical video stays vertical.
  EXPECT_EQ(report["files"][1]["width"], 600);
  EXPECT_EQ(report["files"][1]["height"], 400);
  EXPECT_EQ(report["files"][2]["mediaType"], "VIDEO_VERTICAL");
  ASSERT_FALSE(report["zip"].is_null());
  const auto zip = out / report["zip"]["path"].get<std::string>();
  EXPECT_EQ(run_capture("unzip -t " + shell_quote(zip.string())).status, 0);
  EXPECT_EQ(report["zip"]["entries"].size(), 5u) << "four files and manifesto.json";
  EXPECT_FALSE(fs::exists(out / ".store")) << "the scratch store is removed";
  EXPECT_FALSE(fs::exists(out / ".work"));
}

TEST(ProcessCommand, AFailedFileMakesTheExitNonZeroAndIsReportedWithItsCode) {
  TempDir dir;
  const auto out = dir / "out";
  const auto run =
      run_capture(std::string(TOQ_MEDIA_BINARY) + " process " + corpus("jpeg_baseline.jpg") + " " +
                      corpus("jpeg_truncated.jpg") + " " + corpus("svg_plan.svg") + " --out " +
                      shell_quote(out.string()) + " --quiet",
                  Stderr::kCapture);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("1 of 3 files processed, 2 failed."), std::string::npos) << run.output;
  const auto report = read_report(out);
  EXPECT_EQ(report["files"][0]["status"], "READY");
  EXPECT_EQ(report["files"][1]["status"], "FAILED");
  EXPECT_EQ(report["files"][1]["error"]["code"], "CORRUPT_MEDIA");
  EXPECT_FALSE(report["files"][1]["error"]["hint"].get<std::string>().empty());
  EXPECT_EQ(report["files"][2]["error"]["code"], "UNSUPPORTED_FORMAT");
  EXPECT_EQ(report["files"][2]["error"]["step"], "detect");
  // The ZIP holds what succeeded.
  EXPECT_EQ(report["zip"]["entries"].size(), 2u);
}

TEST(ProcessCommand, UsageErrorsExitTwo) {
  TempDir dir;
  EXPECT_EQ(run_capture(std::string(TOQ_MEDIA_BINARY) + " process --out " +
                        shell_quote((dir / "o").string()))
                .status,
            2)
      << "no input";
  EXPECT_EQ(run_capture(std::string(TOQ_MEDIA_BINARY) + " process /nonexistent.jpg --out " +
                        shell_quote((dir / "o").string()))
                .status,
            2)
      << "a missing file";
}

}  // namespace
}  // namespace toq::testing
