#pragma once
// Where the S3 tests find their S3-compatible server, in this order:
// 1. TOQ_S3_ENDPOINT (+ TOQ_S3_BUCKET, TOQ_S3_REGION, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
//    AWS_SESSION_TOKEN): any S3-compatible store, AWS included. Nothing is skipped for it.
// 2. The s3rver the CTest fixture started (scripts/start-s3rver.sh start TOQ_S3RVER_STATE_DIR;
//    the environment variable of that name overrides the build's state dir).
// 3. Otherwise (the binary run by hand) an s3rver of its own, started through the same script and
//    stopped at exit.
// When no server can be had the tests skip loudly with the reason; with TOQ_REQUIRE_S3RVER=1, or
// CI set (and TOQ_REQUIRE_S3RVER not 0), they fail instead: CI must never pass by skipping.

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/model/time.hpp"

#include "adapter/aws/credentials.hpp"
#include "adapter/aws/s3_object_store.hpp"
#include "support/http/curl_http_client.hpp"
#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {

struct S3Target {
  bool available = false;
  std::string reason;  // why not, when unavailable
  bool is_s3rver = false;
  std::string endpoint;
  std::string bucket;
  std::string region = "us-east-1";
  aws::Credentials credentials;
  std::string run_prefix;  // unique per process: tests share the bucket
};

inline std::optional<std::string> env_value(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string{v};
}

inline bool s3_required() {
  const auto require = env_value("TOQ_REQUIRE_S3RVER");
  if (require == "1") return true;
  return env_value("CI").has_value() && require != "0";
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in{path};
  std::ostringstream out;
  out << in.rdbuf();
  std::string text = out.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Stops the s3rver this process started itself, at exit.
class OwnS3rver {
 public:
  explicit OwnS3rver(std::filesystem::path state) : state_(std::move(state)) {}
  ~OwnS3rver() {
    run_shell(std::string{"'"} + TOQ_S3RVER_SCRIPT + "' stop '" + state_.string() +
              "' >/dev/null 2>&1");
    std::error_code ec;
    std::filesystem::remove_all(state_, ec);
  }
  OwnS3rver(const OwnS3rver&) = delete;
  OwnS3rver& operator=(const OwnS3rver&) = delete;

 private:
  std::filesystem::path state_;
};

inline S3Target find_s3_target() {
  S3Target t;
  t.run_prefix = "run-" + std::to_string(::getpid()) + "-" +
                 std::to_string(std::random_device{}() % 1000000) + "/";
  if (auto endpoint = env_value("TOQ_S3_ENDPOINT")) {
    t.available = true;
    t.endpoint = *endpoint;
    t.bucket = env_value("TOQ_S3_BUCKET").value_or("toq-test");
    t.region = env_value("TOQ_S3_REGION").value_or("us-east-1");
    t.credentials = {env_value("AWS_ACCESS_KEY_ID").value_or(""),
                     env_value("AWS_SECRET_ACCESS_KEY").value_or(""),
                     env_value("AWS_SESSION_TOKEN")};
    return t;
  }
  t.is_s3rver = true;
  t.bucket = "toq-test";
  // s3rver knows one account; it checks the key id (not V4 signatures).
  t.credentials = {"S3RVER", "S3RVER", std::nullopt};

  // TOQ_S3RVER_STATE_DIR in the environment: a server started by hand into another state dir.
  std::filesystem::path state{env_value("TOQ_S3RVER_STATE_DIR").value_or(TOQ_S3RVER_STATE_DIR)};
  if (!std::filesystem::exists(state / "port") && !std::filesystem::exists(state / "unavailable")) {
    // Not under the CTest fixture: start one for this process, its state dir named after this
    // process (temp_dir.hpp), so that the dir of a process killed before its destructors ran is
    // removed by the next one. Its data dir (start-s3rver.sh makes it in TMPDIR) goes inside.
    static std::unique_ptr<OwnS3rver> own;
    remove_dead_runs_dirs("/tmp", kS3rverStatePrefix);
    if (auto made = make_owned_dir("/tmp", kS3rverStatePrefix)) {
      state = std::move(*made);
      own = std::make_unique<OwnS3rver>(state);
      run_shell(services_owned_by_this_process() + "TMPDIR='" + state.string() + "' '" +
                TOQ_S3RVER_SCRIPT + "' start '" + state.string() + "' >/dev/null 2>" +
                (state / "start.err").string());
    }
  }
  if (std::filesystem::exists(state / "unavailable")) {
    t.reason = "s3rver unavailable: " + read_text(state / "unavailable");
    return t;
  }
  if (!std::filesystem::exists(state / "port")) {
    t.reason = "s3rver did not start (no port file in " + state.string() + ")";
    return t;
  }
  t.available = true;
  t.endpoint = "http://127.0.0.1:" + read_text(state / "port");
  return t;
}

inline const S3Target& s3_target() {
  static const S3Target target = find_s3_target();
  return target;
}

// In a test body: skip (loudly) or fail when no S3 server is available.
#define TOQ_REQUIRE_S3_TARGET()                                                    \
  do {                                                                             \
    const auto& toq_target_ = ::toq::testing::s3_target();                         \
    if (!toq_target_.available) {                                                  \
      if (::toq::testing::s3_required()) {                                         \
        FAIL() << toq_target_.reason << " (required: TOQ_REQUIRE_S3RVER=1 or CI)"; \
      }                                                                            \
      GTEST_SKIP() << "SKIPPED, no S3 server: " << toq_target_.reason              \
                   << " (set TOQ_REQUIRE_S3RVER=1 to fail instead)";               \
    }                                                                              \
  } while (false)

// A store on the target with a fresh HTTP client. Unavailable target: an endpoint nobody listens
// on (the caller has skipped or failed already).
struct S3Harness {
  core::SystemClock clock;
  std::shared_ptr<support::CurlHttpClient> http;
  std::unique_ptr<aws::S3ObjectStore> store;

  explicit S3Harness(bool path_style = true, std::string endpoint_override = {}) {
    const auto& t = s3_target();
    http = std::make_shared<support::CurlHttpClient>();
    aws::S3StoreOptions options;
    options.bucket = t.bucket;
    options.region = t.region;
    options.endpoint = !endpoint_override.empty() ? endpoint_override
                       : t.available              ? t.endpoint
                                                  : "http://127.0.0.1:9";
    options.path_style = path_style;
    options.credentials = std::make_shared<aws::StaticCredentialsProvider>(t.credentials);
    auto made = aws::S3ObjectStore::create(options, http, clock);
    if (!made) throw std::runtime_error(made.error().message);
    store = std::move(*made);
  }
};

}  // namespace toq::testing
