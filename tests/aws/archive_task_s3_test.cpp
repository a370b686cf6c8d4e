// The archive task against s3rver, as the pipeline runs it: `toq-media task archive` (the same
// run_archive_task `toq-media lambda archive` runs) reads the READY result documents and their
// renditions from the bucket and streams the ZIP into one S3 multipart upload. Each test starts
// its own s3rver (data under the test's temp dir, removed afterwards) and puts a witness between
// the task and s3rver. What is checked comes from tools that share no code with the writer:
// - tests/aws/s3_witness_proxy.py: every request the task sent, with the body bytes it really
//   received (s3rver answers ListParts with 405 and logs no sizes): the parts, complete, abort;
// - s3rver's own file of the completed object, read by Python's zipfile (tests/media/zip/
//   check_zip.py: every entry's bytes hashed and CRC-32 checked), Info-ZIP's `unzip -t` and
//   coreutils' sha256sum;
// - the task process's peak RSS, from wait4's ru_maxrss (the kernel's count, after it exited).
// ArchiveTaskS3.SixtyMibOfInput... and ...FailureMidStream... are the short forms (label aws, in
// `make test`); ...MoreThanFourGib... is the long form (label aws-long, `make test-aws-long`).

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "media/zip/zip_test_support.hpp"
#include "s3/s3_test_support.hpp"
#include "storage/generated_bytes.hpp"
#include "support/io/byte_sources.hpp"
#include "support/sanitizer.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr std::int64_t kMiB = 1024LL * 1024;
constexpr std::int64_t kGiB = 1024 * kMiB;
constexpr std::int64_t k4GiB = 4 * kGiB;
// S3's floor for every part but the last
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html).
constexpr std::int64_t kMinPartSize = 5 * kMiB;
// The archive's part size (ZipOptions::part_size, which the archive step uses as is).
constexpr std::int64_t kPartSize = 16 * kMiB;
// The task's peak RSS: one part buffered (16 MiB), at most one small body (1 MiB) and the HTTP
// client's buffers, on top of the process itself (toq-media with its libraries, config and S3
// client: 32 MiB for a task that fails on its input). Measured: 51-52 MiB on 60 MiB and on
// 4.3 GiB; the bound leaves room for allocator slack but not for a second part.
constexpr long kRssLimitKib = 64 * 1024;
// Constant memory: the > 4 GiB run may not peak more than this above the 60 MiB run.
constexpr long kRssGrowthLimitKib = 8 * 1024;
constexpr std::int64_t kListing = 28;
constexpr std::int64_t kBatch = 51;
constexpr std::int64_t kJob = 77;
const std::string kBucket = "toq-test";

// ASan's shadow memory says nothing about the task's own memory.
constexpr bool kMeasuresRss = !support::kAddressSanitizer;

std::string out_prefix() {
  return fmt::format("listings/{}/batches/{}/out/{}/", kListing, kBatch, kJob);
}

// A ByteSource of GeneratedBytes that hashes what it hands out.
class GeneratedSource final : public core::ByteSource {
 public:
  explicit GeneratedSource(std::int64_t size) : bytes_(size) {}
  core::Result<std::size_t> read(std::span<std::byte> buf) override {
    const std::size_t n = bytes_.fill(buf);
    sha_.update(buf.first(n));
    return n;
  }
  std::string hex() { return sha_.hex(); }

 private:
  GeneratedBytes bytes_;
  Sha256 sha_;
};

struct Finished {
  int exit_status = -1;
  long peak_rss_kib = 0;
  std::string out;
  std::string err;
  long ms = 0;
};

// Runs argv with exactly `env`, stdout and stderr to files; waits with wait4 for its rusage.
Finished run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                     const fs::path& out, const fs::path& err) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0) ::_exit(126);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  Finished f;
  if (pid < 0) return f;
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  f.ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - start)
                               .count());
  f.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  f.peak_rss_kib = usage.ru_maxrss;  // KiB on Linux
  f.out = read_text(out);
  f.err = read_text(err);
  return f;
}

