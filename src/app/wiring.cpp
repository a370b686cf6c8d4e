#include "app/wiring.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <mysql.h>
#include <sqlite3.h>

#include "adapter/aws/credentials.hpp"
#include "adapter/aws/s3_object_store.hpp"
#include "adapter/media/pipeline/pipeline.hpp"
#include "adapter/mysql/mysql_database.hpp"
#include "adapter/sqlite/sqlite_database.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "adapter/webhook/webhook_sender.hpp"
#include "app/aws_wiring.hpp"
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

}  // namespace

// ---- The database ----

core::Result<std::unique_ptr<core::Database>> open_database(const Config& config) {
  switch (config.database.driver) {
    case DatabaseDriver::kSqlite: {
      auto db = sqlite::SqliteDatabase::open(
          {config.database.sqlite.path, config.database.sqlite.busy_timeout_ms, true});
      if (!db) return std::unexpected(db.error());
      return std::unique_ptr<core::Database>(std::move(*db));
    }
    case DatabaseDriver::kMysql: {
      auto db = mysql::MysqlDatabase::open(mysql_options(config));
      if (!db) return std::unexpected(db.error());
      return std::unique_ptr<core::Database>(std::move(*db));
    }
  }
  return core::fail(core::ErrorCode::kConfigInvalid, "unknown database.driver");
}

core::Result<MigrationResult> migrate_database(const Config& config) {
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

core::Result<ObjectStorage> open_scratch_storage(const std::filesystem::path& root,
                                                 const core::Clock& clock) {
  auto secret = support::random_hex(32);
  if (!secret) return std::unexpected(secret.error());
  return open_local(storage::LocalStoreOptions{.root = root,
                                               .public_base_url = "http://127.0.0.1",
                                               .credentials = {.access_key_id = "toq-process",
                                                               .secret_access_key = *secret},
                                               .durable = false},
                    clock);
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
  auto secret = webhook::WebhookSecret::parse(config.webhooks.secret);
  if (!secret) return std::unexpected(secret.error());
  auto sender = webhook::HttpWebhookSender::create(
      webhook::WebhookSenderOptions{.url = config.webhooks.url, .ca_file = {}}, std::move(*secret));
  if (!sender) return std::unexpected(sender.error());
  return std::unique_ptr<core::WebhookSender>(
      std::make_unique<webhook::HttpWebhookSender>(std::move(*sender)));
}

}  // namespace toq::app
