#pragma once
// The composition root: the only place that picks adapters for the ports.

#include <memory>

#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/object_store.hpp"

#include "app/config.hpp"

namespace toq::storage {
class LocalObjectStore;
}
namespace toq::mysql {
struct MysqlOptions;
}

namespace toq::app {

// The Database adapter the configuration names; either migrates itself on open. mysql:
// DATABASE_UNAVAILABLE (naming host and port, or socket) when the server cannot be reached
// within database.mysql.connectTimeoutSeconds, DATABASE_ERROR for refused credentials or an
// unknown database.
core::Result<std::unique_ptr<core::Database>> open_database(const Config& config);

// The MySQL adapter's options from database.mysql.*.
mysql::MysqlOptions mysql_options(const Config& config);

// The object store the configuration names, with its capabilities (one object behind all three).
struct ObjectStorage {
  std::shared_ptr<core::ObjectStore> store;
  std::shared_ptr<core::MultipartStore> multipart;
  std::shared_ptr<core::UrlSigner> signer;
  // Set for the embedded store only: the HTTP server mounts it under /storage/.
  std::shared_ptr<storage::LocalObjectStore> local;
};

// Access key id of the embedded store's presigned URLs; its secret is <dataDir>/storage.secret.
inline constexpr const char* kLocalAccessKeyId = "toq-local";

// local: the embedded store under storage.local.root, signing with the secret kept in the data
// dir (created on first use, mode 0600). s3: the S3 adapter with credentials from the config, else
// the environment (AWS_ACCESS_KEY_ID...), else the ECS container endpoint. `clock` must outlive
// the result.
core::Result<ObjectStorage> open_object_storage(const Config& config, const core::Clock& clock);

}  // namespace toq::app