// One s3rver of the test's own, data under `dir` (start-s3rver.sh's stop removes it).
class OwnServer {
 public:
  explicit OwnServer(const fs::path& dir) : state_(dir / "s3rver") {
    const auto r =
        run_capture(services_owned_by_this_process() + "TMPDIR=" + shell_quote(dir.string()) +
                    " TOQ_REQUIRE_S3RVER=1 " + shell_quote(TOQ_S3RVER_SCRIPT) + " start " +
                    shell_quote(state_.string()));
    if (r.status != 0 || !fs::exists(state_ / "port")) {
      throw std::runtime_error("s3rver did not start: " + r.output);
    }
    port_ = read_text(state_ / "port");
    data_ = read_text(state_ / "data_dir");
  }
  ~OwnServer() {
    run_shell(shell_quote(TOQ_S3RVER_SCRIPT) + " stop " + shell_quote(state_.string()) +
              " >/dev/null 2>&1");
  }
  OwnServer(const OwnServer&) = delete;
  OwnServer& operator=(const OwnServer&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + port_; }
  std::string log_tail() const {
    return run_capture("tail -n 40 " + shell_quote((state_ / "s3rver.log").string())).output;
  }
  std::string authority() const { return "127.0.0.1:" + port_; }
  // Where s3rver keeps an object's bytes (its FilesystemStore: KEY._S3rver_object).
  fs::path object_file(const std::string& key) const {
    return fs::path(data_) / kBucket / (key + "._S3rver_object");
  }

 private:
  fs::path state_;
  std::string port_;
  std::string data_;
};

