#pragma once
// The composition root's one place that picks adapters for the ports, from the configuration.
// Everything else in app/ asks here (use_cases.hpp builds the use cases on what this returns).

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/media_processor.hpp"
#include "core/port/object_store.hpp"
#include "core/port/webhook_sender.hpp"

#include "adapter/http/auth/jwt_verifier.hpp"
#include "adapter/media/pipeline/pipeline.hpp"
#include "app/config.hpp"

namespace toq::storage {
class LocalObjectStore;
}

namespace toq::app {

// ---- The database ----

// The Database adapter database.driver names; either migrates itself on open. mysql:
// DATABASE_UNAVAILABLE (naming host and port, or socket) when the server cannot be reached
// within database.mysql.connectTimeoutSeconds, DATABASE_ERROR for refused credentials or an
// unknown database.
core::Result<std::unique_ptr<core::Database>> open_database(const Config& config);

// What `toq-media migrate` did.
struct MigrationResult {
  std::string database;  // where it is (a path, a mysql:// address)
  int from_version = 0;
  int to_version = 0;
  std::vector<std::string> applied;  // the migrations applied, in order
};
// Applies the pending migrations of the configured database.
core::Result<MigrationResult> migrate_database(const Config& config);

// For `toq-media version`: the libraries the build runs with, one line each ("sqlite 3.40.1"),
// and the schema version each database adapter migrates to ("7 (sqlite), 7 (mysql)").
struct AdapterVersions {
  std::vector<std::string> libraries;
  std::string schema_versions;
};
AdapterVersions adapter_versions();

// ---- The object store ----

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

// A scratch embedded store under `root` for `toq-media process`: a random key, no fsync (the
// command removes it at the end).
core::Result<ObjectStorage> open_scratch_storage(const std::filesystem::path& root,
                                                 const core::Clock& clock);

// ---- Authentication ----

// The bearer-token verifier `serve` mounts: RS256 with auth.jwtPublicKeyFile, else HS256 with
// auth.jwtSecret or <dataDir>/jwt.secret (created on first use, as `toq-media token` does).
core::Result<http::auth::JwtVerifier> make_jwt_verifier(const Config& config,
                                                        const core::Clock& clock);
// The HS256 issuer of `toq-media token`, on the secret the verifier uses.
core::Result<http::auth::JwtIssuer> make_jwt_issuer(const Config& config, const core::Clock& clock);

// ---- Processing and notifications ----

// The media pipeline's limits from processing.* (the embedded workers and the AWS tasks run the
// same steps with them).
media::PipelineLimits pipeline_limits(const Config& config);

// The media pipeline (both modes run it) on `storage`, with the limits of processing.*, working
// in `work_root`.
std::unique_ptr<core::MediaProcessor> make_media_processor(const Config& config,
                                                           const ObjectStorage& storage,
                                                           const std::filesystem::path& work_root);

// The outbound webhook sender of webhooks.url and webhooks.secret; null when no URL is set.
core::Result<std::unique_ptr<core::WebhookSender>> open_webhook_sender(const Config& config);

}  // namespace toq::app
