#pragma once
// What the end-to-end suites share: the real `toq-media serve` (ServeProcess) with its real worker
// children, driven over HTTP exactly as the platform and the photographer's page drive it (the
// manifest from real corpus files, single PUTs with the given headers, multipart parts with their
// ETags, complete, status polling), plus read-only looks at the outcome with independent tools:
// the sqlite3 CLI on the server's database, python's zipfile and `unzip -t` on the ZIP, vipsheader,
// ffprobe and `file` on every variant.
//
// The backends: by default serve runs the embedded default (SQLite and the local store in its data
// dir). With TOQ_E2E_BACKEND=mariadb-s3 each test's serve runs on a MariaDB server and an s3rver
// of its own (ServiceBackends: scripts/services.sh into the test's temp dir), and the same looks
// read that database (the mariadb CLI) and s3rver's files. TOQ_E2E_BACKEND=aws adds the offline
// rehearsal of the AWS path (services.sh's `aws`): serve runs in processing.mode aws, relays each
// job to the rehearsal's Step Functions, whose tasks run the real `toq-media lambda|task`, and
// takes the signed callback.
//
// Contract: every helper throws std::runtime_error (with the server's answer) on an unexpected
// answer, so a test fails with the reason instead of waiting; wait_terminal() gives up after
// `limit` (a liveness bound against a hang, not a speed assertion).

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <unistd.h>

#include "http/media_api_client.hpp"
#include "http/serve_process.hpp"
#include "storage/http_client.hpp"
#include "support/shell.hpp"
#include "support/text.hpp"

