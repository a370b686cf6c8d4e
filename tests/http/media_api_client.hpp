#pragma once
// What the route and authorization-matrix HTTP tests share: JSON calls to a running
// `toq-media serve` (ServeProcess) with cached development tokens, the listing / batch / upload /
// complete steps as the platform and the photographer's page make them, and the processing
// stand-in (tests/service/processing_stand_in.hpp) run on the server's own SQLite database file
// (<dataDir>/toq-media.db, opened beside the server: SQLite WAL allows it, and both sides use
// BEGIN IMMEDIATE), so the route tests see every batch state without processing real media
// (tests/e2e does that).

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "adapter/sqlite/sqlite_database.hpp"
#include "http/http_client.hpp"
#include "http/serve_process.hpp"
#include "service/processing_stand_in.hpp"
#include "storage/http_client.hpp"

namespace toq::testing {

struct ApiReply {
  HttpResult raw;
  nlohmann::json body;  // null when the body is empty or not JSON
};

struct UploadFile {
  std::string client_id;
  std::string media_type;
  std::string data;
  std::int64_t sequence = 1;
};

inline std::string sha256_base64_of(const std::string& data) {
  std::array<unsigned char, 32> digest{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha256(), nullptr);
  std::array<unsigned char, 64> out{};
  const int n = EVP_EncodeBlock(out.data(), digest.data(), static_cast<int>(len));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

inline std::string test_bytes(std::size_t size, char seed) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    s[i] = static_cast<char>(seed + static_cast<char>(i % 251));
  }
  return s;
}

class MediaApi {
 public:
  explicit MediaApi(ServeProcess& server) : server_(server) {}

  // A token for (sub, role), made once with `toq-media token`. Empty role: no token.
  const std::string& token(std::int64_t sub, const std::string& role) {
    static const std::string kNone;
    if (role.empty()) return kNone;
    std::lock_guard lock(mutex_);
    auto key = std::make_pair(sub, role);
    auto it = tokens_.find(key);
    if (it == tokens_.end()) it = tokens_.emplace(key, server_.token(sub, role)).first;
    return it->second;
  }

  // Through recorded_http(): in the suites that record (tests/http/openapi_record.cmake), every
  // answer is checked against docs/openapi.yaml.
  ApiReply call(const std::string& method, const std::string& path,
                const std::optional<nlohmann::json>& body, const std::string& bearer,
                std::vector<std::pair<std::string, std::string>> headers = {}) const {
    HttpCall c;
    c.method = method;
    c.url = server_.base_url() + path;
    c.headers = std::move(headers);
    if (body) {
      c.body = body->dump();
      c.headers.emplace_back("Content-Type", "application/json");
    }
    if (!bearer.empty()) c.headers.emplace_back("Authorization", "Bearer " + bearer);
    ApiReply r{recorded_http(c), nullptr};
    if (!r.raw.body.empty()) r.body = nlohmann::json::parse(r.raw.body, nullptr, false);
    if (r.body.is_discarded()) r.body = nullptr;
    return r;
  }

  ApiReply post(const std::string& path, const nlohmann::json& body, const std::string& bearer,
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    return call("POST", path, body, bearer, std::move(headers));
  }

  // PUT /api/v2/internal/listings/{id} as the platform (role service); throws unless 200.
  void register_listing(std::int64_t id, const std::string& kind, const std::string& status,
                        std::int64_t owner = 11, std::int64_t photographer = 7) {
    const nlohmann::json body = {
        {"ownerId", owner}, {"photographerId", photographer}, {"kind", kind}, {"status", status}};
    auto r =
        call("PUT", "/api/v2/internal/listings/" + std::to_string(id), body, token(1, "service"));
    if (r.raw.status != 200) throw std::runtime_error("register listing: " + r.raw.body);
  }

