#pragma once
// toq-media configuration: one YAML file, every key overridable by a TOQ_MEDIA_* environment
// variable, and defaults that run `toq-media serve` with no file at all (embedded mode: SQLite and
// local storage under ./var).
//
// Contract:
// - Precedence: built-in defaults < YAML file < environment. Command-line flags such as --data-dir
//   or --listen are applied by the caller as environment overrides (see MapEnvironment), so they
//   win over everything and derived defaults follow them.
// - Keys are camelCase in YAML ("storage.publicBaseUrl"); the variable name is derived
//   mechanically: "TOQ_MEDIA_" + path with camelCase split into words, dots as underscores, upper
//   case ("TOQ_MEDIA_STORAGE_PUBLIC_BASE_URL"). Lists are comma-separated in variables.
// - Unknown YAML keys and unknown TOQ_MEDIA_* variables are errors (typo protection). The only
//   TOQ_MEDIA_* variables that are not keys are TOQ_MEDIA_CONFIG, the config file path used when no
//   file is passed explicitly, and TOQ_MEDIA_TASK_INPUT, the payload of `toq-media task`.
// - Every failure is a core::Error with code kConfigInvalid; its message names the key, where the
//   value came from (file:line:column or the variable name), the bad value and what is expected.
//   When there are several problems all are reported, one per line, and details holds one
//   FieldError per problem (field = key path).
// - Derived defaults are resolved once all sources are applied and stored in the Config, so a
//   loaded Config holds effective values: database.sqlite.path (<dataDir>/toq-media.db),
//   storage.local.root (<dataDir>/objects) and storage.publicBaseUrl (http://<server.listen>).
// - Relative paths are relative to the working directory, not to the config file.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/manifest.hpp"
#include "core/model/media_type.hpp"

namespace toq::app {

inline constexpr std::int64_t kKiB = 1024;
inline constexpr std::int64_t kMiB = 1024 * kKiB;
inline constexpr std::int64_t kGiB = 1024 * kMiB;
inline constexpr std::int64_t kTiB = 1024 * kGiB;

enum class DatabaseDriver : std::uint8_t { kSqlite, kMysql };
enum class StorageDriver : std::uint8_t { kLocal, kS3 };
enum class ProcessingMode : std::uint8_t { kLocal, kAws };
enum class LogLevel : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kCritical, kOff };
enum class LogFormat : std::uint8_t { kJson, kText };
enum class StartVia : std::uint8_t { kDirect, kSqs };

// The spelling used in YAML and environment variables ("sqlite", "s3", "warn", "json").
std::string_view to_string(DatabaseDriver value);
std::string_view to_string(StorageDriver value);
std::string_view to_string(ProcessingMode value);
std::string_view to_string(LogLevel value);
std::string_view to_string(LogFormat value);
std::string_view to_string(StartVia value);

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";   // host:port; IPv6 as [::1]:8080
  int shutdown_grace_seconds = 20;         // time given to in-flight requests on SIGTERM
  std::int64_t max_body_bytes = 1 * kMiB;  // API request bodies (not storage uploads)
  int read_timeout_seconds = 30;           // per socket read/write: a stalled client is dropped
  // The connection layer (http_server.hpp says what each does). Timeouts of 0 take
  // read_timeout_seconds, as they did when it was the only one.
  int write_timeout_seconds = 0;
  int header_timeout_seconds = 0;
  int keep_alive_timeout_seconds = 5;
  int max_connections = 8192;
  int max_connections_per_client = 2048;
  std::int64_t max_header_bytes = 64 * kKiB;
  std::int64_t max_drain_bytes = 8 * kMiB;
  int io_threads = 2;
  int api_threads = 8;
  int storage_threads = 8;
  friend bool operator==(const ServerConfig&, const ServerConfig&) = default;
};

struct SqliteConfig {
  std::filesystem::path path;  // empty before load = <data_dir>/toq-media.db
  int busy_timeout_ms = 5000;
  friend bool operator==(const SqliteConfig&, const SqliteConfig&) = default;
};