// tests/aws/s3_witness_proxy.py in front of the server, stopped with the test.
class Witness {
 public:
  Witness(const fs::path& dir, const std::string& upstream) : log_(dir / "witness.jsonl") {
    const auto port_file = dir / "witness.port";
    const ParentTie tie;
    pid_ = ::fork();
    if (pid_ == 0) {
      die_with_parent(tie);
      const int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      ::execl("/usr/bin/python3", "python3", TOQ_S3_WITNESS_PROXY, "--upstream", upstream.c_str(),
              "--port-file", port_file.c_str(), "--log", log_.c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 300 && !fs::exists(port_file); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!fs::exists(port_file)) throw std::runtime_error("the witness proxy did not start");
    port_ = read_text(port_file);
  }
  ~Witness() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  Witness(const Witness&) = delete;
  Witness& operator=(const Witness&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + port_; }
  std::vector<json> requests() const {
    std::vector<json> out;
    std::istringstream in{read_text(log_)};
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(json::parse(line));
    }
    return out;
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  std::string port_;
};

struct Rendition {
  std::int64_t asset = 0;
  std::int64_t size = 0;
  std::string sha256;
  bool stored = true;  // false: the document names it but the object is deleted
};

// The READY result document of a horizontal video whose archive entry is its 1080p rendition.
std::string result_document(const Rendition& r, int sequence) {
  const std::string key = fmt::format("{}{}/1080p.mp4", out_prefix(), r.asset);
  return json{{"version", 1},
              {"jobId", kJob},
              {"batchId", kBatch},
              {"listingId", kListing},
              {"run", 1},
              {"assetId", r.asset},
              {"status", "READY"},
              {"runner", "lambda"},
              {"finishedAt", "2026-11-23T20:31:07Z"},
              {"declared",
               {{"clientId", fmt::format("v-{}", sequence)},
                {"mediaType", "VIDEO_HORIZONTAL"},
                {"sequence", sequence},
                {"title", fmt::format("Parte {}", sequence)},
                {"filename", fmt::format("IMG_{}.MOV", 3000 + sequence)},
                {"contentType", "video/quicktime"},
                {"bytes", r.size},
                {"checksumSha256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}}},
              {"facts",
               {{"width", 1920},
                {"height", 1080},
                {"durationMs", 60000},
                {"format", "mov,mp4,m4a,3gp,3g2,mj2"},
                {"codec", "h264"},
                {"rotation", 0},
                {"hdr", false},
                {"hasAudio", true}}},
              {"renditions",
               {{{"name", "1080p"},
                 {"format", "mp4"},
                 {"width", 1920},
                 {"height", 1080},
                 {"bytes", r.size},
                 {"key", key},
                 {"sha256", r.sha256}}}}}
      .dump();
}

class ArchiveTaskS3 : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<OwnServer>(dir_.path());
    witness_ = std::make_unique<Witness>(dir_.path(), server_->authority());
    // The test's own client talks to s3rver directly: the witness sees only the task.
    http_ = std::make_shared<support::CurlHttpClient>();
    aws::S3StoreOptions options;
    options.bucket = kBucket;
    options.endpoint = server_->endpoint();
    options.path_style = true;
    options.credentials = std::make_shared<aws::StaticCredentialsProvider>(
        aws::Credentials{"S3RVER", "S3RVER", std::nullopt});
    auto made = aws::S3ObjectStore::create(options, http_, clock_);
    ASSERT_TRUE(made.has_value()) << made.error().message;
    store_ = std::move(*made);
  }

  void TearDown() override {
    if (HasFailure()) std::cout << "---- s3rver log (tail) ----\n" << server_->log_tail() << "\n";
  }

  // Puts one rendition per size (bytes generated, streamed, hashed on the way) and its asset's
  // result document; `missing` lists the indexes whose rendition object is then deleted.
  std::vector<Rendition> put_run(const std::vector<std::int64_t>& sizes,
                                 const std::set<std::size_t>& missing = {}) {
    std::vector<Rendition> out;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      Rendition r{.asset = 301 + static_cast<std::int64_t>(i), .size = sizes[i], .sha256 = {}};
      const std::string key = fmt::format("{}{}/1080p.mp4", out_prefix(), r.asset);
      GeneratedSource source{sizes[i]};
      core::PutOptions options;
      options.content_type = "video/mp4";
      options.content_length = sizes[i];
      auto put = store_->put(key, source, options);
      EXPECT_TRUE(put.has_value()) << key << ": " << put.error().message;
      r.sha256 = source.hex();
      put_text(fmt::format("{}{}/result.json", out_prefix(), r.asset),
               result_document(r, static_cast<int>(i) + 1));
      if (missing.contains(i)) {
        EXPECT_TRUE(store_->remove({key}).has_value());
        r.stored = false;
      }
      out.push_back(r);
    }
    return out;
  }

  void put_text(const std::string& key, const std::string& text) {
    support::MemorySource body{text};
    core::PutOptions options;
    options.content_type = "application/json";
    auto put = store_->put(key, body, options);
    ASSERT_TRUE(put.has_value()) << key << ": " << put.error().message;
  }

  bool exists(const std::string& key) {
    auto h = store_->head(key);
    EXPECT_TRUE(h.has_value()) << key;
    return h.has_value() && h->has_value();
  }

  // `toq-media task archive` for the run, through the witness, in a clean environment.
  Finished run_task(const std::vector<Rendition>& renditions) {
    json ids = json::array();
    for (const auto& r : renditions) ids.push_back(r.asset);
    const json input = {{"version", 1},
                        {"jobId", kJob},
                        {"batchId", kBatch},
                        {"listingId", kListing},
                        {"run", 1},
                        {"bucket", kBucket},
                        {"outputPrefix", out_prefix()},
                        {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                        {"assetIds", ids}};
    const auto input_file = dir_ / "archive-input.json";
    std::ofstream(input_file) << input.dump();
    fs::create_directories(dir_ / "task");
    const std::vector<std::string> env = {"PATH=/usr/bin:/bin",
                                          "TZ=UTC",
                                          "LC_ALL=C.UTF-8",
                                          "HOME=" + (dir_ / "task").string(),
                                          "TMPDIR=" + (dir_ / "task").string(),
                                          "TOQ_MEDIA_DATA_DIR=" + (dir_ / "task").string(),
                                          "TOQ_MEDIA_STORAGE_DRIVER=s3",
                                          "TOQ_MEDIA_STORAGE_S3_ENDPOINT=" + witness_->endpoint(),
                                          "TOQ_MEDIA_STORAGE_S3_BUCKET=" + kBucket,
                                          "TOQ_MEDIA_STORAGE_S3_REGION=us-east-1",
                                          "TOQ_MEDIA_STORAGE_S3_PATH_STYLE=true",
                                          "TOQ_MEDIA_STORAGE_S3_ACCESS_KEY_ID=S3RVER",
                                          "TOQ_MEDIA_STORAGE_S3_SECRET_ACCESS_KEY=S3RVER"};
    return run_process({TOQ_MEDIA_BINARY, "task", "archive", "--input", input_file.string()}, env,
                       dir_ / "task.out", dir_ / "task.err");
  }

  std::vector<json> requests(std::string_view op) const {
    std::vector<json> out;
    for (auto& r : witness_->requests()) {
      if (r.at("op") == op) out.push_back(std::move(r));
    }
    return out;
  }

  // The multipart upload of the archive: every part numbered in order, every part but the last
  // at least 5 MiB (all but the last exactly kPartSize), each accepted by s3rver; their sizes.
  std::vector<std::int64_t> checked_parts(const std::string& upload_id) {
    std::vector<std::int64_t> sizes;
    for (const auto& p : requests("UploadPart")) {
      if (p.at("query").at("uploadId") != upload_id) continue;
      EXPECT_EQ(p.at("status"), 200) << p.dump();
      EXPECT_EQ(std::stoi(p.at("query").at("partNumber").get<std::string>()),
                static_cast<int>(sizes.size()) + 1)
          << "parts are uploaded in order, each once";
      sizes.push_back(p.at("requestBytes").get<std::int64_t>());
    }
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
      EXPECT_GE(sizes[i], kMinPartSize) << "part " << i + 1;
      EXPECT_EQ(sizes[i], kPartSize) << "part " << i + 1;
    }
    return sizes;
  }

  struct Checked {
    std::int64_t zip_bytes = 0;
    std::size_t parts = 0;
    std::int64_t last_part = 0;
    long peak_rss_kib = 0;
  };

  // Runs the task over renditions of `sizes` and checks the archive it completed.
  Checked archive_and_check(const std::vector<std::int64_t>& sizes) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto run = put_run(sizes);
    const auto put_s =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0)
            .count();
    const auto task = run_task(run);
    Checked c;
    c.peak_rss_kib = task.peak_rss_kib;
    EXPECT_EQ(task.exit_status, 0) << task.err;
    if (task.exit_status != 0) return c;
    const auto result = json::parse(task.out);
    const std::string key = result.at("key");
    EXPECT_EQ(key, out_prefix() + "archive.zip");
    c.zip_bytes = result.at("bytes");

