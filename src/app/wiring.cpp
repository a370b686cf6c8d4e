#include "app/wiring.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <mysql.h>
#include <sqlite3.h>

#include "adapter/aws/credentials.hpp"
#include "adapter/aws/s3_object_store.hpp"
#include "adapter/http/http_server.hpp"
#include "adapter/media/pipeline/pipeline.hpp"
#include "adapter/mysql/mysql_database.hpp"
#include "adapter/sqlite/sqlite_database.hpp"
#include "adapter/storage/content_disposition.hpp"
#include "adapter/storage/disk_space.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "adapter/storage/storage_request_handler.hpp"
#include "adapter/web/static_files.hpp"
#include "adapter/webhook/webhook_sender.hpp"
#include "app/aws_wiring.hpp"
#include "app/logging.hpp"
#include "app/secrets.hpp"
#include "support/crypto/random.hpp"
#include "support/http/curl_http_client.hpp"

namespace toq::app {

namespace {

template <class Store>
ObjectStorage share(std::shared_ptr<Store> store) {
  ObjectStorage out;
  out.store = store;
  out.multipart = store;
  out.signer = store;
  return out;
}

core::Result<ObjectStorage> open_local(storage::LocalStoreOptions options,
                                       const core::Clock& clock) {
  auto store = storage::LocalObjectStore::open(std::move(options), clock);
  if (!store) return std::unexpected(store.error());
  std::shared_ptr<storage::LocalObjectStore> shared = std::move(*store);
  auto out = share(shared);
  out.local = shared;
  return out;
}

core::Result<ObjectStorage> open_s3(const Config& config, const core::Clock& clock) {
  const auto& s3 = config.storage.s3;
  auto http = std::make_shared<support::CurlHttpClient>(support::HttpClientOptions{
      .unreachable_message = "The object store is not reachable right now."});
  aws::S3StoreOptions options;
  options.bucket = s3.bucket;
  options.region = s3.region;
  options.endpoint = s3.endpoint;
  options.path_style = s3.path_style;
  options.credentials = aws_credentials(config, http, clock);
  options.spool_dir = config.data_dir / "spool";
  auto store = aws::S3ObjectStore::create(std::move(options), http, clock);
  if (!store) return std::unexpected(store.error());
  return share(std::shared_ptr<aws::S3ObjectStore>(std::move(*store)));
}

// auth.jwtSecret, else the secret kept in <dataDir>/jwt.secret (created on first use).
core::Result<std::string> hs256_secret(const Config& config) {
  if (!config.auth.jwt_secret.empty()) return config.auth.jwt_secret;
  return load_or_create_secret(config.data_dir / "jwt.secret");
}

mysql::MysqlOptions mysql_options(const Config& config) {
  const auto& m = config.database.mysql;
  mysql::MysqlOptions options;
  options.connection.host = m.host;
  options.connection.port = m.port;
  options.connection.user = m.user;
  options.connection.password = m.password;
  options.connection.database = m.database;
  options.connection.socket = m.socket;
  options.connection.connect_timeout = std::chrono::seconds{m.connect_timeout_seconds};
  options.connection.read_timeout = std::chrono::seconds{m.read_timeout_seconds};
  options.connection.write_timeout = std::chrono::seconds{m.write_timeout_seconds};
  options.connection.lock_wait_timeout_seconds = m.lock_wait_timeout_seconds;
  options.pool_size = m.pool_size;
  return options;
}

core::Result<std::unique_ptr<core::WebhookSender>> http_webhook_sender(
    webhook::WebhookSenderOptions options, std::string_view secret_text) {
  auto secret = webhook::WebhookSecret::parse(secret_text);
  if (!secret) return std::unexpected(secret.error());
  auto sender = webhook::HttpWebhookSender::create(std::move(options), std::move(*secret));
  if (!sender) return std::unexpected(sender.error());
  return std::unique_ptr<core::WebhookSender>(
      std::make_unique<webhook::HttpWebhookSender>(std::move(*sender)));
}

// "scheme://host[:port]" of a URL, or "" when it has none.
std::string origin_of(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  const auto end = url.find_first_of("/?#", scheme + 3);
  return std::string{url.substr(0, end)};
}

// The pages' Content-Security-Policy: scripts, styles and workers from this origin only (no
// inline script, no eval; 'wasm-unsafe-eval' for the SHA-256 WebAssembly), and network, images
// and media from this origin and the object store's (presigned uploads and downloads).
std::string page_security_policy(const std::string& store_origin) {
  const std::string store = store_origin.empty() ? "" : " " + store_origin;
  return fmt::format(
      "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
      "img-src 'self' data: blob:{0}; media-src 'self' blob:{0}; connect-src 'self'{0}; "
      "worker-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
      "form-action 'none'; frame-ancestors 'none'",
      store);
}

// web.root, or the folder "web" beside this executable (where the build puts the bundle).
std::filesystem::path web_root(const Config& config) {
  if (!config.web.root.empty()) return config.web.root;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "web";
  return self.parent_path() / "web";
}

// The web pages' handler (ServeRoutes::web).
std::unique_ptr<web::StaticFileHandler> make_web_handler(const Config& config,
                                                         const ObjectStorage& storage) {
  std::string store_origin;
  if (auto probe = storage.signer->presign_get("toq-media/csp-probe", {})) {
    store_origin = origin_of(probe->url);
  }
  auto handler = std::make_unique<web::StaticFileHandler>(web::StaticSiteConfig{
      .root = web_root(config), .content_security_policy = page_security_policy(store_origin)});
  if (!handler->has_file("ui/upload/index.html")) {
    log::warn("web bundle missing: /ui and /docs answer 404",
              {{"web_root", handler->config().root.string()},
               {"hint", "build it (make build, target toq_web_bundle) or set web.root"}});
  }
  return handler;
}

// The embedded store's /storage/ handler (ServeRoutes::storage); null for S3.
std::unique_ptr<storage::StorageRequestHandler> make_storage_handler(
    const Config& config, const ObjectStorage& storage, StorageFailureReporter report_failure) {
  if (!storage.local) return nullptr;
  storage::StorageHandlerConfig handler_config;
  handler_config.allowed_origins = config.cors.allowed_origins;
  handler_config.report_failure = std::move(report_failure);
  return std::make_unique<storage::StorageRequestHandler>(*storage.local, handler_config);
}

}  // namespace

// ---- The database ----

core::Result<std::unique_ptr<core::Database>> open_database(const Config& config) {
  // Pending migrations first, here rather than inside the adapter's open (which would apply them
  // silently), so that a start spent rebuilding tables (SQLite's migration 9: seconds on a large
  // database) leaves a line saying what ran and for how long.
  auto migrated = migrate_database(config);
  if (!migrated) return std::unexpected(migrated.error());
  if (!migrated->applied.empty()) log_migration(*migrated);
  // Migrated above: the adapters only check the schema version (auto_migrate off), so MySQL's
  // migration lock is not taken a second time.
  switch (config.database.driver) {
    case DatabaseDriver::kSqlite: {
      auto db = sqlite::SqliteDatabase::open(
          {config.database.sqlite.path, config.database.sqlite.busy_timeout_ms, false});
      if (!db) return std::unexpected(db.error());
      return std::unique_ptr<core::Database>(std::move(*db));
    }
    case DatabaseDriver::kMysql: {
      auto options = mysql_options(config);
      options.auto_migrate = false;
      auto db = mysql::MysqlDatabase::open(options);
      if (!db) return std::unexpected(db.error());
      return std::unique_ptr<core::Database>(std::move(*db));
    }
  }
  return core::fail(core::ErrorCode::kConfigInvalid, "unknown database.driver");
}

void log_migration(const MigrationResult& migrated) {
  log::info("database migrated", {{"database", migrated.database},
                                  {"from_version", migrated.from_version},
                                  {"to_version", migrated.to_version},
                                  {"applied", migrated.applied},
                                  {"duration_ms", migrated.duration.count()}});
}

namespace {

core::Result<MigrationResult> migrate_configured(const Config& config) {
  switch (config.database.driver) {
    case DatabaseDriver::kSqlite: {
      const auto& path = config.database.sqlite.path;
      auto migrated = sqlite::SqliteDatabase::migrate_file(
          {path, config.database.sqlite.busy_timeout_ms, false});
      if (!migrated) return std::unexpected(migrated.error());
      return MigrationResult{.database = path.string(),
                             .from_version = migrated->from_version,
                             .to_version = migrated->to_version,
                             .applied = migrated->applied};
    }
    case DatabaseDriver::kMysql: {
      const auto& m = config.database.mysql;
      auto migrated = mysql::MysqlDatabase::migrate_database(mysql_options(config));
      if (!migrated) return std::unexpected(migrated.error());
      return MigrationResult{
          .database = m.socket.empty() ? fmt::format("mysql://{}:{}/{}", m.host, m.port, m.database)
                                       : fmt::format("mysql://{}/{}", m.socket, m.database),
          .from_version = migrated->from_version,
          .to_version = migrated->to_version,
          .applied = migrated->applied};
    }
  }
  return core::fail(core::ErrorCode::kConfigInvalid, "unknown database.driver");
}

}  // namespace

core::Result<MigrationResult> migrate_database(const Config& config) {
  const auto started = std::chrono::steady_clock::now();
  auto migrated = migrate_configured(config);
  if (migrated) {
    migrated->duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
  }
  return migrated;
}

AdapterVersions adapter_versions() {
  return AdapterVersions{
      .libraries = {fmt::format("sqlite {}", sqlite3_libversion()),
                    fmt::format("fmt {}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100,
                                FMT_VERSION % 100),
                    fmt::format("mariadb connector/c {}", mysql_get_client_info())},
      .schema_versions = fmt::format("{} (sqlite), {} (mysql)", sqlite::latest_schema_version(),
                                     mysql::latest_schema_version())};
}

// ---- The object store ----

core::Result<ObjectStorage> open_object_storage(const Config& config, const core::Clock& clock) {
  switch (config.storage.driver) {
    case StorageDriver::kLocal: {
      auto secret = load_or_create_secret(config.data_dir / "storage.secret");
      if (!secret) return std::unexpected(secret.error());
      storage::LocalStoreOptions options;
      options.root = config.storage.local.root;
      options.public_base_url = config.storage.public_base_url;
      options.credentials = storage::AccessKey{kLocalAccessKeyId, *secret};
      return open_local(std::move(options), clock);
    }
    case StorageDriver::kS3: return open_s3(config, clock);
  }
  return core::fail(core::ErrorCode::kConfigInvalid, "unknown storage.driver");
}

std::string download_disposition(std::string_view utf8_filename) {
  return storage::content_disposition(utf8_filename);
}

std::function<StoreReaped()> make_store_reaper(const ObjectStorage& storage) {
  if (!storage.local) return {};
  return [local = storage.local] {
    const auto r = local->reap();
    return StoreReaped{.temp_files = r.temp_files, .uploads = r.uploads};
  };
}

core::Result<ScratchPipeline> open_scratch_pipeline(const std::filesystem::path& store_root,
                                                    const std::filesystem::path& work_root,
                                                    const core::Clock& clock) {
  auto secret = support::random_hex(32);
  if (!secret) return std::unexpected(secret.error());
  auto storage = open_local(
      storage::LocalStoreOptions{
          .root = store_root,
          .public_base_url = "http://127.0.0.1",
          .credentials = {.access_key_id = "toq-process", .secret_access_key = *secret},
          .durable = false},
      clock);
  if (!storage) return std::unexpected(storage.error());
  // The ZIP in one streamed put, as make_media_processor gives the embedded store.
  auto context = media::PipelineContext{.store = storage->store.get(),
                                        .multipart = nullptr,
                                        .work_root = work_root,
                                        .limits = {},
                                        .enforce_declared_orientation = false};
  return ScratchPipeline{.storage = std::move(*storage), .context = std::move(context)};
}

// ---- Authentication ----

core::Result<http::auth::JwtVerifier> make_jwt_verifier(const Config& config,
                                                        const core::Clock& clock) {
  http::auth::JwtVerifierConfig jwt;
  jwt.issuer = config.auth.issuer;
  jwt.audience = config.auth.audience;
  jwt.leeway = std::chrono::seconds{config.auth.leeway_seconds};
  jwt.max_lifetime = std::chrono::seconds{config.auth.max_token_lifetime_seconds};
  if (!config.auth.jwt_public_key_file.empty()) {
    std::ifstream in{config.auth.jwt_public_key_file, std::ios::binary};
    if (!in) {
      return core::fail(core::ErrorCode::kConfigInvalid,
                        fmt::format("auth.jwtPublicKeyFile: cannot read {}",
                                    config.auth.jwt_public_key_file.string()),
                        {}, "Point auth.jwtPublicKeyFile at a readable PEM public key.");
    }
    std::ostringstream pem;
    pem << in.rdbuf();
    jwt.algorithm = http::auth::JwtAlgorithm::kRs256;
    jwt.key = pem.str();
  } else {
    auto secret = hs256_secret(config);
    if (!secret) return std::unexpected(secret.error());
    jwt.key = std::move(*secret);
  }
  return http::auth::JwtVerifier::create(std::move(jwt), clock);
}

core::Result<http::auth::JwtIssuer> make_jwt_issuer(const Config& config,
                                                    const core::Clock& clock) {
  auto secret = hs256_secret(config);
  if (!secret) return std::unexpected(secret.error());
  return http::auth::JwtIssuer::create(
      {std::move(*secret), config.auth.issuer, config.auth.audience}, clock);
}

// ---- Processing and notifications ----

media::PipelineLimits pipeline_limits(const Config& config) {
  media::PipelineLimits limits;
  limits.photo.max_pixels = config.processing.max_pixels;
  limits.video.max_duration = std::chrono::seconds(config.processing.max_video_seconds);
  limits.photo_timeout = std::chrono::seconds(config.processing.asset_timeout_seconds);
  limits.video.transcode_timeout = std::chrono::seconds(config.processing.asset_timeout_seconds);
  return limits;
}

std::unique_ptr<core::MediaProcessor> make_media_processor(const Config& config,
                                                           const ObjectStorage& storage,
                                                           const std::filesystem::path& work_root) {
  // The embedded store takes the batch ZIP in one streamed put: its multipart complete would
  // copy the whole archive a second time (parts, then the object), which made the ZIP 2-4x
  // slower (docs/benchmarks.md, ZIP). S3 takes it in parts (a single PUT stops at 5 GB).
  return std::make_unique<media::PipelineProcessor>(
      media::PipelineContext{.store = storage.store.get(),
                             .multipart = storage.local ? nullptr : storage.multipart.get(),
                             .work_root = work_root,
                             .limits = pipeline_limits(config)});
}

core::Result<std::unique_ptr<core::WebhookSender>> open_webhook_sender(const Config& config) {
  if (config.webhooks.url.empty()) return nullptr;
  return http_webhook_sender({.url = config.webhooks.url, .ca_file = {}}, config.webhooks.secret);
}

core::Result<std::unique_ptr<core::WebhookSender>> open_callback_sender(const Config& config,
                                                                        std::string_view secret) {
  return http_webhook_sender(
      {.url = config.aws.callback_url, .user_agent = "toq-media-report", .ca_file = {}}, secret);
}

// ---- The HTTP side of `serve` ----

std::unique_ptr<http::HttpServer> make_http_server(const std::string& host, int port,
                                                   const Config* config) {
  if (!config)
    return std::make_unique<http::HttpServer>(http::ServerOptions{.host = host, .port = port});
  const auto& s = config->server;
  const auto or_read = [&](int seconds) {
    return std::chrono::seconds{seconds > 0 ? seconds : s.read_timeout_seconds};
  };
  return std::make_unique<http::HttpServer>(http::ServerOptions{
      .host = host,
      .port = port,
      .read_timeout = std::chrono::seconds{s.read_timeout_seconds},
      .write_timeout = or_read(s.write_timeout_seconds),
      .keep_alive_timeout = std::chrono::seconds{s.keep_alive_timeout_seconds},
      .header_timeout = or_read(s.header_timeout_seconds),
      .io_threads = static_cast<std::size_t>(s.io_threads),
      .api_threads = static_cast<std::size_t>(s.api_threads),
      .storage_threads = static_cast<std::size_t>(s.storage_threads),
      .max_header_bytes = static_cast<std::size_t>(s.max_header_bytes),
      .max_connections = static_cast<std::size_t>(s.max_connections),
      .max_connections_per_client = static_cast<std::size_t>(s.max_connections_per_client),
      .max_drain_bytes = s.max_drain_bytes});
}

ServeRoutes::ServeRoutes() = default;
ServeRoutes::~ServeRoutes() = default;

std::unique_ptr<ServeRoutes> make_serve_routes(const Config& config, const ObjectStorage& storage,
                                               StorageFailureReporter report_failure) {
  auto routes = std::make_unique<ServeRoutes>();
  routes->cors = http::CorsPolicy{config.cors.allowed_origins};
  routes->web = make_web_handler(config, storage);
  routes->storage = make_storage_handler(config, storage, std::move(report_failure));
  return routes;
}

std::function<core::Status()> make_disk_check(const Config& config) {
  if (config.data_dir_min_free_bytes <= 0) return {};
  return [dir = config.data_dir, floor = config.data_dir_min_free_bytes] {
    return storage::check_free_space(dir, floor);
  };
}

}  // namespace toq::app
