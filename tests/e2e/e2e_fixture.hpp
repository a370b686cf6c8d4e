#pragma once
// One real `toq-media serve` (embedded default: SQLite, local store, worker children; or MariaDB +
// s3rver with TOQ_E2E_BACKEND=mariadb-s3, see e2e_support.hpp) per test,
// with a webhook receiver that verifies every delivery's signature, and the checks the e2e and
// incident suites share: the ZIP against its manifest, every variant with independent tools, the
// job rows of a batch.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/e2e_support.hpp"
#include "support/temp_dir.hpp"
#include "webhook/receiver_process.hpp"

namespace toq::e2e {

inline constexpr const char* kWebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class ServiceTest : public ::testing::Test {
 protected:
  // Extra TOQ_MEDIA_* settings of a suite.
  virtual std::map<std::string, std::string> settings() const { return {}; }
  // Which services serve runs on (TOQ_E2E_BACKEND by default).
  virtual ServiceBackends::When backends() const { return ServiceBackends::When::kRequested; }

  void SetUp() override {
    receiver_ = std::make_unique<webhook::testing::ReceiverProcess>(kWebhookSecret,
                                                                    tmp_.path() / "webhooks.log");
    std::map<std::string, std::string> env = {
        {"TOQ_MEDIA_PROCESSING_WORKERS", "2"},
        {"TOQ_MEDIA_PROCESSING_POLL_MILLIS", "100"},
        {"TOQ_MEDIA_WEBHOOKS_URL", receiver_->url("/hooks/media")},
        {"TOQ_MEDIA_WEBHOOKS_SECRET", kWebhookSecret},
    };
    backends_ = std::make_unique<ServiceBackends>(tmp_.path() / "services", data_dir(), backends());
    for (const auto& [k, v] : backends_->env()) env[k] = v;
    for (const auto& [k, v] : settings()) env[k] = v;
    env_ = env;
    server_ = std::make_unique<ServeProcess>(data_dir(), env);
    client_ = std::make_unique<Client>(*server_);
  }

  // serve stopped with `sig` (its exit status returned) and started again on the same data dir and
  // settings, logging to a file of its own (so the old log's "listening" line is not taken for it).
  int restart_server(int sig) {
    const int status = server_->stop(sig);
    server_ = std::make_unique<ServeProcess>(
        data_dir(), env_, tmp_.path() / ("serve-" + std::to_string(++restarts_) + ".log"));
    client_->rebind(*server_);
    return status;
  }

  void TearDown() override {
    if (HasFailure() && server_) {
      std::cout << "---- server log (tail) ----\n";
      const auto log = server_->log_text();
      std::cout << log.substr(log.size() > 20000 ? log.size() - 20000 : 0) << std::endl;
    }
    if (server_) {
      EXPECT_EQ(server_->stop(SIGTERM), 0);
    }
    // TOQ_E2E_KEEP=DIR keeps a failed test's data dir (database, store, logs) for a post-mortem.
    if (const char* keep = std::getenv("TOQ_E2E_KEEP"); keep && *keep && HasFailure()) {
      std::error_code ec;
      std::filesystem::copy(tmp_.path(), keep, std::filesystem::copy_options::recursive, ec);
      std::cout << "kept " << tmp_.path() << " in " << keep << ": " << ec.message() << std::endl;
    }
  }

  std::filesystem::path data_dir() const { return tmp_.path() / "data"; }

  // serve's /metrics now.
  std::string scrape() const {
    HttpCall c;
    c.method = "GET";
    c.url = server_->base_url() + "/metrics";
    const auto r = testing::http(c);
    EXPECT_EQ(r.status, 200);
    return r.body;
  }
  // A sample's value ("name" or "name{labels}"), 0 when absent.
  static double sample(const std::string& text, const std::string& series) {
    std::istringstream lines{text};
    std::string line;
    while (std::getline(lines, line)) {
      if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
    }
    return 0;
  }

  // The webhook deliveries of `type` for `batch` (the receiver checked each signature).
  std::vector<nlohmann::json> deliveries(const std::string& type, std::int64_t batch) const {
    std::vector<nlohmann::json> out;
    for (const auto& r : receiver_->requests()) {
      auto body = nlohmann::json::parse(
          run_ok("echo " + shell_quote(r.value("body_b64", "")) + " | base64 -d"), nullptr, false);
      if (body.is_discarded() || !body.is_object()) continue;
      if (body.value("type", "") != type || body.value("batchId", std::int64_t{0}) != batch) {
        continue;
      }
      body["_verified"] = r.value("verified", false);
      body["_traceparent"] = r.contains("traceparent") ? r["traceparent"] : nlohmann::json();
      body["_reason"] = r.value("reason", "");
      out.push_back(std::move(body));
    }
    return out;
  }

  // Waits (liveness bound) until a `type` delivery for `batch` (and `job`) arrived; the delivery.
  nlohmann::json wait_delivery(const std::string& type, std::int64_t batch, std::int64_t job) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds{120};
    while (std::chrono::steady_clock::now() < end) {
      for (auto& d : deliveries(type, batch)) {
        if (d.value("jobId", std::int64_t{0}) == job) return d;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{200});
    }
    throw std::runtime_error("no " + type + " webhook for batch " + std::to_string(batch));
  }