struct MysqlConfig {
  std::string host;
  int port = 3306;
  std::string user;
  std::string password;  // secret
  std::string database;
  std::string socket;  // unix socket path; used instead of host:port when set
  int pool_size = 16;  // connections per process, opened on demand
  // Every network wait is bounded: no call hangs on a dead or unreachable server.
  int connect_timeout_seconds = 5;
  int read_timeout_seconds = 30;
  int write_timeout_seconds = 30;
  int lock_wait_timeout_seconds = 10;  // a row lock waited for longer is retried (below read)
  friend bool operator==(const MysqlConfig&, const MysqlConfig&) = default;
};

struct DatabaseConfig {
  DatabaseDriver driver = DatabaseDriver::kSqlite;
  SqliteConfig sqlite;
  MysqlConfig mysql;
  friend bool operator==(const DatabaseConfig&, const DatabaseConfig&) = default;
};

struct LocalStorageConfig {
  std::filesystem::path root;  // empty before load = <data_dir>/objects
  friend bool operator==(const LocalStorageConfig&, const LocalStorageConfig&) = default;
};

struct S3Config {
  std::string bucket;
  std::string region;
  std::string endpoint;  // empty = AWS; set for S3-compatible stores (http(s)://host[:port])
  bool path_style = false;
  std::string access_key_id;      // empty = the default AWS credential chain
  std::string secret_access_key;  // secret
  std::string session_token;      // secret
  friend bool operator==(const S3Config&, const S3Config&) = default;
};

struct StorageConfig {
  StorageDriver driver = StorageDriver::kLocal;
  // Base URL of presigned local-store URLs; no trailing slash; empty before load = derived from
  // server.listen.
  std::string public_base_url;
  LocalStorageConfig local;
  S3Config s3;
  int url_ttl_seconds = 3600;  // presigned URL lifetime; SigV4 allows at most 7 days
  std::int64_t multipart_threshold_bytes = 64 * kMiB;
  std::int64_t part_size_bytes = 16 * kMiB;
  friend bool operator==(const StorageConfig&, const StorageConfig&) = default;
};

struct AuthConfig {
  std::string jwt_secret;                     // secret; empty = generated once into the data dir
  std::filesystem::path jwt_public_key_file;  // PEM; set = RS256 instead of HS256
  std::string issuer;                         // empty = `iss` not checked
  std::string audience;                       // empty = `aud` not checked
  int leeway_seconds = 60;
  // Longest token lifetime accepted (exp - iat, or exp - now without iat).
  std::int64_t max_token_lifetime_seconds = 86400;
  friend bool operator==(const AuthConfig&, const AuthConfig&) = default;
};

// The configurable part of core::ManifestLimits; defaults are the core's (the contract's).
struct UploadsConfig {
  std::size_t max_files_per_batch = core::ManifestLimits{}.max_files_per_batch;
  std::map<core::MediaGroup, std::int64_t> max_bytes = core::ManifestLimits{}.max_bytes;
  std::map<core::MediaType, std::set<std::string>> allowed_content_types =
      core::ManifestLimits::default_content_types();
  // A batch still PENDING_UPLOAD this long after its creation is expired by serve's sweep.
  std::int64_t expire_after_seconds = 86400;
  int expiry_sweep_seconds = 60;  // how often each serve runs that sweep
  friend bool operator==(const UploadsConfig&, const UploadsConfig&) = default;
};

// What serve's housekeeping sweep keeps, and for how long (core::SweepHousekeeping); 0 = kept
// for good where allowed.
struct HousekeepingConfig {
  std::int64_t delete_grace_seconds = 7 * 86400;  // a deleted batch's objects, after deleted_at
  std::int64_t ready_raw_retention_seconds = 90 * 86400;  // raw uploads of processed batches
  std::int64_t outbox_retention_seconds = 30 * 86400;     // delivered webhook events
  std::int64_t job_retention_seconds = 180 * 86400;       // superseded jobs and their outputs
  int sweep_seconds = 300;                                // how often each serve sweeps
  friend bool operator==(const HousekeepingConfig&, const HousekeepingConfig&) = default;
};

