#include "app/config/config_keys.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <type_traits>

#include <fmt/format.h>

#include "core/port/object_store.hpp"

#include "app/config/config_values.hpp"
#include "app/config/key_builders.hpp"
#include "support/text.hpp"

namespace toq::app {

namespace detail {
namespace {

using core::MediaGroup;
using core::MediaType;

constexpr std::array kDatabaseDrivers = {
    EnumName<DatabaseDriver>{DatabaseDriver::kSqlite, "sqlite"},
    EnumName<DatabaseDriver>{DatabaseDriver::kMysql, "mysql"}};
constexpr std::array kStorageDrivers = {EnumName<StorageDriver>{StorageDriver::kLocal, "local"},
                                        EnumName<StorageDriver>{StorageDriver::kS3, "s3"}};
constexpr std::array kProcessingModes = {EnumName<ProcessingMode>{ProcessingMode::kLocal, "local"},
                                         EnumName<ProcessingMode>{ProcessingMode::kAws, "aws"}};
constexpr std::array kLogLevels = {EnumName<LogLevel>{LogLevel::kTrace, "trace"},
                                   EnumName<LogLevel>{LogLevel::kDebug, "debug"},
                                   EnumName<LogLevel>{LogLevel::kInfo, "info"},
                                   EnumName<LogLevel>{LogLevel::kWarn, "warn"},
                                   EnumName<LogLevel>{LogLevel::kError, "error"},
                                   EnumName<LogLevel>{LogLevel::kCritical, "critical"},
                                   EnumName<LogLevel>{LogLevel::kOff, "off"}};
constexpr std::array kLogFormats = {EnumName<LogFormat>{LogFormat::kJson, "json"},
                                    EnumName<LogFormat>{LogFormat::kText, "text"}};

// server.* and dataDir
void add_server_keys(std::vector<KeySpec>& t) {
  t.push_back(string_key(
      "server.listen", [](auto& c) -> auto& { return c.server.listen; }, "0.0.0.0:9090", listen_ok,
      "expected host:port with a port from 1 to 65535 (IPv6 as [::1]:8080)"));
  t.push_back(int_key<int>(
      "server.shutdownGraceSeconds",
      [](auto& c) -> auto& { return c.server.shutdown_grace_seconds; }, 0, 3600, " seconds", "45"));
  t.push_back(bytes_key(
      "server.maxBodyBytes", [](auto& c) -> auto& { return c.server.max_body_bytes; }, 1, kGiB,
      "2MiB"));
  t.push_back(int_key<int>(
      "server.readTimeoutSeconds", [](auto& c) -> auto& { return c.server.read_timeout_seconds; },
      1, 3600, " seconds", "60"));
  // The connection layer's deadlines, caps and pools (adapter/http/http_server.hpp).
  t.push_back(int_key<int>(
      "server.writeTimeoutSeconds", [](auto& c) -> auto& { return c.server.write_timeout_seconds; },
      0, 3600, " seconds", "60", " (0 = server.readTimeoutSeconds)"));
  t.push_back(int_key<int>(
      "server.headerTimeoutSeconds",
      [](auto& c) -> auto& { return c.server.header_timeout_seconds; }, 0, 3600, " seconds", "10",
      " (0 = server.readTimeoutSeconds)"));
  t.push_back(int_key<int>(
      "server.keepAliveTimeoutSeconds",
      [](auto& c) -> auto& { return c.server.keep_alive_timeout_seconds; }, 1, 3600, " seconds",
      "15"));
  t.push_back(int_key<int>(
      "server.maxConnections", [](auto& c) -> auto& { return c.server.max_connections; }, 1,
      1000000, "", "20000"));
  t.push_back(int_key<int>(
      "server.maxConnectionsPerClient",
      [](auto& c) -> auto& { return c.server.max_connections_per_client; }, 1, 1000000, "",
      "4096"));
  t.push_back(bytes_key(
      "server.maxHeaderBytes", [](auto& c) -> auto& { return c.server.max_header_bytes; }, 8 * kKiB,
      1 * kMiB, "128KiB"));
  t.push_back(bytes_key(
      "server.maxDrainBytes", [](auto& c) -> auto& { return c.server.max_drain_bytes; }, 0,
      1 * kGiB, "16MiB"));
  t.push_back(int_key<int>(
      "server.ioThreads", [](auto& c) -> auto& { return c.server.io_threads; }, 1, 256, "", "4"));
  t.push_back(int_key<int>(
      "server.apiThreads", [](auto& c) -> auto& { return c.server.api_threads; }, 1, 1024, "",
      "16"));
  t.push_back(int_key<int>(
      "server.storageThreads", [](auto& c) -> auto& { return c.server.storage_threads; }, 1, 1024,
      "", "16"));
  t.push_back(path_key(
      "dataDir", [](auto& c) -> auto& { return c.data_dir; }, "/srv/toq-media", true));
  t.push_back(bytes_key(
      "dataDirMinFreeBytes", [](auto& c) -> auto& { return c.data_dir_min_free_bytes; }, 0,
      1024 * kGiB, "1GiB"));
}

// database.*
void add_database_keys(std::vector<KeySpec>& t) {
  t.push_back(enum_key(
      "database.driver", [](auto& c) -> auto& { return c.database.driver; }, kDatabaseDrivers,
      "mysql"));
  t.push_back(path_key(
      "database.sqlite.path", [](auto& c) -> auto& { return c.database.sqlite.path; },
      "/srv/toq-media/db/media.db", false));
  t.push_back(int_key<int>(
      "database.sqlite.busyTimeoutMs",
      [](auto& c) -> auto& { return c.database.sqlite.busy_timeout_ms; }, 0, 600000,
      " milliseconds", "10000"));
  t.push_back(string_key(
      "database.mysql.host", [](auto& c) -> auto& { return c.database.mysql.host; },
      "db.internal"));
  t.push_back(int_key<int>(
      "database.mysql.port", [](auto& c) -> auto& { return c.database.mysql.port; }, 1, 65535, "",
      "3307"));
  t.push_back(string_key(
      "database.mysql.user", [](auto& c) -> auto& { return c.database.mysql.user; }, "toq"));
  t.push_back(secret_key(
      "database.mysql.password", [](auto& c) -> auto& { return c.database.mysql.password; },
      "s3cret-pw"));
  t.push_back(string_key(
      "database.mysql.database", [](auto& c) -> auto& { return c.database.mysql.database; },
      "toq_media"));
  t.push_back(string_key(
      "database.mysql.socket", [](auto& c) -> auto& { return c.database.mysql.socket; },
      "/run/mysqld/mysqld.sock"));
  t.push_back(int_key<int>(
      "database.mysql.poolSize", [](auto& c) -> auto& { return c.database.mysql.pool_size; }, 1,
      1000, "", "32"));
  t.push_back(int_key<int>(
      "database.mysql.connectTimeoutSeconds",
      [](auto& c) -> auto& { return c.database.mysql.connect_timeout_seconds; }, 1, 300, " seconds",
      "10"));
  t.push_back(int_key<int>(
      "database.mysql.readTimeoutSeconds",
      [](auto& c) -> auto& { return c.database.mysql.read_timeout_seconds; }, 1, 3600, " seconds",
      "60"));
  t.push_back(int_key<int>(
      "database.mysql.writeTimeoutSeconds",
      [](auto& c) -> auto& { return c.database.mysql.write_timeout_seconds; }, 1, 3600, " seconds",
      "60"));
  t.push_back(int_key<int>(
      "database.mysql.lockWaitTimeoutSeconds",
      [](auto& c) -> auto& { return c.database.mysql.lock_wait_timeout_seconds; }, 1, 3600,
      " seconds", "5"));
}

// storage.*
void add_storage_keys(std::vector<KeySpec>& t) {
  constexpr std::string_view kUrlExpected = "expected an http:// or https:// URL";
  t.push_back(enum_key(
      "storage.driver", [](auto& c) -> auto& { return c.storage.driver; }, kStorageDrivers, "s3"));
  t.push_back(string_key(
      "storage.publicBaseUrl", [](auto& c) -> auto& { return c.storage.public_base_url; },
      "https://media.example.com", optional_url_ok,
      std::string(kUrlExpected) + " without query or fragment (empty = http://<server.listen>)",
      strip_trailing_slashes));
  t.push_back(path_key(
      "storage.local.root", [](auto& c) -> auto& { return c.storage.local.root; },
      "/srv/toq-media/blobs", false));
  t.push_back(string_key(
      "storage.s3.bucket", [](auto& c) -> auto& { return c.storage.s3.bucket; }, "toq-media-prod",
      [](const std::string& v) { return v.empty() || is_bucket_name(v); },
      "expected an S3 bucket name (3 to 63 characters: a-z, 0-9, '.', '-')"));
  t.push_back(string_key(
      "storage.s3.region", [](auto& c) -> auto& { return c.storage.s3.region; }, "sa-east-1",
      [](const std::string& v) { return v.empty() || is_region(v); },
      "expected an AWS region name such as us-east-1"));
  t.push_back(string_key(
      "storage.s3.endpoint", [](auto& c) -> auto& { return c.storage.s3.endpoint; },
      "https://s3.sa-east-1.amazonaws.com", optional_url_ok,
      std::string(kUrlExpected) + " (empty = AWS)", strip_trailing_slashes));
  t.push_back(bool_key(
      "storage.s3.pathStyle", [](auto& c) -> auto& { return c.storage.s3.path_style; }, "true"));
  t.push_back(string_key(
      "storage.s3.accessKeyId", [](auto& c) -> auto& { return c.storage.s3.access_key_id; },
      "AKIAEXAMPLE"));
  t.push_back(secret_key(
      "storage.s3.secretAccessKey", [](auto& c) -> auto& { return c.storage.s3.secret_access_key; },
      "wJalrXUtnFEMI/K7MDENG"));
  t.push_back(secret_key(
      "storage.s3.sessionToken", [](auto& c) -> auto& { return c.storage.s3.session_token; },
      "FwoGZXIvYXdzEXAMPLE"));
  t.push_back(int_key<int>(
      "storage.urlTtlSeconds", [](auto& c) -> auto& { return c.storage.url_ttl_seconds; }, 1,
      604800, " seconds", "900", " (SigV4 presigned URLs live at most 7 days)"));
  t.push_back(bytes_key(
      "storage.multipartThresholdBytes",
      [](auto& c) -> auto& { return c.storage.multipart_threshold_bytes; }, 1, 5 * kGiB, "128MiB"));
  t.push_back(bytes_key(
      "storage.partSizeBytes", [](auto& c) -> auto& { return c.storage.part_size_bytes; },
      core::kMinPartSize, 5 * kGiB, "32MiB"));
}

// auth.*
void add_auth_keys(std::vector<KeySpec>& t) {
  t.push_back(secret_key(
      "auth.jwtSecret", [](auto& c) -> auto& { return c.auth.jwt_secret; },
      "0123456789abcdef0123456789abcdef",
      [](const std::string& v) { return v.empty() || v.size() >= 32; },
      "expected at least 32 bytes (HS256 needs a 256-bit key), or empty to use the file in the "
      "data dir"));
  t.push_back(path_key(
      "auth.jwtPublicKeyFile", [](auto& c) -> auto& { return c.auth.jwt_public_key_file; },
      "/etc/toq-media/jwt.pem", false));
  t.push_back(string_key(
      "auth.issuer", [](auto& c) -> auto& { return c.auth.issuer; }, "https://auth.toq.example"));
  t.push_back(string_key(
      "auth.audience", [](auto& c) -> auto& { return c.auth.audience; }, "toq-media"));
  t.push_back(int_key<int>(
      "auth.leewaySeconds", [](auto& c) -> auto& { return c.auth.leeway_seconds; }, 0, 300,
      " seconds", "30"));
  t.push_back(int_key<std::int64_t>(
      "auth.maxTokenLifetimeSeconds",
      [](auto& c) -> auto& { return c.auth.max_token_lifetime_seconds; }, 60, 31536000, " seconds",
      "3600"));
}

// uploads.*: the manifest limits
void add_uploads_keys(std::vector<KeySpec>& t) {
  t.push_back(int_key<std::size_t>(
      "uploads.maxFilesPerBatch", [](auto& c) -> auto& { return c.uploads.max_files_per_batch; }, 1,
      10000, " files", "80"));
  t.push_back(int_key<std::int64_t>(
      "uploads.expireAfterSeconds", [](auto& c) -> auto& { return c.uploads.expire_after_seconds; },
      1, 31536000, " seconds", "172800", " (a year at most)"));
  t.push_back(int_key<int>(
      "uploads.expirySweepSeconds", [](auto& c) -> auto& { return c.uploads.expiry_sweep_seconds; },
      1, 86400, " seconds", "300"));
  const std::array<std::pair<MediaGroup, std::string>, 3> group_examples = {
      std::pair{MediaGroup::kPhoto, std::string("80MiB")},
      std::pair{MediaGroup::kVideo, std::string("20GiB")},
      std::pair{MediaGroup::kProject, std::string("100MiB")}};
  for (const auto& [group, example] : group_examples) {
    t.push_back(bytes_key(
        fmt::format("uploads.maxBytes.{}", core::to_string(group)),
        [g = group](auto& c) -> auto& { return map_entry(c.uploads.max_bytes, g); }, 1, 5 * kTiB,
        example));  // 5 TiB: the largest S3 object
  }
  for (const auto type : core::kAllMediaTypes) {
    std::string example;
    switch (core::group_of(type)) {
      case MediaGroup::kPhoto: example = "image/jpeg"; break;
      case MediaGroup::kVideo: example = "video/mp4"; break;
      case MediaGroup::kProject: example = "application/pdf,image/jpeg"; break;
    }
    t.push_back(list_key<std::set<std::string>>(
        fmt::format("uploads.allowedContentTypes.{}", camel_case(core::to_string(type))),
        [type](auto& c) -> auto& { return map_entry(c.uploads.allowed_content_types, type); },
        "expected a list of content types such as image/jpeg (type/subtype, no parameters)",
        example, [](std::string_view item) { return support::to_lower(item); }, is_content_type));
  }
}

// housekeeping.*
void add_housekeeping_keys(std::vector<KeySpec>& t) {
  t.push_back(int_key<std::int64_t>(
      "housekeeping.deleteGraceSeconds",
      [](auto& c) -> auto& { return c.housekeeping.delete_grace_seconds; }, 0, 31536000, " seconds",
      "86400", " (a year at most)"));
  t.push_back(int_key<std::int64_t>(
      "housekeeping.readyRawRetentionSeconds",
      [](auto& c) -> auto& { return c.housekeeping.ready_raw_retention_seconds; }, 0, 315360000,
      " seconds", "2592000", " (0 = kept for good)"));
  t.push_back(int_key<std::int64_t>(
      "housekeeping.outboxRetentionSeconds",
      [](auto& c) -> auto& { return c.housekeeping.outbox_retention_seconds; }, 0, 315360000,
      " seconds", "604800", " (0 = kept for good)"));
  t.push_back(int_key<std::int64_t>(
      "housekeeping.jobRetentionSeconds",
      [](auto& c) -> auto& { return c.housekeeping.job_retention_seconds; }, 0, 315360000,
      " seconds", "7776000", " (0 = kept for good)"));
  t.push_back(int_key<int>(
      "housekeeping.sweepSeconds", [](auto& c) -> auto& { return c.housekeeping.sweep_seconds; }, 1,
      86400, " seconds", "600"));
}

// processing.*
void add_processing_keys(std::vector<KeySpec>& t) {
  t.push_back(enum_key(
      "processing.mode", [](auto& c) -> auto& { return c.processing.mode; }, kProcessingModes,
      "aws"));
  t.push_back(int_key<int>(
      "processing.workers", [](auto& c) -> auto& { return c.processing.workers; }, 0, 1024,
      " worker processes", "8", " (0 = one per CPU core)"));
  t.push_back(bool_key(
      "processing.startWorkers", [](auto& c) -> auto& { return c.processing.start_workers; },
      "false"));
  t.push_back(int_key<int>(
      "processing.leaseSeconds", [](auto& c) -> auto& { return c.processing.lease_seconds; }, 2,
      3600, " seconds", "30", " (a dead worker's job is taken over after this)"));
  t.push_back(int_key<int>(
      "processing.maxAttempts", [](auto& c) -> auto& { return c.processing.max_attempts; }, 1, 100,
      " starts", "3", " (then the job fails for good)"));
  t.push_back(int_key<int>(
      "processing.pollMillis", [](auto& c) -> auto& { return c.processing.poll_millis; }, 50, 60000,
      " ms", "250", " (how often an idle worker looks for jobs)"));
  t.push_back(int_key<std::int64_t>(
      "processing.maxPixels", [](auto& c) -> auto& { return c.processing.max_pixels; }, 1,
      std::int64_t{1} << 40, " pixels", "50000000", " (photos above it: IMAGE_TOO_LARGE)"));
  t.push_back(int_key<int>(
      "processing.maxVideoSeconds", [](auto& c) -> auto& { return c.processing.max_video_seconds; },
      1, 86400, " seconds", "900", " (longer videos: VIDEO_TOO_LONG)"));
  t.push_back(int_key<int>(
      "processing.assetTimeoutSeconds",
      [](auto& c) -> auto& { return c.processing.asset_timeout_seconds; }, 10, 86400, " seconds",
      "1800", " (one file's decode or transcode; then PROCESSING_TIMEOUT)"));
}

// cors.*
void add_cors_keys(std::vector<KeySpec>& t) {
  t.push_back(list_key<std::vector<std::string>>(
      "cors.allowedOrigins", [](auto& c) -> auto& { return c.cors.allowed_origins; },
      "expected a list of origins such as https://app.example.com (scheme://host[:port], no "
      "path), or *",
      "https://app.toq.example,https://admin.toq.example",
      [](std::string_view item) { return support::to_lower(item); },
      [](const std::string& v) { return is_origin(v); }));
}

// web.*
void add_web_keys(std::vector<KeySpec>& t) {
  t.push_back(path_key(
      "web.root", [](auto& c) -> auto& { return c.web.root; }, "/usr/share/toq-media/web", false));
}

// webhooks.*
void add_webhooks_keys(std::vector<KeySpec>& t) {
  constexpr std::string_view kUrlExpected = "expected an http:// or https:// URL";
  t.push_back(string_key(
      "webhooks.url", [](auto& c) -> auto& { return c.webhooks.url; },
      "https://platform.toq.example/hooks/media", optional_url_ok,
      std::string(kUrlExpected) + " (empty = no webhooks)"));
  t.push_back(secret_key(
      "webhooks.secret", [](auto& c) -> auto& { return c.webhooks.secret; },
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
}

// log.*
void add_log_keys(std::vector<KeySpec>& t) {
  t.push_back(enum_key(
      "log.level", [](auto& c) -> auto& { return c.log.level; }, kLogLevels, "debug"));
  t.push_back(enum_key(
      "log.format", [](auto& c) -> auto& { return c.log.format; }, kLogFormats, "text"));
}

std::vector<KeySpec> build_table() {
  // Keys of one section must stay together: dump_config writes them in table order.
  std::vector<KeySpec> t;
  for (const auto add : {add_server_keys, add_database_keys, add_storage_keys, add_auth_keys,
                         add_uploads_keys, add_housekeeping_keys, add_processing_keys, add_aws_keys,
                         add_cors_keys, add_web_keys, add_webhooks_keys, add_log_keys}) {
    add(t);
  }
  for (auto& spec : t) spec.env_var = env_var_for(spec.path);
  return t;
}

}  // namespace

const std::vector<KeySpec>& key_table() {
  static const std::vector<KeySpec> kTable = build_table();
  return kTable;
}

const KeySpec* find_key(std::string_view path) {
  for (const auto& spec : key_table()) {
    if (spec.path == path) return &spec;
  }
  return nullptr;
}

// "storage" and "storage.s3" are sections: proper prefixes of some key path.
bool is_section(std::string_view path) {
  return std::any_of(key_table().begin(), key_table().end(), [path](const KeySpec& spec) {
    return spec.path.size() > path.size() && spec.path.starts_with(path) &&
           spec.path[path.size()] == '.';
  });
}

std::vector<std::string> section_children(std::string_view section) {
  std::vector<std::string> children;
  for (const auto& spec : key_table()) {
    if (!spec.path.starts_with(section) || spec.path.size() <= section.size() ||
        spec.path[section.size()] != '.') {
      continue;
    }
    auto child = spec.path.substr(section.size() + 1);
    child = child.substr(0, child.find('.'));
    if (std::find(children.begin(), children.end(), child) == children.end()) {
      children.push_back(child);
    }
  }
  return children;
}

std::string render(const RawValue& raw) {
  if (const auto* text = std::get_if<std::string>(&raw)) return *text;
  return "[" + join(std::get<std::vector<std::string>>(raw), ", ") + "]";
}

std::string env_text(const RawValue& raw) {
  if (const auto* text = std::get_if<std::string>(&raw)) return *text;
  return join(std::get<std::vector<std::string>>(raw), ",");
}

}  // namespace detail

using detail::enum_name;
using detail::env_text;
using detail::find_key;
using detail::key_table;
using detail::Kind;

std::string_view to_string(DatabaseDriver value) {
  return enum_name(detail::kDatabaseDrivers, value);
}
std::string_view to_string(StorageDriver value) {
  return enum_name(detail::kStorageDrivers, value);
}
std::string_view to_string(ProcessingMode value) {
  return enum_name(detail::kProcessingModes, value);
}
std::string_view to_string(LogLevel value) {
  return enum_name(detail::kLogLevels, value);
}
std::string_view to_string(LogFormat value) {
  return enum_name(detail::kLogFormats, value);
}

std::string env_var_for(std::string_view key_path) {
  std::string out(kEnvPrefix);
  char previous = '.';
  for (const char c : key_path) {
    if (c == '.') {
      out += '_';
    } else if (c >= 'A' && c <= 'Z') {
      if (previous != '.' && !(previous >= 'A' && previous <= 'Z')) out += '_';
      out += c;
    } else {
      out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    previous = c;
  }
  return out;
}

std::vector<ConfigKeyInfo> config_keys() {
  std::vector<ConfigKeyInfo> out;
  for (const auto& spec : key_table()) {
    out.push_back(ConfigKeyInfo{spec.path, spec.env_var, spec.secret, spec.kind == Kind::kList,
                                spec.example});
  }
  return out;
}

std::optional<std::string> config_value(const Config& config, std::string_view key_path) {
  const auto* spec = find_key(key_path);
  if (spec == nullptr) return std::nullopt;
  return env_text(spec->get(config));
}

}  // namespace toq::app