    // One multipart upload, its parts, one complete; nothing aborted.
    const auto created = requests("CreateMultipartUpload");
    EXPECT_EQ(created.size(), 1U);
    const auto completes = requests("CompleteMultipartUpload");
    EXPECT_EQ(completes.size(), 1U);
    EXPECT_TRUE(requests("AbortMultipartUpload").empty());
    if (completes.empty()) return c;
    EXPECT_EQ(completes[0].at("status"), 200);
    const auto parts = checked_parts(completes[0].at("query").at("uploadId"));
    std::int64_t sent = 0;
    for (const auto p : parts) sent += p;
    EXPECT_EQ(sent, c.zip_bytes) << "the parts hold the archive, no byte more or less";
    c.parts = parts.size();
    c.last_part = parts.empty() ? 0 : parts.back();

    // s3rver's file is the archive the task hashed; two readers agree it is a valid ZIP.
    const auto file = server_->object_file(key);
    EXPECT_EQ(static_cast<std::int64_t>(fs::file_size(file)), c.zip_bytes);
    EXPECT_EQ(sha256sum(file), result.at("sha256").get<std::string>());
    const auto report = python_zip_report(file, /*testzip=*/false);
    const auto& entries = report.at("entries");
    EXPECT_EQ(entries.size(), sizes.size() + 1) << "one entry per asset and the manifest";
    std::int64_t total = 0;
    for (std::size_t i = 0; i < run.size() && i < entries.size(); ++i) {
      const auto& e = entries[i];
      EXPECT_EQ(e.at("name").get<std::string>().rfind("videos/", 0), 0U) << e.dump();
      EXPECT_EQ(e.at("size").get<std::int64_t>(), run[i].size);
      EXPECT_EQ(e.at("compress_type").get<int>(), 0);
      EXPECT_EQ(e.at("sha256").get<std::string>(), run[i].sha256) << "entry " << i;
      EXPECT_EQ(e.at("crc").get<std::uint32_t>(), e.at("crc_of_bytes").get<std::uint32_t>());
      if (e.at("header_offset").get<std::int64_t>() > 0xFFFFFFFFLL) {
        std::cout << "entry " << i << " starts at " << e.at("header_offset")
                  << " (past 4 GiB: ZIP64 offset)\n";
      }
      total += run[i].size;
    }
    EXPECT_EQ(entries.back().at("name"), "manifesto.json");
    if (total > k4GiB) {
      EXPECT_TRUE(report.at("zip64_end").get<bool>()) << "no ZIP64 end of central directory";
      EXPECT_GT(entries[entries.size() - 2].at("header_offset").get<std::int64_t>(), 0xFFFFFFFFLL)
          << "the last video starts past 4 GiB";
    }
    const auto unzip = unzip_test(file);
    EXPECT_EQ(unzip.status, 0) << unzip.output;
    EXPECT_TRUE(exists(out_prefix() + "archive.json"));

