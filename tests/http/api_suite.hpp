#pragma once
// What the suites of the basic API routes share (listings, uploads and complete, what every API
// request gets): one served toq-media (served_suite.hpp) with a lowered multipart threshold, 5 MiB
// (the part size's minimum), so a 6 MiB photo goes multipart, and a 256 KiB body limit; and the
// calls the platform and the photographer's page make, recorded for the OpenAPI check.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/http_client.hpp"
#include "http/served_suite.hpp"

namespace toq::testing {

inline constexpr std::int64_t kMiB = 1024 * 1024;
inline constexpr std::int64_t kPhotographer = 7;
inline constexpr std::int64_t kOwner = 11;

struct Reply {
  HttpResult raw;
  nlohmann::json body;
};

struct DeclaredFile {
  std::string client_id;
  std::string data;
  std::int64_t sequence;
};

template <class Suite>
class ApiSuite : public ServedSuite<Suite> {
 public:
  static std::map<std::string, std::string> server_env() {
    return {{"TOQ_MEDIA_STORAGE_MULTIPART_THRESHOLD_BYTES", "5MiB"},
            {"TOQ_MEDIA_STORAGE_PART_SIZE_BYTES", "5MiB"},
            {"TOQ_MEDIA_SERVER_MAX_BODY_BYTES", "256KiB"}};
  }

 protected:
  using Served = ServedSuite<Suite>;

  static const std::string& service_token() { return Served::api().token(1, "service"); }
  static const std::string& photographer_token() {
    return Served::api().token(kPhotographer, "photographer");
  }

  static Reply call(const std::string& method, const std::string& path,
                    const std::optional<std::string>& body, const std::string& token,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpCall c;
    c.method = method;
    c.url = Served::server().base_url() + path;
    c.body = body;
    c.headers = std::move(headers);
    if (body) c.headers.emplace_back("Content-Type", "application/json");
    if (!token.empty()) c.headers.emplace_back("Authorization", "Bearer " + token);
    Reply r{recorded_http(c), nullptr};
    if (!r.raw.body.empty()) r.body = nlohmann::json::parse(r.raw.body, nullptr, false);
    return r;
  }

  static void register_listing(std::int64_t id,
                               const std::string& status = "PENDING_PHOTO_PROCESSING") {
    const nlohmann::json body = {{"ownerId", kOwner},
                                 {"photographerId", kPhotographer},
                                 {"kind", "RESIDENTIAL"},
                                 {"status", status}};
    auto r = call("PUT", "/api/v2/internal/listings/" + std::to_string(id), body.dump(),
                  service_token());
    ASSERT_EQ(r.raw.status, 200) << r.raw.body;
  }

  static nlohmann::json manifest(std::int64_t listing, const std::vector<DeclaredFile>& files) {
    nlohmann::json out = {{"listingIdentityId", listing}, {"batchReference", "sessao"}};
    out["files"] = nlohmann::json::array();
    for (const auto& f : files) {
      out["files"].push_back({{"clientId", f.client_id},
                              {"mediaType", "PHOTO_HORIZONTAL"},
                              {"filename", f.client_id + ".jpg"},
                              {"contentType", "image/jpeg"},
                              {"bytes", f.data.size()},
                              {"checksumSha256", sha256_base64_of(f.data)},
                              {"title", "Sala"},
                              {"sequence", f.sequence}});
    }
    return out;
  }

  static Reply create(std::int64_t listing, const std::vector<DeclaredFile>& files,
                      const std::string& token) {
    return call("POST", "/api/v2/listings/media/uploads", manifest(listing, files).dump(), token);
  }

  // Uploads a file through its single-PUT instructions, sending exactly the given headers.
  static void put_single(const nlohmann::json& instructions, const std::string& data) {
    HttpCall c;
    c.method = instructions.at("method");
    c.url = instructions.at("url");
    for (const auto& [name, value] : instructions.at("headers").items()) {
      c.headers.emplace_back(name, value.template get<std::string>());
    }
    c.body = data;
    const auto r = recorded_http(c);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  static nlohmann::json complete_body(std::int64_t listing, std::int64_t batch,
                                      nlohmann::json files = nlohmann::json::array()) {
    return {{"listingIdentityId", listing}, {"batchId", batch}, {"files", std::move(files)}};
  }
};

}  // namespace toq::testing