struct ProcessingConfig {
  ProcessingMode mode = ProcessingMode::kLocal;
  int workers = 0;  // local mode worker processes; 0 = one per CPU core
  // local mode: serve starts the workers itself; false when they run as their own service
  // (`toq-media worker`), or for tests that drive the job table themselves.
  bool start_workers = true;
  int lease_seconds = 60;                 // a RUNNING job's lease, extended every third of it
  int max_attempts = 5;                   // starts of one job before it fails for good
  int poll_millis = 500;                  // an idle worker's longest wait (worker_wake.hpp)
  std::int64_t max_pixels = 100'000'000;  // photos above it fail with IMAGE_TOO_LARGE
  int max_video_seconds = 1800;           // videos above it fail with VIDEO_TOO_LONG
  int asset_timeout_seconds = 3600;       // one decode or transcode
  friend bool operator==(const ProcessingConfig&, const ProcessingConfig&) = default;
};

// Other endpoints for the AWS services (the offline rehearsal, a VPC endpoint); "" = AWS's.
struct AwsEndpointsConfig {
  std::string step_functions;
  std::string sqs;
  std::string secrets_manager;
  friend bool operator==(const AwsEndpointsConfig&, const AwsEndpointsConfig&) = default;
};

// processing.mode aws (docs/aws-pipeline.md, "Configuration and secrets"). serve reads the
// relay's and the callback's keys, the tasks (`toq-media lambda|task`) theirs.
struct AwsConfig {
  std::string state_machine_arn;  // required in aws mode
  StartVia start_via = StartVia::kDirect;
  std::string start_queue_url;  // required when start_via is sqs
  // The start queue's dead-letter queue: /metrics shows its depth when set (start_via sqs).
  std::string start_dead_letter_queue_url;
  bool relay = true;         // run the start relay in this serve
  int max_concurrency = 10;  // the asset Map's MaxConcurrency, 1..40
  // Declared bytes of a batch above which its ZIP is built on Fargate.
  std::int64_t archive_lambda_max_bytes = 4 * kGiB;
  // A job whose execution has not reported after this is checked with DescribeExecution.
  int report_deadline_seconds = 25200;
  std::string callback_secret;         // secret; empty: serve uses <dataDir>/pipeline.secret
  std::string callback_secret_arn;     // the report task reads the secret there when it is empty
  std::string callback_url;            // where the report task POSTs
  int lambda_max_video_seconds = 300;  // longer videos go to Fargate
  AwsEndpointsConfig endpoints;
  friend bool operator==(const AwsConfig&, const AwsConfig&) = default;
};

struct CorsConfig {
  std::vector<std::string> allowed_origins;  // "https://app.example.com" or "*"
  friend bool operator==(const CorsConfig&, const CorsConfig&) = default;
};

struct WebConfig {
  // The built web bundle (upload page, gallery, /docs); empty = the folder "web" beside the
  // toq-media executable, where the build puts it.
  std::filesystem::path root;
  friend bool operator==(const WebConfig&, const WebConfig&) = default;
};

struct WebhooksConfig {
  std::string url;     // empty = no outgoing webhooks
  std::string secret;  // secret; required when url is set
  friend bool operator==(const WebhooksConfig&, const WebhooksConfig&) = default;
};

struct LogConfig {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kJson;
  friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

struct Config {
  ServerConfig server;
  std::filesystem::path data_dir = "./var";
  // Below this much free space on the data directory's file system /readyz is not ready; 0 = not
  // checked.
  std::int64_t data_dir_min_free_bytes = 256 * kMiB;
  DatabaseConfig database;
  StorageConfig storage;
  AuthConfig auth;
  UploadsConfig uploads;
  HousekeepingConfig housekeeping;
  ProcessingConfig processing;
  AwsConfig aws;
  CorsConfig cors;
  WebConfig web;
  WebhooksConfig webhooks;
  LogConfig log;
  friend bool operator==(const Config&, const Config&) = default;
};

// Read-only view of environment variables, so tests never touch the process environment.
class Environment {
 public:
  virtual ~Environment() = default;
  [[nodiscard]] virtual std::optional<std::string> get(std::string_view name) const = 0;
  // Every variable name present (used to find unknown TOQ_MEDIA_* variables).
  [[nodiscard]] virtual std::vector<std::string> names() const = 0;
};

// Variables held in a map: tests, and command-line overrides layered on a process snapshot.
class MapEnvironment final : public Environment {
 public:
  MapEnvironment() = default;
  explicit MapEnvironment(std::map<std::string, std::string, std::less<>> vars);
  MapEnvironment(std::initializer_list<std::pair<const std::string, std::string>> vars)
      : vars_(vars) {}
  // A copy of every variable of `base`, to be amended with set().
  static MapEnvironment snapshot(const Environment& base);