    std::cout << fmt::format(
        "{} entries, {} bytes in, {} bytes of ZIP; {} parts of {} bytes (last {}); inputs put in "
        "{} s, task {} ms; task peak RSS {} KiB\n",
        sizes.size(), total, c.zip_bytes, c.parts, kPartSize, c.last_part, put_s, task.ms,
        task.peak_rss_kib);
    RecordProperty("peak_rss_kib", std::to_string(task.peak_rss_kib));
    RecordProperty("parts", std::to_string(c.parts));
    RecordProperty("task_ms", std::to_string(task.ms));
    if (kMeasuresRss) {
      EXPECT_LT(task.peak_rss_kib, kRssLimitKib);
    }
    return c;
  }

  // Removes the run's objects and s3rver's file of the archive (the disk the next run needs).
  void clear_run() {
    std::vector<std::string> keys;
    for (std::int64_t asset = 301; asset < 320; ++asset) {
      keys.push_back(fmt::format("{}{}/1080p.mp4", out_prefix(), asset));
      keys.push_back(fmt::format("{}{}/result.json", out_prefix(), asset));
    }
    keys.push_back(out_prefix() + "archive.zip");
    keys.push_back(out_prefix() + "archive.json");
    EXPECT_TRUE(store_->remove(keys).has_value());
    std::filesystem::remove(dir_ / "witness.jsonl");
  }

  TempDir dir_;
  core::SystemClock clock_;
  std::unique_ptr<OwnServer> server_;
  std::unique_ptr<Witness> witness_;
  std::shared_ptr<support::CurlHttpClient> http_;
  std::unique_ptr<aws::S3ObjectStore> store_;
};

// 60 MiB in three renditions: four parts, the last one short; a valid ZIP; bounded memory.
TEST_F(ArchiveTaskS3, SixtyMibOfInputGiveAValidZipInPartsOfSixteenMib) {
  const auto c = archive_and_check({24 * kMiB + 7, 36 * kMiB - 3, 123457});
  EXPECT_EQ(c.parts, 4U);
  EXPECT_GT(c.last_part, 0);
  EXPECT_LT(c.last_part, kPartSize);
}

