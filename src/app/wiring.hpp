#pragma once
// The composition root's one place that picks and builds adapters for the ports, from the
// configuration (with aws_wiring.hpp for the AWS services). Everything else in app/ asks here and
// only composes: use_cases.hpp builds the use cases on what this returns; the commands mount
// routes, run periodic tasks and worker processes, and log and count what happens.
// scripts/check-layers.sh keeps the rest of app/ off the adapters built here.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/media_processor.hpp"
#include "core/port/object_store.hpp"
#include "core/port/webhook_sender.hpp"

#include "adapter/http/auth/jwt_verifier.hpp"
#include "adapter/http/cors.hpp"
#include "adapter/http/metrics.hpp"
#include "adapter/media/pipeline/pipeline.hpp"
#include "app/config.hpp"

namespace toq::storage {
class LocalObjectStore;
class StorageRequestHandler;
}  // namespace toq::storage
namespace toq::http {
class HttpServer;
}
namespace toq::web {
class StaticFileHandler;
}

namespace toq::app {

// ---- The database ----

// The Database adapter database.driver names, after its pending migrations: when there were any,
// one "database migrated" log line names them, the versions and how long they took. mysql:
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
  std::chrono::milliseconds duration{0};
};
// Applies the pending migrations of the configured database.
core::Result<MigrationResult> migrate_database(const Config& config);
// The one "database migrated" log line (database, from_version, to_version, applied,
// duration_ms), the same from `toq-media migrate` and from a start that migrated (open_database).
void log_migration(const MigrationResult& migrated);

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

// What one sweep of the embedded store's leftovers removed.
struct StoreReaped {
  std::size_t temp_files = 0;  // left by crashed writers
  std::size_t uploads = 0;     // abandoned multipart uploads
};
// The embedded store's sweep of what crashed writers and abandoned uploads left
// (LocalObjectStore::reap); empty for S3, whose lifecycle rules do that.
std::function<StoreReaped()> make_store_reaper(const ObjectStorage& storage);

// The Content-Disposition of a presigned download (response-content-disposition): an attachment
// under its friendly UTF-8 name, with an ASCII fallback (RFC 6266 with RFC 8187's filename*).
std::string download_disposition(std::string_view utf8_filename);

// Access key id of the embedded store's presigned URLs; its secret is <dataDir>/storage.secret.
inline constexpr const char* kLocalAccessKeyId = "toq-local";

// local: the embedded store under storage.local.root, signing with the secret kept in the data
// dir (created on first use, mode 0600). s3: the S3 adapter with credentials from the config, else
// the environment (AWS_ACCESS_KEY_ID...), else the ECS container endpoint. `clock` must outlive
// the result.
core::Result<ObjectStorage> open_object_storage(const Config& config, const core::Clock& clock);

// What `toq-media process` runs: the media pipeline on a scratch embedded store under
// `store_root` (a random key, no fsync; the command removes it at the end), working in
// `work_root`, with the pipeline's default limits. A local file declares nothing a person chose,
// so its orientation is not checked against a declaration. `clock` must outlive the result.
struct ScratchPipeline {
  ObjectStorage storage;
  media::PipelineContext context;  // on storage's store and multipart
};
core::Result<ScratchPipeline> open_scratch_pipeline(const std::filesystem::path& store_root,
                                                    const std::filesystem::path& work_root,
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

// The AWS pipeline's report task's sender: the signed callback to aws.callbackUrl, with the
// pipeline secret `secret` (a Standard Webhooks secret) and its own User-Agent.
core::Result<std::unique_ptr<core::WebhookSender>> open_callback_sender(const Config& config,
                                                                        std::string_view secret);

// ---- The HTTP side of `serve` ----

// The HTTP server for host:port (port 0: an ephemeral one), with server.*'s timeouts, threads and
// caps; `config` null: the server's defaults (serve binds --listen HOST:0 before the
// configuration is loaded, and a configuration that does not load yet leaves them).
std::unique_ptr<http::HttpServer> make_http_server(const std::string& host, int port,
                                                   const Config* config);

// The cause of each 5xx of the embedded store's /storage/ requests.
using StorageFailureReporter =
    std::function<void(const core::Error&, std::string_view request_id,
                       std::string_view traceparent, std::string_view what)>;

// What serve's routes use while the server serves: CORS (cors.allowedOrigins); /metrics; the
// upload page, the gallery and /docs from web.root (else the folder "web" beside the executable),
// under a Content-Security-Policy that allows the configured store's origin (a missing bundle is
// logged, not an error: /ui and /docs then answer 404); the embedded store's S3 requests under
// /storage/ (cors.allowedOrigins), the cause of each 5xx told to `report_failure`, null when the
// store is not the embedded one. `storage` must outlive it.
struct ServeRoutes {
  http::CorsPolicy cors;
  http::Metrics metrics;
  std::unique_ptr<web::StaticFileHandler> web;
  std::unique_ptr<storage::StorageRequestHandler> storage;
  ServeRoutes();
  ~ServeRoutes();
  ServeRoutes(const ServeRoutes&) = delete;
  ServeRoutes& operator=(const ServeRoutes&) = delete;
};
std::unique_ptr<ServeRoutes> make_serve_routes(const Config& config, const ObjectStorage& storage,
                                               StorageFailureReporter report_failure);

// The readiness probe of the data directory's free space (dataDirMinFreeBytes); empty when no
// floor is configured.
std::function<core::Status()> make_disk_check(const Config& config);

}  // namespace toq::app