namespace toq::e2e {

using testing::HttpCall;
using testing::HttpResult;
using testing::MediaApi;
using testing::ServeProcess;
using testing::shell_quote;

inline std::filesystem::path corpus_dir() {
  return TOQ_CORPUS_DIR;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& data) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

inline std::string sha256_hex(const std::string& data) {
  std::array<unsigned char, 32> digest{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

// One file of a batch, read from the corpus.
struct InputFile {
  std::string client_id;
  std::string corpus_file;  // name in TOQ_CORPUS_DIR
  std::string media_type;
  std::string content_type;
  std::string filename;  // declared (what the photographer's disk called it)
  std::string title;
  std::int64_t sequence = 1;
  std::string data{};  // filled by load()
};

inline InputFile load(InputFile f) {
  f.data = read_file(corpus_dir() / f.corpus_file);
  return f;
}

// Runs a command line; its output, or throws with it when the exit status is not 0.
inline std::string run_ok(const std::string& command) {
  auto r = testing::run_capture(command);
  if (r.status != 0) {
    throw std::runtime_error("command failed (" + std::to_string(r.status) + "): " + command +
                             "\n" + r.output);
  }
  return r.output;
}

// The external services a data dir's serve runs on (TOQ_E2E_BACKEND=mariadb-s3 or aws).
struct ExternalStore {
  std::map<std::string, std::string> env;  // DIR/env.sh of scripts/services.sh
  std::filesystem::path s3_bucket_dir;     // s3rver's files of bucket toq-test
};
inline std::map<std::string, ExternalStore>& external_backends() {
  static std::map<std::string, ExternalStore> registry;
  return registry;
}
inline const ExternalStore* external_for(const std::filesystem::path& data_dir) {
  const auto it = external_backends().find(std::filesystem::absolute(data_dir).string());
  return it == external_backends().end() ? nullptr : &it->second;
}
inline bool aws_backend_requested() {
  const char* b = std::getenv("TOQ_E2E_BACKEND");
  return b != nullptr && std::string(b) == "aws";
}
inline bool external_backend_requested() {
  const char* b = std::getenv("TOQ_E2E_BACKEND");
  return b != nullptr && (std::string(b) == "mariadb-s3" || std::string(b) == "aws");
}

// The `export NAME='value'` lines of a services.sh env file.
inline std::map<std::string, std::string> read_env_lines(const std::filesystem::path& file);

// A MariaDB + s3rver pair for one serve's data dir (started with scripts/services.sh into
// `dir`, stopped at the end), with the AWS rehearsal when TOQ_E2E_BACKEND is aws (or `when` says
// so), or nothing when TOQ_E2E_BACKEND names neither.
class ServiceBackends {
 public:
  enum class When : std::uint8_t { kRequested, kAlways, kWithAws };
  ServiceBackends(const std::filesystem::path& dir, const std::filesystem::path& data_dir,
                  When when = When::kRequested)
      : dir_(dir), data_dir_(std::filesystem::absolute(data_dir).string()) {
    if (when == When::kRequested && !external_backend_requested()) return;
    const bool aws =
        when == When::kWithAws || (when == When::kRequested && aws_backend_requested());
    // The rehearsal runs this build's toq-media, with every Retry interval 0.
    run_ok(testing::services_owned_by_this_process() + "TOQ_MEDIA_BINARY='" + TOQ_MEDIA_BINARY +
           "' TOQ_REHEARSAL_FAST_RETRIES=1 '" + TOQ_SERVICES_SCRIPT + "' start " +
           shell_quote(dir.string()) + (aws ? " mariadb s3 aws" : " mariadb s3") + " 2>&1");
    started_ = true;
    ExternalStore store;
    store.env = read_env_lines(dir / "env.sh");
    for (const auto& e : std::filesystem::directory_iterator(dir / "s3" / "tmp")) {
      store.s3_bucket_dir = e.path() / "toq-test";
    }
    external_backends()[data_dir_] = std::move(store);
  }
  ~ServiceBackends() {
    external_backends().erase(data_dir_);
    if (started_) {
      testing::run_shell(std::string("'") + TOQ_SERVICES_SCRIPT + "' stop " +
                         shell_quote(dir_.string()) + " >/dev/null 2>&1");
    }
  }
  ServiceBackends(const ServiceBackends&) = delete;
  ServiceBackends& operator=(const ServiceBackends&) = delete;

  // TOQ_MEDIA_* for serve and worker (empty for the embedded default).
  std::map<std::string, std::string> env() const {
    const auto* e = external_for(data_dir_);
    return e ? e->env : std::map<std::string, std::string>{};
  }
  // The AWS rehearsal's endpoint (http://127.0.0.1:PORT), when it runs.
  std::string rehearsal_url() const {
    const auto e = env();
    const auto it = e.find("TOQ_MEDIA_AWS_ENDPOINTS_STEP_FUNCTIONS");
    return it == e.end() ? std::string() : it->second;
  }
  // `scripts/services.sh restart DIR mariadb`: the database server stopped and started again.
  void restart_database() const { services("restart", "mariadb"); }
  // The database server alone stopped (cleanly), and started again on the same port and data.
  void stop_database() const { services("stop", "mariadb"); }
  void start_database() const { services("start", "mariadb"); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  void services(const std::string& action, const std::string& service) const {
    run_ok(testing::services_owned_by_this_process() + "'" + TOQ_SERVICES_SCRIPT + "' " + action +
           " " + shell_quote(dir_.string()) + " " + service + " 2>&1");
  }
  std::filesystem::path dir_;
  std::string data_dir_;
  bool started_ = false;
};

inline std::map<std::string, std::string> read_env_lines(const std::filesystem::path& file) {
  std::map<std::string, std::string> out;
  std::istringstream lines{read_file(file)};
  std::string line;
  while (std::getline(lines, line)) {
    const auto eq = line.find('=');
    if (!line.starts_with("export ") || eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
      value = value.substr(1, value.size() - 2);
    }
    out[line.substr(7, eq - 7)] = value;
  }
  return out;
}

// `mariadb --batch` output (a header line, tab-separated, \t \n \\ escaped, NULL) as JSON
// objects: integers as numbers, NULL as null, the rest as strings.
inline nlohmann::json parse_batch_output(const std::string& out) {
  auto rows = nlohmann::json::array();
  std::istringstream lines{out};
  std::string line;
  std::vector<std::string> names;
  auto split = [](const std::string& l) {
    std::vector<std::string> cells;
    std::string cell;
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (l[i] == '\t') {
        cells.push_back(cell);
        cell.clear();
      } else if (l[i] == '\\' && i + 1 < l.size()) {
        const char c = l[++i];
        cell.push_back(c == 'n' ? '\n' : c == 't' ? '\t' : c == '0' ? '\0' : c);
      } else {
        cell.push_back(l[i]);
      }
    }
    cells.push_back(cell);
    return cells;
  };
  while (std::getline(lines, line)) {
    auto cells = split(line);
    if (names.empty()) {
      names = cells;
      continue;
    }
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t i = 0; i < names.size() && i < cells.size(); ++i) {
      const auto& v = cells[i];
      const bool integer =
          !v.empty() && v.size() < 19 &&
          v.find_first_not_of("0123456789", v[0] == '-' ? 1 : 0) == std::string::npos && v != "-";
      if (v == "NULL") {
        row[names[i]] = nullptr;
      } else if (integer) {
        row[names[i]] = std::stoll(v);
      } else {
        row[names[i]] = v;
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// A query on the server's database, read-only: the sqlite3 CLI on the embedded database, or the
// mariadb CLI on the external one; the rows as JSON objects.
inline nlohmann::json sql(const std::filesystem::path& data_dir, const std::string& query) {
  if (const auto* ext = external_for(data_dir)) {
    const auto& e = ext->env;
    return parse_batch_output(run_ok(
        "mariadb --no-defaults --batch -h " + e.at("TOQ_MEDIA_DATABASE_MYSQL_HOST") + " -P " +
        e.at("TOQ_MEDIA_DATABASE_MYSQL_PORT") + " -u " + e.at("TOQ_MEDIA_DATABASE_MYSQL_USER") +
        " " + shell_quote("-p" + e.at("TOQ_MEDIA_DATABASE_MYSQL_PASSWORD")) + " " +
        e.at("TOQ_MEDIA_DATABASE_MYSQL_DATABASE") + " -e " + shell_quote(query)));
  }
  const auto out =
      run_ok("sqlite3 -readonly -json -cmd '.timeout 10000' " +
             shell_quote((data_dir / "toq-media.db").string()) + " " + shell_quote(query));
  if (out.find_first_not_of(" \n\r\t") == std::string::npos) return nlohmann::json::array();
  return nlohmann::json::parse(out);
}

constexpr std::string_view kS3rverSuffix = "._S3rver_object";

// The store's file for `key`: the embedded store's (LocalObjectStore layout:
// <root>/objects/<key>) or s3rver's (<bucket dir>/<key>._S3rver_object).
inline std::filesystem::path object_path(const std::filesystem::path& data_dir,
                                         const std::string& key) {
  if (const auto* ext = external_for(data_dir)) {
    return ext->s3_bucket_dir / (key + std::string(kS3rverSuffix));
  }
  return data_dir / "objects" / "objects" / key;
}

// An object's bytes from its store file (src/adapter/storage/object_file.hpp: a 4 KiB text header
// starting "toq-object 1", then the bytes); throws when the file is not such an object.
inline std::string object_bytes(const std::filesystem::path& file) {
  constexpr std::size_t kHeaderSize = 4096;
  auto raw = read_file(file);
  if (file.string().ends_with(kS3rverSuffix)) return raw;  // s3rver keeps the bytes as they are
  if (raw.size() < kHeaderSize || !raw.starts_with("toq-object 1\n")) {
    throw std::runtime_error("not a store object file: " + file.string());
  }
  return raw.substr(kHeaderSize);
}

inline std::string read_object(const std::filesystem::path& data_dir, const std::string& key) {
  return object_bytes(object_path(data_dir, key));
}

// Every object whose key starts with `prefix`, key -> SHA-256 hex.
inline std::map<std::string, std::string> objects_under(const std::filesystem::path& data_dir,
                                                        const std::string& prefix) {
  std::map<std::string, std::string> out;
  const auto* ext = external_for(data_dir);
  const auto root = ext ? ext->s3_bucket_dir : data_dir / "objects" / "objects";
  const auto dir = root / prefix;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    auto key = std::filesystem::relative(e.path(), root).generic_string();
    if (ext) {
      if (!key.ends_with(kS3rverSuffix)) continue;  // s3rver's metadata beside each object
      key.resize(key.size() - kS3rverSuffix.size());
    }
    out.emplace(std::move(key), sha256_hex(object_bytes(e.path())));
  }
  return out;
}

class Client {
 public:
  explicit Client(ServeProcess& server)
      : server_(&server), api_(std::make_unique<MediaApi>(server)) {}

  // After a restart of the server (new port, same data dir and secret).
  void rebind(ServeProcess& server) {
    server_ = &server;
    api_ = std::make_unique<MediaApi>(server);
  }

  MediaApi& api() { return *api_; }
  const std::string& service() { return api_->token(1, "service"); }
  const std::string& photographer() { return api_->token(kPhotographer, "photographer"); }
  const std::string& owner() { return api_->token(kOwner, "owner"); }

  static constexpr std::int64_t kOwner = 11;
  static constexpr std::int64_t kPhotographer = 7;

  void register_listing(std::int64_t listing) {
    api_->register_listing(listing, "RESIDENTIAL", "PENDING_PHOTO_PROCESSING", kOwner,
                           kPhotographer);
  }

  std::string listing_status(std::int64_t listing) {
    auto r = api_->call("GET", "/api/v2/internal/listings/" + std::to_string(listing), std::nullopt,
                        service());
    if (r.raw.status != 200) throw std::runtime_error("get listing: " + r.raw.body);
    return r.body.at("status");
  }

  static nlohmann::json manifest(std::int64_t listing, const std::vector<InputFile>& files) {
    nlohmann::json out = {{"listingIdentityId", listing}, {"batchReference", "sessao-e2e"}};
    out["files"] = nlohmann::json::array();
    for (const auto& f : files) {
      out["files"].push_back({{"clientId", f.client_id},
                              {"mediaType", f.media_type},
                              {"filename", f.filename},
                              {"contentType", f.content_type},
                              {"bytes", f.data.size()},
                              {"checksumSha256", testing::sha256_base64_of(f.data)},
                              {"title", f.title},
                              {"sequence", f.sequence}});
    }
    return out;
  }

  // POST uploads; the 201 body.
  nlohmann::json create(std::int64_t listing, const std::vector<InputFile>& files) {
    return create_call(listing, files).body;
  }
  // POST uploads with extra request headers; the 201 answer.
  testing::ApiReply create_call(std::int64_t listing, const std::vector<InputFile>& files,
                                std::vector<std::pair<std::string, std::string>> headers = {}) {
    auto r = api_->post("/api/v2/listings/media/uploads", manifest(listing, files), photographer(),
                        std::move(headers));
    if (r.raw.status != 201) throw std::runtime_error("create batch: " + r.raw.body);
    return r;
  }

  // Uploads every file of a create answer as a browser would: one PUT with exactly the given
  // headers, or each multipart part (its byte range of the file) keeping the ETag. The `files`
  // array that complete needs (the multipart files' parts).
  static nlohmann::json upload(const nlohmann::json& created, const std::vector<InputFile>& files,
                               int* multipart_files = nullptr) {
    auto parts_out = nlohmann::json::array();
    for (const auto& f : created.at("files")) {
      const InputFile* in = nullptr;
      for (const auto& file : files) {
        if (file.client_id == f.at("clientId").get<std::string>()) in = &file;
      }
      if (in == nullptr) throw std::runtime_error("unknown clientId in answer: " + f.dump());
      if (f.contains("upload")) {
        auto r = MediaApi::put_single(f.at("upload"), in->data);
        if (r.status != 200) throw std::runtime_error("PUT " + in->client_id + ": " + r.body);
        continue;
      }
      const auto& mp = f.at("multipart");
      const std::int64_t part_size = mp.at("partSizeBytes");
      auto parts = nlohmann::json::array();
      for (const auto& p : mp.at("parts")) {
        const std::int64_t number = p.at("partNumber");
        const std::int64_t bytes = p.at("bytes");
        const auto offset = static_cast<std::size_t>((number - 1) * part_size);
        const auto etag = MediaApi::put_part(
            p.at("url"), in->data.substr(offset, static_cast<std::size_t>(bytes)));
        if (etag.empty()) throw std::runtime_error("part without ETag: " + in->client_id);
        parts.push_back({{"partNumber", number}, {"etag", etag}});
      }
      parts_out.push_back({{"clientId", in->client_id}, {"parts", parts}});
      if (multipart_files != nullptr) ++*multipart_files;
    }
    return parts_out;
  }

  testing::ApiReply complete(std::int64_t listing, std::int64_t batch,
                             nlohmann::json files = nlohmann::json::array(),
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
    return api_->complete(listing, batch, photographer(), std::move(files), std::move(headers));
  }

  // create + upload + complete (202); the batch id.
  std::int64_t submit(std::int64_t listing, const std::vector<InputFile>& files,
                      int* multipart_files = nullptr) {
    auto created = create(listing, files);
    auto parts = upload(created, files, multipart_files);
    const std::int64_t batch = created.at("batchId");
    auto done = complete(listing, batch, parts);
    if (done.raw.status != 202) throw std::runtime_error("complete: " + done.raw.body);
    return batch;
  }

  nlohmann::json status(std::int64_t listing, std::int64_t batch) {
    auto r = api_->post("/api/v2/listings/media/status",
                        {{"listingIdentityId", listing}, {"batchId", batch}}, photographer());
    if (r.raw.status != 200) throw std::runtime_error("status: " + r.raw.body);
    return r.body;
  }

  // Polls status until the batch is READY or FAILED (and, when given, its job is `job`), printing
  // progress as it changes; the last status body.
  nlohmann::json wait_terminal(std::int64_t listing, std::int64_t batch,
                               std::optional<std::int64_t> job = std::nullopt,
                               std::chrono::seconds limit = std::chrono::seconds{600}) {
    const auto start = std::chrono::steady_clock::now();
    std::string last;
    while (true) {
      auto s = status(listing, batch);
      const std::string st = s.at("status");
      const auto progress = s.value("progress", nlohmann::json::object()).dump();
      const auto line = st + " " + progress;
      if (line != last) {
        std::cout << "  batch " << batch << ": " << line << " ("
                  << std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count()
                  << " ms)" << std::endl;
        last = line;
      }
      const bool job_ok = !job || (s.contains("job") && s["job"].is_object() &&
                                   s["job"].value("jobId", std::int64_t{0}) == *job);
      if ((st == "READY" || st == "FAILED") && job_ok) return s;
      if (std::chrono::steady_clock::now() - start > limit) {
        throw std::runtime_error("batch " + std::to_string(batch) + " did not finish: " + s.dump());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{200});
    }
  }

  testing::ApiReply downloads(std::int64_t listing, std::optional<std::int64_t> batch,
                              const std::string& bearer) {
    nlohmann::json body = {{"listingIdentityId", listing}};
    if (batch) body["batchId"] = *batch;
    return api_->post("/api/v2/listings/media/downloads", body, bearer);
  }

  testing::ApiReply retry(std::int64_t listing, std::int64_t batch) {
    return api_->post("/api/v2/listings/media/uploads/retry",
                      {{"listingIdentityId", listing}, {"batchId", batch}}, photographer());
  }

  static HttpResult get(const std::string& url) {
    HttpCall c;
    c.url = url;
    return testing::http(c);
  }

 private:
  ServeProcess* server_;
  std::unique_ptr<MediaApi> api_;
};

// What the ZIP holds, read with python's zipfile (independent of libarchive): name -> {size,
// sha256}; and `unzip -t` must pass on it.
inline nlohmann::json zip_entries(const std::filesystem::path& zip) {
  run_ok("unzip -tq " + shell_quote(zip.string()));
  const std::string script =
      "import hashlib,json,sys,zipfile\n"
      "z=zipfile.ZipFile(sys.argv[1])\n"
      "assert z.testzip() is None\n"
      "print(json.dumps({i.filename:{'size':i.file_size,'sha256':hashlib.sha256(z.read(i))."
      "hexdigest(),"
      "'compress_type':i.compress_type} for i in z.infolist()}))\n";
  auto out = run_ok("python3 -c " + shell_quote(script) + " " + shell_quote(zip.string()));
  return nlohmann::json::parse(out);
}

inline nlohmann::json zip_member_json(const std::filesystem::path& zip, const std::string& name) {
  return nlohmann::json::parse(
      run_ok("unzip -p " + shell_quote(zip.string()) + " " + shell_quote(name)));
}

// What independent tools say about a media file.
struct MediaFacts {
  std::string kind;  // what `file` says, lower-case
  int width = 0;
  int height = 0;
  std::string video_codec;  // ffprobe, for mp4
  std::string audio_codec;  // "" when there is no audio stream
  std::string format_name;  // ffprobe container, for mp4
};

inline MediaFacts inspect(const std::filesystem::path& file, const std::string& format) {
  MediaFacts f;
  f.kind = support::to_lower(run_ok("file -b " + shell_quote(file.string())));
  if (format == "mp4") {
    auto j = nlohmann::json::parse(run_ok("ffprobe -v error -show_streams -show_format -of json " +
                                          shell_quote(file.string())));
    f.format_name = j.at("format").value("format_name", "");
    for (const auto& s : j.at("streams")) {
      if (s.value("codec_type", "") == "video" && f.video_codec.empty()) {
        f.video_codec = s.value("codec_name", "");
        f.width = s.value("width", 0);
        f.height = s.value("height", 0);
        // A rendition must be stored upright: a rotation tag would make players turn it again.
        if (s.contains("side_data_list")) {
          for (const auto& sd : s["side_data_list"]) {
            if (sd.contains("rotation") && sd["rotation"].get<int>() % 180 != 0) {
              std::swap(f.width, f.height);
            }
          }
        }
      } else if (s.value("codec_type", "") == "audio" && f.audio_codec.empty()) {
        f.audio_codec = s.value("codec_name", "");
      }
    }
  } else {
    f.width = std::stoi(run_ok("vipsheader -f width " + shell_quote(file.string())));
    f.height = std::stoi(run_ok("vipsheader -f height " + shell_quote(file.string())));
  }
  return f;
}

// pids of live processes whose command line has `needle` (read from /proc, for checks only).
inline std::vector<pid_t> processes_with(const std::string& needle) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in{e.path() / "cmdline", std::ios::binary};
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (char& c : cmd) {
      if (c == '\0') c = ' ';
    }
    if (cmd.find(needle) != std::string::npos) out.push_back(std::stoi(name));
  }
  return out;
}

}  // namespace toq::e2e