  void set(std::string name, std::string value);
  void unset(std::string_view name);

  [[nodiscard]] std::optional<std::string> get(std::string_view name) const override;
  [[nodiscard]] std::vector<std::string> names() const override;

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

// The real process environment (getenv / environ). Not safe against concurrent setenv().
class ProcessEnvironment final : public Environment {
 public:
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const override;
  [[nodiscard]] std::vector<std::string> names() const override;
};

inline constexpr std::string_view kEnvPrefix = "TOQ_MEDIA_";
// Path of the YAML file when load_config gets none; reserved, not a config key.
inline constexpr std::string_view kConfigFileEnvVar = "TOQ_MEDIA_CONFIG";
// The payload of `toq-media task` (what the state machine's ECS override sets); reserved, not a
// config key.
inline constexpr std::string_view kTaskInputEnvVar = "TOQ_MEDIA_TASK_INPUT";

// Loads defaults, then `file` (or the file named by TOQ_MEDIA_CONFIG when `file` is empty; no
// file at all is fine), then TOQ_MEDIA_* variables, resolves derived defaults and validates.
core::Result<Config> load_config(const std::optional<std::filesystem::path>& file,
                                 const Environment& env);

// Same, with the YAML given as text; `source_name` is used in error messages ("config.yaml").
core::Result<Config> load_config_from_string(std::string_view yaml, std::string_view source_name,
                                             const Environment& env);

// Fills the derived defaults that are still empty (sqlite path, local store root, storage public
// base URL) from data_dir and server.listen. load_config does this; code that builds a Config by
// hand calls it.
void resolve_derived_defaults(Config& config);

// Every rule load_config enforces, for a Config built in code (empty derived values are accepted).
core::Status validate_config(const Config& config);

// The effective configuration as YAML in the file layout; loading it gives the same Config.
// With redact_secrets, every non-empty secret prints as "***".
std::string dump_config(const Config& config, bool redact_secrets);

core::ManifestLimits manifest_limits(const Config& config);

// One configuration key as the loader knows it (for tests, docs and `--help`-like listings).
struct ConfigKeyInfo {
  std::string path;     // "uploads.maxBytes.photo"
  std::string env_var;  // "TOQ_MEDIA_UPLOADS_MAX_BYTES_PHOTO"
  bool secret = false;
  bool list = false;
  // A valid value that differs from the default, in environment syntax (lists comma-separated).
  // Taken together, all examples form a valid configuration.
  std::string example;
};
std::vector<ConfigKeyInfo> config_keys();

// "storage.publicBaseUrl" -> "TOQ_MEDIA_STORAGE_PUBLIC_BASE_URL".
std::string env_var_for(std::string_view key_path);

// The current value of one key as it would be written in an environment variable (lists
// comma-separated, sizes like "64MiB", secrets in clear); nullopt for an unknown key.
std::optional<std::string> config_value(const Config& config, std::string_view key_path);

// "123", "64MiB", "10 GiB", "1kb" (KiB, MiB, GiB, TiB are powers of 1024; B, KB, MB, GB, TB of
// 1000; units are case-insensitive). Integers only; nullopt on syntax error, negative or overflow.
std::optional<std::int64_t> parse_byte_size(std::string_view text);
// The shortest exact form: "64MiB", "1536KiB", "1000".
std::string format_byte_size(std::int64_t bytes);

struct HostPort {
  std::string host;  // without brackets for IPv6
  std::uint16_t port = 0;
};
// "host:port", "[v6]:port"; port 1..65535, host non-empty.
std::optional<HostPort> parse_host_port(std::string_view text);

}  // namespace toq::app
