// Moving a 2 GiB object through the embedded store keeps the process's peak RSS under 64 MiB:
// bodies stream through fixed buffers, never whole in memory. Measured in a separate process
// (toq_storage_memory_probe), so the number is the store's or the server's alone:
//  - through the store API: put from a generated source, get into a hashing sink;
//  - through the HTTP server: this test is the client (libcurl, presigned PUT then GET, bytes
//    generated and hashed on the fly) and the probe is the server whose peak RSS counts.
// Real bytes go to disk and back (no sparse files); SHA-256 proves they are the same bytes.
// TOQ_MEMORY_TEST_BYTES overrides the size (e.g. for a quick local run).

#include <chrono>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapter/storage/file_io.hpp"
#include "storage/generated_bytes.hpp"
#include "storage/http_client.hpp"
#include "storage/storage_test_support.hpp"
#include "support/base64.hpp"
#include "support/crypto/digest.hpp"
#include "support/result_matchers.hpp"
#include "support/sanitizer.hpp"
#include "support/unique_fd.hpp"

extern char** environ;

namespace toq::testing {
namespace {

using namespace std::chrono_literals;

constexpr long kLimitKib = 64 * 1024;

// AddressSanitizer keeps freed memory in quarantine and shadows every byte: RSS says nothing about
// the code there. Sanitized builds still move the bytes (smaller) and check them, not the RSS.
constexpr bool kMeasuresRss = !support::kAddressSanitizer;

std::int64_t test_size() {
  if (const char* v = std::getenv("TOQ_MEMORY_TEST_BYTES"); v != nullptr && *v != '\0') {
    return std::stoll(v);
  }
  return kMeasuresRss ? 2LL * 1024 * 1024 * 1024 : 256LL * 1024 * 1024;
}

// The probe process, with pipes to its stdin and stdout; killed if the test ends early.
class Probe {
 public:
  explicit Probe(std::vector<std::string> args) {
    int in[2] = {-1, -1};
    if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    support::UniqueFd in_read{in[0]};
    stdin_ = support::UniqueFd{in[1]};
    int out[2] = {-1, -1};
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    stdout_ = support::UniqueFd{out[0]};
    support::UniqueFd out_write{out[1]};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_read.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("posix_spawn " + args[0] + " failed");
  }
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;
  ~Probe() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // One line of the probe's output; throws after `timeout` without one.
  std::string read_line(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string line;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) throw std::runtime_error("probe: no output in time; got '" + line + "'");
      pollfd p{stdout_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char c = 0;
      const ssize_t n = ::read(stdout_.get(), &c, 1);
      if (n <= 0) throw std::runtime_error("probe: output ended; got '" + line + "'");
      if (c == '\n') return line;
      line.push_back(c);
    }
  }