  nlohmann::json jobs_of(std::int64_t batch) const {
    return sql(data_dir(),
               "SELECT id, run, attempt, status, created_at, started_at, completed_at, "
               "archive_key, archive_bytes, archive_sha256_hex, error_code, traceparent "
               "FROM jobs WHERE batch_id = " +
                   std::to_string(batch) + " ORDER BY run");
  }

  // The batch's ZIP, fetched through the downloads answer: checks the answer's zip fields, the
  // Content-Disposition, `unzip -t`, and every entry against manifesto.json; the manifest.
  nlohmann::json check_zip(const nlohmann::json& downloads, std::int64_t listing,
                           const std::vector<InputFile>& inputs) {
    const auto& zip = downloads.at("zip");
    EXPECT_EQ(zip.at("filename"), "imovel-" + std::to_string(listing) + "-midias.zip");
    auto got = Client::get(zip.at("url"));
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(static_cast<std::int64_t>(got.body.size()), zip.at("bytes").get<std::int64_t>());
    const std::string sha = zip.at("sha256");
    EXPECT_TRUE(sha == sha256_hex(got.body) || sha == testing::sha256_base64_of(got.body)) << sha;
    // The friendly name travels in the signed URL and comes back as Content-Disposition.
    const auto disposition = got.header("content-disposition");
    EXPECT_NE(disposition.find("attachment"), std::string::npos) << disposition;
    EXPECT_NE(disposition.find(zip.at("filename").get<std::string>()), std::string::npos)
        << disposition;

    const auto path = tmp_.path() / ("batch-" + std::to_string(downloads.value("batchId", 0)) +
                                     "-" + std::to_string(++zip_counter_) + ".zip");
    write_file(path, got.body);
    const auto entries = zip_entries(path);
    EXPECT_TRUE(entries.contains("manifesto.json")) << entries.dump();
    const auto manifest = zip_member_json(path, "manifesto.json");
    EXPECT_EQ(manifest.at("listingIdentityId"), listing);
    EXPECT_EQ(manifest.at("batchId"), downloads.at("batchId"));
    const auto& listed = manifest.at("entries");
    EXPECT_EQ(listed.size(), inputs.size());
    EXPECT_EQ(entries.size(), inputs.size() + 1) << entries.dump(1);
    std::string previous_group;
    for (const auto& e : listed) {
      const std::string name = e.at("path");
      SCOPED_TRACE(name);
      if (!entries.contains(name)) {
        ADD_FAILURE() << "not in the ZIP: " << name << " " << entries.dump(1);
        continue;
      }
      EXPECT_EQ(entries[name].at("size"), e.at("bytes"));
      EXPECT_EQ(entries[name].at("sha256"), e.at("sha256"));
      EXPECT_EQ(entries[name].at("compress_type"), 0) << "media entries are stored, not deflated";
      const auto in = std::find_if(inputs.begin(), inputs.end(), [&](const InputFile& f) {
        return f.client_id == e.at("clientId").get<std::string>();
      });
      if (in == inputs.end()) {
        ADD_FAILURE() << "not an input: " << e.dump();
        continue;
      }
      EXPECT_EQ(e.at("mediaType"), in->media_type);
      EXPECT_EQ(e.at("title"), in->title);
      EXPECT_EQ(e.at("filename"), in->filename);
      EXPECT_EQ(e.at("sequence"), in->sequence);
      const bool video = in->media_type.starts_with("VIDEO");
      const std::string folder = video ? "videos/" : "fotos/";
      EXPECT_TRUE(name.starts_with(folder)) << name;
      EXPECT_TRUE(name.ends_with(video ? ".mp4" : ".jpg")) << name;
      char number[8];
      std::snprintf(number, sizeof number, "%02d-", static_cast<int>(in->sequence));
      EXPECT_EQ(name.substr(folder.size(), 3), number) << name;
      // Photos before videos.
      if (previous_group == "videos/") {
        EXPECT_EQ(folder, "videos/") << name;
      }
      previous_group = folder;
    }
    return manifest;
  }