  static nlohmann::json manifest(std::int64_t listing, const std::vector<UploadFile>& files) {
    nlohmann::json out = {{"listingIdentityId", listing}, {"batchReference", "sessao"}};
    out["files"] = nlohmann::json::array();
    for (const auto& f : files) {
      const bool doc = f.media_type == "PROJECT_DOC";
      const bool video = f.media_type.starts_with("VIDEO");
      out["files"].push_back({{"clientId", f.client_id},
                              {"mediaType", f.media_type},
                              {"filename", doc     ? "planta.pdf"
                                           : video ? "tour.mp4"
                                                   : "IMG_2907.jpg"},
                              {"contentType", doc     ? "application/pdf"
                                              : video ? "video/mp4"
                                                      : "image/jpeg"},
                              {"bytes", f.data.size()},
                              {"checksumSha256", sha256_base64_of(f.data)},
                              {"title", "Sala de estar"},
                              {"sequence", f.sequence}});
    }
    return out;
  }

  ApiReply create(std::int64_t listing, const std::vector<UploadFile>& files,
                  const std::string& bearer) {
    return post("/api/v2/listings/media/uploads", manifest(listing, files), bearer);
  }

  // Sends a file through its single-PUT instructions with exactly the headers given.
  static HttpResult put_single(const nlohmann::json& upload, const std::string& data) {
    HttpCall c;
    c.method = upload.at("method");
    c.url = upload.at("url");
    for (const auto& [name, value] : upload.at("headers").items()) {
      c.headers.emplace_back(name, value.get<std::string>());
    }
    c.body = data;
    return http(c);
  }

  // Sends one part; its ETag.
  static std::string put_part(const std::string& url, const std::string& bytes) {
    HttpCall c;
    c.method = "PUT";
    c.url = url;
    c.body = bytes;
    auto r = http(c);
    if (r.status != 200) throw std::runtime_error("part upload: " + r.body);
    return r.header("etag");
  }

  // Uploads every single-PUT file of a create answer (multipart files are the caller's).
  static void upload_singles(const nlohmann::json& created, const std::vector<UploadFile>& files) {
    for (const auto& f : created.at("files")) {
      if (!f.contains("upload")) continue;
      for (const auto& file : files) {
        if (file.client_id != f.at("clientId").get<std::string>()) continue;
        auto r = put_single(f.at("upload"), file.data);
        if (r.status != 200) throw std::runtime_error("upload: " + r.body);
      }
    }
  }

  ApiReply complete(std::int64_t listing, std::int64_t batch, const std::string& bearer,
                    nlohmann::json files = nlohmann::json::array(),
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    return post("/api/v2/listings/media/uploads/complete",
                {{"listingIdentityId", listing}, {"batchId", batch}, {"files", std::move(files)}},
                bearer, std::move(headers));
  }

  // create + upload + complete with `bearer`; the batch id. Throws on any unexpected answer.
  std::int64_t completed_batch(std::int64_t listing, const std::vector<UploadFile>& files,
                               const std::string& bearer) {
    auto created = create(listing, files, bearer);
    if (created.raw.status != 201) throw std::runtime_error("create: " + created.raw.body);
    upload_singles(created.body, files);
    const std::int64_t batch = created.body.at("batchId");
    auto done = complete(listing, batch, bearer);
    if (done.raw.status != 202) throw std::runtime_error("complete: " + done.raw.body);
    return batch;
  }

  // The processing stand-in on the server's database: the batch's active job runs to its end.
  core::Job process(std::int64_t batch, const StandInOptions& options = {}) {
    auto& db = database();
    auto job = run_job_stand_in(db, core::BatchId{batch}, system_now(), options);
    if (!job) throw std::runtime_error("stand-in: " + job.error().message);
    return *job;
  }

  core::Database& database() {
    std::lock_guard lock(mutex_);
    if (!db_) {
      auto db = sqlite::SqliteDatabase::open({server_.data_dir() / "toq-media.db", 10000, false});
      if (!db) throw std::runtime_error("open server database: " + db.error().message);
      db_ = std::move(*db);
    }
    return *db_;
  }

 private:
  static core::Timestamp system_now() { return core::SystemClock{}.now(); }

  ServeProcess& server_;
  std::mutex mutex_;
  std::map<std::pair<std::int64_t, std::string>, std::string> tokens_;
  std::unique_ptr<sqlite::SqliteDatabase> db_;
};

}  // namespace toq::testing