  void close_stdin() { stdin_ = support::UniqueFd{}; }

  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  support::UniqueFd stdin_;
  support::UniqueFd stdout_;
};

// "a=1 b=2" -> {a: 1, b: 2}
std::map<std::string, std::string> fields(const std::string& line) {
  std::map<std::string, std::string> out;
  std::istringstream in{line};
  for (std::string token; in >> token;) {
    const auto eq = token.find('=');
    if (eq != std::string::npos) out[token.substr(0, eq)] = token.substr(eq + 1);
  }
  return out;
}

TEST(StorageMemory, StoreApiMovesTwoGibInFlatMemory) {
  TempDir dir;
  const std::int64_t size = test_size();
  Probe probe({TOQ_MEMORY_PROBE, "store", (dir / "store").string(), std::to_string(size)});
  const auto result = fields(probe.read_line(600s));
  EXPECT_EQ(probe.wait(), 0);
  ASSERT_EQ(result.count("ok"), 1U);
  ASSERT_EQ(result.at("ok"), "1") << (result.count("error") ? result.at("error") : std::string{});
  const long peak = std::stol(result.at("peak_rss_kib"));
  std::cout << "store API: " << size << " bytes, put " << result.at("put_ms") << " ms, get "
            << result.at("get_ms") << " ms, peak RSS " << peak / 1024 << " MiB (" << peak
            << " KiB)\n";
  RecordProperty("peak_rss_kib", std::to_string(peak));
  RecordProperty("put_ms", result.at("put_ms"));
  RecordProperty("get_ms", result.at("get_ms"));
  EXPECT_GT(peak, 0);
  if (kMeasuresRss) {
    EXPECT_LT(peak, kLimitKib);
  }
}

TEST(StorageMemory, HttpServerMovesTwoGibInFlatMemory) {
  TempDir dir;
  const std::int64_t size = test_size();
  Probe probe({TOQ_MEMORY_PROBE, "serve", (dir / "store").string()});
  const auto started = fields(probe.read_line(60s));
  ASSERT_EQ(started.count("port"), 1U);
  const std::string base = "http://127.0.0.1:" + started.at("port");
  core::SystemClock clock;
  auto store = open_local_store(dir / "store", base, clock);  // presigns with the same key
  const std::string key = "listings/9/batches/9/raw/big.mp4";

  // PUT: generated and hashed as curl asks for it.
  GeneratedBytes generated{size};
  auto sha_up = must(support::Sha256::create());
  auto put_url = must(store->presign_put(key, {"video/mp4", size, std::nullopt, 3600s}));
  HttpCall put;
  put.method = "PUT";
  put.url = put_url.url;
  put.headers = put_url.headers;
  put.reader_length = static_cast<curl_off_t>(size);
  put.reader = [&](char* buf, std::size_t n) {
    const std::size_t k = generated.fill(std::as_writable_bytes(std::span{buf, n}));
    (void)sha_up.update(std::as_bytes(std::span{buf, k}));
    return k;
  };
  put.timeout_seconds = 600;
  auto start = std::chrono::steady_clock::now();
  auto put_result = http(put);
  const auto put_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  ASSERT_EQ(put_result.code, CURLE_OK) << curl_easy_strerror(put_result.code);
  ASSERT_EQ(put_result.status, 200) << put_result.body;
  const auto sent = must(sha_up.finish());

  auto head = must(store->head(key));
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->size, size);
  EXPECT_EQ(head->checksum_sha256, support::base64_encode(sent)) << "the server stored other bytes";

  // GET: hashed as it arrives.
  auto sha_down = must(support::Sha256::create());
  std::int64_t received = 0;
  HttpCall get;
  get.url = must(store->presign_get(key, {})).url;
  get.writer = [&](const char* data, std::size_t n) {
    received += static_cast<std::int64_t>(n);
    return sha_down.update(std::as_bytes(std::span{data, n})).has_value();
  };
  get.timeout_seconds = 600;
  start = std::chrono::steady_clock::now();
  auto get_result = http(get);
  const auto get_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  ASSERT_EQ(get_result.code, CURLE_OK) << curl_easy_strerror(get_result.code);
  EXPECT_EQ(get_result.status, 200);
  EXPECT_EQ(received, size);
  EXPECT_TRUE(must(sha_down.finish()) == sent) << "the bytes read back differ";

  probe.close_stdin();
  const auto stopped = fields(probe.read_line(60s));
  EXPECT_EQ(probe.wait(), 0);
  ASSERT_EQ(stopped.count("peak_rss_kib"), 1U);
  const long peak = std::stol(stopped.at("peak_rss_kib"));
  std::cout << "HTTP server: " << size << " bytes, PUT " << put_ms << " ms, GET " << get_ms
            << " ms, server peak RSS " << peak / 1024 << " MiB (" << peak << " KiB)\n";
  RecordProperty("server_peak_rss_kib", std::to_string(peak));
  RecordProperty("put_ms", std::to_string(put_ms));
  RecordProperty("get_ms", std::to_string(get_ms));
  EXPECT_GT(peak, 0);
  if (kMeasuresRss) {
    EXPECT_LT(peak, kLimitKib);
  }
  must(store->remove({key}));
}

}  // namespace
}  // namespace toq::testing
