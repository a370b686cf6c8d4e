#include "app/wiring.hpp"

#include "adapter/aws/credentials.hpp"
#include "adapter/aws/s3_object_store.hpp"
#include "adapter/mysql/mysql_database.hpp"
#include "adapter/sqlite/sqlite_database.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "app/secrets.hpp"
#include "support/http/curl_http_client.hpp"

namespace toq::app {

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

namespace {

template <class Store>
ObjectStorage share(std::shared_ptr<Store> store) {
  ObjectStorage out;
  out.store = store;
  out.multipart = store;
  out.signer = store;
  return out;
}

core::Result<ObjectStorage> open_local(const Config& config, const core::Clock& clock) {
  auto secret = load_or_create_secret(config.data_dir / "storage.secret");
  if (!secret) return std::unexpected(secret.error());
  storage::LocalStoreOptions options;
  options.root = config.storage.local.root;
  options.public_base_url = config.storage.public_base_url;
  options.credentials = storage::AccessKey{kLocalAccessKeyId, *secret};
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
  std::optional<aws::Credentials> configured;
  if (!s3.access_key_id.empty()) {
    configured = aws::Credentials{
        s3.access_key_id, s3.secret_access_key,
        s3.session_token.empty() ? std::nullopt : std::optional<std::string>(s3.session_token)};
  }
  aws::S3StoreOptions options;
  options.bucket = s3.bucket;
  options.region = s3.region;
  options.endpoint = s3.endpoint;
  options.path_style = s3.path_style;
  options.credentials = aws::default_credentials_chain(configured, http, clock);
  options.spool_dir = config.data_dir / "spool";
  auto store = aws::S3ObjectStore::create(std::move(options), http, clock);
  if (!store) return std::unexpected(store.error());
  return share(std::shared_ptr<aws::S3ObjectStore>(std::move(*store)));
}

}  // namespace

core::Result<ObjectStorage> open_object_storage(const Config& config, const core::Clock& clock) {
  switch (config.storage.driver) {
    case StorageDriver::kLocal: return open_local(config, clock);
    case StorageDriver::kS3: return open_s3(config, clock);
  }
  return core::fail(core::ErrorCode::kConfigInvalid, "unknown storage.driver");
}

}  // namespace toq::app