  // Every variant of every asset in a downloads answer, fetched and measured with independent
  // tools; `upright` gives each clientId's displayed size (what the variants must follow).
  void check_variants(const nlohmann::json& downloads, const std::vector<InputFile>& inputs,
                      const std::map<std::string, std::pair<int, int>>& upright,
                      const nlohmann::json& status, int* fetched) {
    std::map<std::int64_t, std::string> client_of;
    for (const auto& a : status.at("assets")) client_of[a.at("assetId")] = a.at("clientId");
    for (const auto& asset : downloads.at("assets")) {
      const std::string client = client_of.at(asset.at("assetId"));
      SCOPED_TRACE("asset " + client);
      const auto in = std::find_if(inputs.begin(), inputs.end(),
                                   [&](const InputFile& f) { return f.client_id == client; });
      ASSERT_NE(in, inputs.end());
      const auto [w, h] = upright.at(client);
      EXPECT_EQ(asset.at("width"), w);
      EXPECT_EQ(asset.at("height"), h);
      const bool video = in->media_type.starts_with("VIDEO");
      std::set<std::string> names;
      for (const auto& v : asset.at("variants")) {
        const std::string name = v.at("name");
        const std::string format = v.at("format");
        SCOPED_TRACE(name + "." + format);
        names.insert(name + "." + format);
        auto got = Client::get(v.at("url"));
        ASSERT_EQ(got.status, 200) << got.body.substr(0, 300);
        ++*fetched;
        EXPECT_EQ(static_cast<std::int64_t>(got.body.size()), v.at("bytes").get<std::int64_t>());
        EXPECT_FALSE(got.header("content-disposition").empty());
        if (name == "original") {
          EXPECT_TRUE(got.body == in->data) << "the original is the uploaded file, byte for byte";
          continue;
        }
        const auto file = tmp_.path() / ("variant." + format);
        write_file(file, got.body);
        const auto facts = inspect(file, format);
        EXPECT_EQ(facts.width, v.at("width").get<int>()) << facts.kind;
        EXPECT_EQ(facts.height, v.at("height").get<int>()) << facts.kind;
        // The variant follows the displayed orientation of its source (EXIF / rotation applied).
        if (w != h) {
          EXPECT_EQ(facts.width > facts.height, w > h) << facts.width << "x" << facts.height;
        }
        const int long_edge = std::max(facts.width, facts.height);
        const int short_edge = std::min(facts.width, facts.height);
        const int src_long = std::max(w, h);
        const int src_short = std::min(w, h);
        if (format == "jpeg") {
          EXPECT_NE(facts.kind.find("jpeg image data"), std::string::npos) << facts.kind;
        } else if (format == "webp") {
          EXPECT_NE(facts.kind.find("web/p image"), std::string::npos) << facts.kind;
        } else if (format == "mp4") {
          EXPECT_NE(facts.kind.find("iso media"), std::string::npos) << facts.kind;
          EXPECT_NE(facts.format_name.find("mp4"), std::string::npos) << facts.format_name;
          EXPECT_EQ(facts.video_codec, "h264");
          if (!facts.audio_codec.empty()) {
            EXPECT_EQ(facts.audio_codec, "aac");
          }
          EXPECT_EQ(facts.width % 2, 0);
          EXPECT_EQ(facts.height % 2, 0);
        } else {
          ADD_FAILURE() << "unexpected variant format " << format;
        }
        const std::map<std::string, int> photo_caps = {
            {"thumbnail", 320}, {"small", 640}, {"medium", 1280}, {"large", 1920}};
        if (!video) {
          ASSERT_TRUE(photo_caps.contains(name)) << name;
          // The long edge is the size's, never upscaled; the aspect ratio is kept.
          EXPECT_EQ(long_edge, std::min(photo_caps.at(name), src_long));
          const double expected_short = double(src_short) * long_edge / src_long;
          EXPECT_LE(std::abs(short_edge - expected_short), 1.01) << short_edge;
        } else if (name == "720p" || name == "1080p") {
          EXPECT_EQ(format, "mp4");
          EXPECT_LE(short_edge, name == "720p" ? 720 : 1080);
          EXPECT_LE(short_edge, src_short + 1);
          const double ratio = double(long_edge) / short_edge;
          EXPECT_NEAR(ratio, double(src_long) / src_short, 0.05);
        } else if (name == "poster" || name == "thumbnail") {
          EXPECT_EQ(format, "jpeg");
          if (name == "thumbnail") {
            EXPECT_LE(long_edge, 320);
          }
          EXPECT_LE(long_edge, src_long);
        } else {
          ADD_FAILURE() << "unexpected video variant " << name;
        }
      }
      if (video) {
        EXPECT_TRUE(names.contains("poster.jpeg"));
        EXPECT_TRUE(names.contains("thumbnail.jpeg"));
        EXPECT_TRUE(names.contains("720p.mp4"));
        EXPECT_EQ(names.contains("1080p.mp4"), std::min(w, h) >= 1080);
      } else {
        for (const auto* n : {"thumbnail", "small", "medium", "large"}) {
          EXPECT_TRUE(names.contains(std::string(n) + ".jpeg")) << n;
          EXPECT_TRUE(names.contains(std::string(n) + ".webp")) << n;
        }
      }
      EXPECT_TRUE(names.contains("original." + std::string(video ? "mp4" : "jpeg")) ||
                  std::any_of(names.begin(), names.end(),
                              [](const std::string& n) { return n.starts_with("original."); }))
          << "the photographer sees the original";
    }
  }

