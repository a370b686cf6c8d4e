// `toq-media process PATH... --out DIR [--jobs N]`, the real binary on corpus files: renditions,
// the ZIP and report.json in DIR, a summary table, progress on stderr, and the exit status.

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

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

// The command declares each file with the size and SHA-256 its store measured while storing it
// (no separate hashing pass); the ZIP's manifest carries a document's declared SHA-256, which must
// be the file's own, as sha256sum computes it.
TEST(ProcessCommand, EachFileIsDeclaredWithItsOwnSizeAndSha256) {
  TempDir dir;
  const auto out = dir / "out";
  const auto pdf = fs::path(TOQ_CORPUS_DIR) / "pdf_two_pages.pdf";
  const auto run =
      run_capture(std::string(TOQ_MEDIA_BINARY) + " process " + shell_quote(pdf.string()) +
                      " --out " + shell_quote(out.string()) + " --quiet",
                  Stderr::kCapture);
  ASSERT_EQ(run.status, 0) << run.output;
  const auto report = read_report(out);
  EXPECT_EQ(report["files"][0]["bytes"].get<std::int64_t>(),
            static_cast<std::int64_t>(fs::file_size(pdf)));
  const auto zip = out / report["zip"]["path"].get<std::string>();
  const auto manifest =
      run_capture("unzip -p " + shell_quote(zip.string()) + " manifesto.json", Stderr::kDiscard);
  ASSERT_EQ(manifest.status, 0);
  const auto entry = json::parse(manifest.output)["entries"][0];
  const auto sum = run_capture("sha256sum " + shell_quote(pdf.string()), Stderr::kDiscard);
  ASSERT_EQ(sum.status, 0);
  EXPECT_EQ(entry["sha256"].get<std::string>(), sum.output.substr(0, 64));
  EXPECT_EQ(entry["bytes"].get<std::int64_t>(), static_cast<std::int64_t>(fs::file_size(pdf)));
}

// A folder tree of corpus copies: visible files at several depths, hidden ones, an unsupported one.
fs::path make_tree(const fs::path& root) {
  const fs::path jpeg = fs::path(TOQ_CORPUS_DIR) / "jpeg_baseline.jpg";
  for (const char* rel : {"B.jpg", "a.jpg", "sub/c.jpg", "sub/deeper/d.jpg", ".hidden.jpg",
                          ".cache/e.jpg", "sub/.thumbs/f.jpg"}) {
    fs::create_directories((root / rel).parent_path());
    fs::copy_file(jpeg, root / rel);
  }
  fs::create_directories(root / "Z");
  std::ofstream(root / "Z" / "notes.txt") << "not a photo\n";
  return root;
}

TEST(ProcessCommand, FoldersAreSearchedRecursivelyHiddenSkippedInByteOrder) {
  TempDir dir;
  const auto tree = make_tree(dir / "sessao");
  const auto out = dir / "out";
  const auto run = run_capture(std::string(TOQ_MEDIA_BINARY) + " process " +
                                   shell_quote(tree.string()) + " " + corpus("jpeg_baseline.jpg") +
                                   " --out " + shell_quote(out.string()) + " --jobs 2",
                               Stderr::kCapture);
  EXPECT_EQ(run.status, 1) << run.output;  // the text file fails
  const auto report = read_report(out);
  std::vector<std::string> names;
  for (const auto& f : report["files"]) names.push_back(f["name"].get<std::string>());
  // Byte order of the relative paths ("B" < "Z" < "a" < "sub"), folder first, then the file
  // given after it; nothing hidden.
  EXPECT_EQ(names, (std::vector<std::string>{"sessao/B.jpg", "sessao/Z/notes.txt", "sessao/a.jpg",
                                             "sessao/sub/c.jpg", "sessao/sub/deeper/d.jpg",
                                             "jpeg_baseline.jpg"}))
      << report.dump(1);
  EXPECT_EQ(report["files"][1]["status"], "FAILED");
  EXPECT_EQ(report["files"][1]["error"]["code"], "UNSUPPORTED_FORMAT");
  EXPECT_FALSE(report["files"][1]["error"]["hint"].get<std::string>().empty());
  for (std::size_t i : {0U, 2U, 3U, 4U, 5U}) EXPECT_EQ(report["files"][i]["status"], "READY") << i;
  // The unsupported file is named in the progress lines and the summary with its code.
  EXPECT_NE(run.output.find("FAILED sessao/Z/notes.txt: UNSUPPORTED_FORMAT"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("5 of 6 files processed, 1 failed."), std::string::npos) << run.output;
  // Without a terminal: plain lines, no bar, no control characters.
  EXPECT_EQ(run.output.find('\r'), std::string::npos);
  EXPECT_EQ(run.output.find("\x1b["), std::string::npos);
  EXPECT_EQ(run.output.find("ETA"), std::string::npos);
  EXPECT_NE(run.output.find("[6/6] "), std::string::npos) << run.output;

  // An empty folder (only hidden entries) is a usage error with a hint, before any work.
  fs::create_directories(dir / "empty" / ".git");
  const auto empty = run_capture(std::string(TOQ_MEDIA_BINARY) + " process " +
                                     shell_quote((dir / "empty").string()) + " --out " +
                                     shell_quote((dir / "out2").string()),
                                 Stderr::kCapture);
  EXPECT_EQ(empty.status, 2) << empty.output;
  EXPECT_NE(empty.output.find("has no file to process"), std::string::npos) << empty.output;
  EXPECT_NE(empty.output.find("hint: "), std::string::npos) << empty.output;
  EXPECT_FALSE(fs::exists(dir / "out2"));
}

// Under a pseudo-terminal (util-linux `script`, which runs the command on a pty it allocates):
// the status line is redrawn in place with "\r" and carries a bar and an ETA.
TEST(ProcessCommand, OnATerminalTheBarIsRedrawnWithAnEta) {
  TempDir dir;
  const auto tree = make_tree(dir / "sessao");
  const auto out = dir / "out";
  const std::string inner = std::string(TOQ_MEDIA_BINARY) + " process " +
                            shell_quote(tree.string()) + " --out " + shell_quote(out.string()) +
                            " --jobs 1";
  const auto run =
      run_capture("script -qfec " + shell_quote(inner) + " /dev/null", Stderr::kCapture);
  EXPECT_EQ(run.status, 1) << run.output;
  // Every redraw starts with "\r" and an erase-line, then the bar.
  std::size_t redraws = 0;
  for (auto at = run.output.find("\r\x1b[K["); at != std::string::npos;
       at = run.output.find("\r\x1b[K[", at + 1)) {
    ++redraws;
  }
  EXPECT_GE(redraws, 6u) << run.output;
  EXPECT_NE(run.output.find("ETA --"), std::string::npos) << run.output;  // before the first file
  // After a file finished the ETA is a time ("ETA 3s").
  bool timed = false;
  for (auto at = run.output.find("ETA "); at != std::string::npos;
       at = run.output.find("ETA ", at + 1)) {
    timed = timed || std::isdigit(static_cast<unsigned char>(run.output[at + 4])) != 0;
  }
  EXPECT_TRUE(timed) << run.output;
  EXPECT_NE(run.output.find("[##########"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("5/5 files"), std::string::npos) << run.output;
  // The finished lines are whole lines between the redraws.
  EXPECT_NE(run.output.find("[5/5] "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("4 of 5 files processed, 1 failed."), std::string::npos);
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
