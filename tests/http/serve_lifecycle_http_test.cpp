// The life of the real `toq-media serve` process: SIGTERM and SIGINT stop it cleanly with its
// worker processes, a request in flight at SIGTERM finishes first, and in processing.mode aws a
// dependency that does not answer is reported at start. Each test starts its own server, since
// starting and stopping it is what is tested.

#include <atomic>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/api_suite.hpp"
#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

using nlohmann::json;

// Also the worker processes: serve starts processing.workers of them and stops every one.
TEST(ServeProcessTest, SigtermAndSigintStopCleanly) {
  for (const int sig : {SIGTERM, SIGINT}) {
    TempDir dir;
    ServeProcess server{dir / "var", {{"TOQ_MEDIA_PROCESSING_WORKERS", "2"}}};
    HttpCall c;
    c.url = server.base_url() + "/healthz";
    EXPECT_EQ(recorded_http(c).status, 200);
    const auto line = server.find_log("listening");
    ASSERT_TRUE(line);
    EXPECT_EQ(line->at("workers"), 2);
    const std::string data_dir = (dir / "var").string();
    const auto workers_running = [&] {
      // "[t]" keeps the shell running pgrep (whose command line holds the pattern) out.
      return run_capture("pgrep -f " + shell_quote("[t]oq-media worker --data-dir " + data_dir),
                         Stderr::kDiscard)
          .output;
    };
    for (int i = 0; i < 100 && workers_running().empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_FALSE(workers_running().empty()) << "no worker process started";
    EXPECT_EQ(server.stop(sig), 0) << server.log_text();
    EXPECT_TRUE(server.find_log("stopped")) << server.log_text();
    EXPECT_EQ(workers_running(), "") << "worker processes outlived serve";
  }
}

// SIGTERM while an upload is still sending its body: the request in flight finishes (200, the
// object stored) and the process then exits 0.
TEST(ServeProcessTest, SigtermLetsAnUploadInFlightFinish) {
  TempDir dir;
  ServeProcess server{dir / "var", {}};
  const auto service = server.token(1, "service");
  const auto photographer = server.token(kPhotographer, "photographer");
  const auto json_call = [&](const std::string& path, const json& body, const std::string& token,
                             const std::string& method = "POST") {
    HttpCall c;
    c.method = method;
    c.url = server.base_url() + path;
    c.body = body.dump();
    c.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}};
    auto r = recorded_http(c);
    return std::make_pair(r.status, json::parse(r.body, nullptr, false));
  };
  auto listing = json_call("/api/v2/internal/listings/200",
                           {{"ownerId", kOwner},
                            {"photographerId", kPhotographer},
                            {"kind", "RESIDENTIAL"},
                            {"status", "PENDING_PHOTO_PROCESSING"}},
                           service, "PUT");
  ASSERT_EQ(listing.first, 200);
  const std::string data = test_bytes(static_cast<std::size_t>(4 * kMiB), 'z');
  auto created = json_call("/api/v2/listings/media/uploads",
                           {{"listingIdentityId", 200},
                            {"files",
                             {{{"clientId", "f-1"},
                               {"mediaType", "PHOTO_HORIZONTAL"},
                               {"filename", "a.jpg"},
                               {"contentType", "image/jpeg"},
                               {"bytes", data.size()},
                               {"checksumSha256", sha256_base64_of(data)},
                               {"sequence", 1}}}}},
                           photographer);
  ASSERT_EQ(created.first, 201) << created.second;
  const auto& upload = created.second.at("files")[0].at("upload");

  HttpCall put;
  put.method = "PUT";
  put.url = upload.at("url");
  for (const auto& [name, value] : upload.at("headers").items()) {
    put.headers.emplace_back(name, value.get<std::string>());
  }
  std::size_t sent = 0;
  std::atomic<bool> half_sent{false};
  put.reader_length = static_cast<curl_off_t>(data.size());
  put.reader = [&](char* buffer, std::size_t size) -> std::size_t {
    if (sent >= data.size() / 2 && !half_sent) {
      half_sent = true;
      std::this_thread::sleep_for(std::chrono::milliseconds{500});  // SIGTERM arrives meanwhile
    }
    const std::size_t n = std::min({size, data.size() - sent, std::size_t{64 * 1024}});
    std::copy_n(data.data() + sent, n, buffer);
    sent += n;
    return n;
  };
  HttpResult result;
  std::thread uploader([&] { result = recorded_http(put); });
  while (!half_sent) std::this_thread::sleep_for(std::chrono::milliseconds{5});
  const int exit_status = server.stop(SIGTERM);
  uploader.join();
  EXPECT_EQ(result.status, 200) << result.body;
  EXPECT_EQ(sent, data.size());
  EXPECT_EQ(exit_status, 0) << server.log_text();
}

// processing.mode aws with nothing reachable (Step Functions and S3 refuse connections): serve
// says at start which dependency does not answer (log line and stderr, with a hint) and keeps
// running; /readyz is 503 with the pipeline and the store unavailable, and stays so.
TEST(ServeProcessTest, AwsModeWithNothingReachableSaysSoAndIsNotReady) {
  TempDir dir;
  ServeProcess server{
      dir / "var",
      {{"TOQ_MEDIA_PROCESSING_MODE", "aws"},
       {"TOQ_MEDIA_AWS_STATE_MACHINE_ARN",
        "arn:aws:states:us-east-1:123456789012:stateMachine:toq-media-batch"},
       {"TOQ_MEDIA_AWS_ENDPOINTS_STEP_FUNCTIONS", "http://127.0.0.1:9"},
       {"TOQ_MEDIA_STORAGE_DRIVER", "s3"},
       {"TOQ_MEDIA_STORAGE_S3_ENDPOINT", "http://127.0.0.1:9"},
       {"TOQ_MEDIA_STORAGE_S3_BUCKET", "toq-test"},
       {"TOQ_MEDIA_STORAGE_S3_REGION", "us-east-1"},
       {"TOQ_MEDIA_STORAGE_S3_PATH_STYLE", "true"},
       {"TOQ_MEDIA_STORAGE_S3_ACCESS_KEY_ID", "AKIDEXAMPLE"},
       {"TOQ_MEDIA_STORAGE_S3_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}}};
  const auto said = server.find_log("aws mode: a dependency does not answer");
  ASSERT_TRUE(said) << server.log_text();
  EXPECT_EQ(said->at("dependency"), "Step Functions");
  EXPECT_EQ(said->at("code"), "PIPELINE_UNAVAILABLE");
  EXPECT_NE(said->at("error").get<std::string>().find("127.0.0.1:9"), std::string::npos)
      << said->dump();
  const auto log = server.log_text();
  EXPECT_NE(log.find("toq-media serve: aws mode: Step Functions does not answer"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("toq-media serve: aws mode: S3 does not answer"), std::string::npos) << log;
  for (int i = 0; i < 2; ++i) {
    HttpCall c;
    c.url = server.base_url() + "/readyz";
    const auto ready = recorded_http(c);
    ASSERT_EQ(ready.status, 503) << ready.body;
    const auto body = nlohmann::json::parse(ready.body);
    EXPECT_EQ(body.at("checks").at("pipeline"), "unavailable") << ready.body;
    EXPECT_EQ(body.at("checks").at("store"), "unavailable") << ready.body;
    EXPECT_EQ(body.at("checks").at("database"), "ok");
  }
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace toq::testing