// The second rendition is gone when the task reaches it, after the first one's parts went up:
// the task fails with a typed error naming the key, sends AbortMultipartUpload for exactly the
// upload it created (on each of its own retries), never completes it, and leaves no archive and
// no archive.json. AWS: after AbortMultipartUpload "no additional parts can be uploaded using
// that upload ID" and the parts' storage is freed
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html). s3rver 3.7
// answers that request with 405 and keeps the parts, so the test shows the request, not the
// freeing; the embedded store's abort is checked in tests/media/zip (an aborted id is unknown).
TEST_F(ArchiveTaskS3, FailureMidStreamAbortsTheUploadAndLeavesNoArchive) {
  const auto run = put_run({40 * kMiB, 20 * kMiB, 4 * kMiB}, {1});
  const auto task = run_task(run);
  EXPECT_NE(task.exit_status, 0) << task.out;
  // The last line of stderr is the task's error body (the lines before are its logs).
  std::string last_line;
  std::istringstream lines{task.err};
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) last_line = line;
  }
  const auto error = json::parse(last_line, nullptr, false);
  ASSERT_TRUE(error.is_object()) << task.err;
  EXPECT_EQ(error.at("errorType"), "Media.Transient") << task.err;
  const std::string missing = fmt::format("{}{}/1080p.mp4", out_prefix(), run[1].asset);
  EXPECT_NE(error.at("errorMessage").get<std::string>().find(missing), std::string::npos)
      << error.dump();

  const auto created = requests("CreateMultipartUpload");
  ASSERT_FALSE(created.empty());
  EXPECT_TRUE(requests("CompleteMultipartUpload").empty());
  const auto aborts = requests("AbortMultipartUpload");
  std::vector<std::string> aborted;
  for (const auto& a : aborts) aborted.push_back(a.at("query").at("uploadId"));
  // The upload ids come back in CreateMultipartUpload's answer, which the witness does not parse:
  // the parts name them.
  std::set<std::string> uploads;
  for (const auto& p : requests("UploadPart")) uploads.insert(p.at("query").at("uploadId"));
  EXPECT_EQ(uploads.size(), created.size()) << "one upload per attempt";
  EXPECT_EQ(aborted.size(), created.size()) << "every attempt aborted its upload";
  for (const auto& id : uploads) {
    SCOPED_TRACE(id);
    EXPECT_EQ(std::count(aborted.begin(), aborted.end(), id), 1);
    const auto parts = checked_parts(id);
    EXPECT_EQ(parts.size(), 2U) << "the first 40 MiB went up as two full parts before the failure";
  }
  for (const auto& a : aborts) {
    std::cout << "AbortMultipartUpload " << a.at("query").at("uploadId") << ": s3rver answered "
              << a.at("status") << "\n";
  }
  EXPECT_FALSE(exists(out_prefix() + "archive.zip"));
  EXPECT_FALSE(exists(out_prefix() + "archive.json"));
  EXPECT_FALSE(fs::exists(server_->object_file(out_prefix() + "archive.zip")));
  std::cout << "task failed after " << task.ms << " ms with " << error.dump() << "\n";
}

// More than 4 GiB of input: the last video starts past 4 GiB (ZIP64 offsets, ZIP64 end records),
// 16 MiB parts all the way, and the task's peak RSS no higher than on 60 MiB (constant memory).
// Disk: the inputs, the parts and the assembled object at once (~13 GiB), removed afterwards.
TEST_F(ArchiveTaskS3, MoreThanFourGibOfInputGiveAValidZip64InConstantMemory) {
  const auto small = archive_and_check({24 * kMiB + 7, 36 * kMiB - 3, 123457});
  clear_run();
  const auto large = archive_and_check({2 * kGiB, 2 * kGiB + kMiB + 5, 300 * kMiB});
  EXPECT_GT(large.zip_bytes, k4GiB + 300 * kMiB);
  EXPECT_GT(large.parts, 260U);
  std::cout << fmt::format("peak RSS: {} KiB on 60 MiB, {} KiB on {} bytes of ZIP\n",
                           small.peak_rss_kib, large.peak_rss_kib, large.zip_bytes);
  if (kMeasuresRss) {
    EXPECT_LT(large.peak_rss_kib, small.peak_rss_kib + kRssGrowthLimitKib);
  }
  clear_run();
}

}  // namespace
}  // namespace toq::testing