  testing::TempDir tmp_{};
  std::unique_ptr<ServiceBackends> backends_;  // outlives the server, stopped before tmp_ goes
  std::unique_ptr<webhook::testing::ReceiverProcess> receiver_;
  std::map<std::string, std::string> env_;  // serve's settings
  int restarts_ = 0;
  std::unique_ptr<ServeProcess> server_;
  std::unique_ptr<Client> client_;
  int zip_counter_ = 0;
};

// The renditions the database records for a batch's assets under `job`: key -> row.
inline std::map<std::string, nlohmann::json> renditions_of(const std::filesystem::path& data_dir,
                                                           std::int64_t batch, std::int64_t job) {
  std::map<std::string, nlohmann::json> out;
  for (auto& r : sql(data_dir,
                     "SELECT r.asset_id, r.job_id, r.name, r.format, r.width, r.height, r.bytes, "
                     "r.key, r.sha256_hex FROM renditions r JOIN assets a ON a.id = r.asset_id "
                     "WHERE a.batch_id = " +
                         std::to_string(batch) + " AND r.job_id = " + std::to_string(job))) {
    out.emplace(r.at("key").get<std::string>(), r);
  }
  return out;
}

inline std::string batch_prefix(std::int64_t listing, std::int64_t batch) {
  return "listings/" + std::to_string(listing) + "/batches/" + std::to_string(batch) + "/";
}

}  // namespace toq::e2e
