// `toq-media serve`: the composition of the HTTP API (see commands.hpp for its contract).

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pthread.h>
#include <signal.h>

#include "core/service/complete_upload_batch.hpp"
#include "core/service/create_upload_batch.hpp"
#include "core/service/get_batch_status.hpp"
#include "core/service/list_download_urls.hpp"
#include "core/service/refresh_upload_urls.hpp"
#include "core/service/register_listing.hpp"
#include "core/service/retry_batch.hpp"

#include "adapter/http/api_routes.hpp"
#include "adapter/http/auth/jwt_verifier.hpp"
#include "adapter/http/http_server.hpp"
#include "adapter/http/ops_routes.hpp"
#include "adapter/http/storage_routes.hpp"
#include "adapter/http/web_routes.hpp"
#include "adapter/storage/content_disposition.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "adapter/storage/storage_request_handler.hpp"
#include "adapter/web/static_files.hpp"
#include "adapter/webhook/webhook_secret.hpp"
#include "adapter/webhook/webhook_sender.hpp"
#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/outbox_relay.hpp"
#include "app/secrets.hpp"
#include "app/wiring.hpp"
#include "app/worker_supervisor.hpp"

namespace toq::app {
namespace {

int report(const core::Error& e) {
  log::error("serve failed",
             {{"code", std::string{core::to_string(e.code)}}, {"error", e.message}});
  std::cerr << fmt::format("toq-media: {}: {}\n", core::to_string(e.code), e.message);
  if (!e.hint.empty()) std::cerr << fmt::format("hint: {}\n", e.hint);
  return 1;
}

std::string host_port_text(const std::string& host, int port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

// "host:0" / "[v6]:0" -> host; nullopt for any other port.
std::optional<std::string> ephemeral_host(std::string_view listen) {
  if (!listen.ends_with(":0")) return std::nullopt;
  std::string_view host = listen.substr(0, listen.size() - 2);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return std::nullopt;
  return std::string{host};
}

core::Result<http::auth::JwtVerifier> make_verifier(const Config& config,
                                                    const core::Clock& clock) {
  http::auth::JwtVerifierConfig jwt;
  jwt.issuer = config.auth.issuer;
  jwt.audience = config.auth.audience;
  jwt.leeway = std::chrono::seconds{config.auth.leeway_seconds};
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
  } else if (!config.auth.jwt_secret.empty()) {
    jwt.key = config.auth.jwt_secret;
  } else {
    auto stored = load_or_create_secret(config.data_dir / "jwt.secret");
    if (!stored) return std::unexpected(stored.error());
    jwt.key = std::move(*stored);
  }
  return http::auth::JwtVerifier::create(std::move(jwt), clock);
}

// Options for a server bound before the configuration is loaded (--listen HOST:0): the timeouts
// come from a configuration read early; a configuration error is reported by the full load.
http::ServerOptions server_options(const std::string& host, int port, const MapEnvironment& env,
                                   const std::optional<std::filesystem::path>& config_file) {
  http::ServerOptions out{.host = host, .port = port};
  if (auto early = load_config(config_file, env)) {
    out.read_timeout = std::chrono::seconds{early->server.read_timeout_seconds};
    out.write_timeout = out.read_timeout;
  }
  return out;
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

}  // namespace

int command_serve(const cli::ServeOptions& options) {
  // Signals are taken by sigwait() below; blocked before any thread starts, so every thread
  // inherits the mask and none is interrupted by them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto env = MapEnvironment::snapshot(ProcessEnvironment{});
  const auto& common = options.common;
  if (common.data_dir) env.set(std::string(kEnvPrefix) + "DATA_DIR", common.data_dir->string());

  // --listen HOST:0 binds now, so the configuration (storage.publicBaseUrl) sees the real port.
  std::unique_ptr<http::HttpServer> server;
  if (options.listen) {
    std::string listen = *options.listen;
    if (auto host = ephemeral_host(listen)) {
      server =
          std::make_unique<http::HttpServer>(server_options(*host, 0, env, common.config_file));
      auto port = server->bind();
      if (!port) return report(port.error());
      listen = host_port_text(*host, *port);
    }
    env.set(std::string(kEnvPrefix) + "SERVER_LISTEN", listen);
  }
  auto config = load_config(common.config_file, env);
  if (!config) return report(config.error());
  init_logging(config->log);

  if (!server) {
    const auto hp = parse_host_port(config->server.listen);
    if (!hp) {
      return report(core::make_error(core::ErrorCode::kConfigInvalid,
                                     "server.listen is not HOST:PORT: " + config->server.listen));
    }
    server = std::make_unique<http::HttpServer>(http::ServerOptions{
        .host = hp->host,
        .port = static_cast<int>(hp->port),
        .read_timeout = std::chrono::seconds{config->server.read_timeout_seconds},
        .write_timeout = std::chrono::seconds{config->server.read_timeout_seconds}});
    if (auto port = server->bind(); !port) return report(port.error());
  }

  const core::SystemClock clock;
  auto db = open_database(*config);
  if (!db) return report(db.error());
  auto storage = open_object_storage(*config, clock);
  if (!storage) return report(storage.error());
  auto verifier = make_verifier(*config, clock);
  if (!verifier) return report(verifier.error());

  core::RegisterListing listings{{**db, clock}};
  core::CreateUploadBatchOptions create_options;
  create_options.limits = manifest_limits(*config);
  create_options.multipart_threshold_bytes = config->storage.multipart_threshold_bytes;
  create_options.part_size_bytes = config->storage.part_size_bytes;
  create_options.url_ttl = std::chrono::seconds{config->storage.url_ttl_seconds};
  core::CreateUploadBatch create_batch{{**db, *storage->multipart, *storage->signer, clock},
                                       create_options};
  core::CompleteUploadBatch complete_batch{{**db, *storage->store, *storage->multipart, clock}};
  core::RefreshUploadUrls refresh_urls{
      {**db, *storage->store, *storage->multipart, *storage->signer, clock}, create_options};
  core::GetBatchStatus batch_status{{**db}};
  core::ListDownloadUrls download_urls{
      {**db, *storage->signer, clock,
       [](std::string_view name) { return storage::content_disposition(name); }},
      {std::chrono::seconds{config->storage.url_ttl_seconds}}};
  core::RetryBatch retry_batch{{**db, clock}};

  http::ApiOptions api;
  api.services.listings = &listings;
  api.services.create_batch = &create_batch;
  api.services.complete_batch = &complete_batch;
  api.services.refresh_urls = &refresh_urls;
  api.services.batch_status = &batch_status;
  api.services.download_urls = &download_urls;
  api.services.retry_batch = &retry_batch;
  core::Database& database = **db;
  api.services.check_database = [&database]() -> core::Status {
    return database.run([](core::UnitOfWork& uow) -> core::Status {
      auto found = uow.listings().find(core::ListingId{0});
      if (!found) return std::unexpected(found.error());
      return {};
    });
  };
  core::ObjectStore& store = *storage->store;
  api.services.check_store = [&store]() -> core::Status {
    auto head = store.head("toq-media/readyz-probe");
    if (!head) return std::unexpected(head.error());
    return {};
  };
  api.verifier = &*verifier;
  api.max_body_bytes = config->server.max_body_bytes;
  api.hooks.access_log = [](const http::AccessLogEntry& e) {
    log::info("request", {{"method", e.method},
                          {"path", e.path},
                          {"query", e.query},
                          {"status", e.status},
                          {"duration_ms", e.duration_ms},
                          {"request_id", e.request_id}});
  };
  api.hooks.internal_error = [](const core::Error& e, std::string_view request_id,
                                std::string_view what) {
    log::error("request failed", {{"request_id", std::string{request_id}},
                                  {"route", std::string{what}},
                                  {"code", std::string{core::to_string(e.code)}},
                                  {"error", e.message}});
  };
  const http::CorsPolicy cors{config->cors.allowed_origins};
  http::Metrics metrics;
  api.cors = &cors;
  api.metrics = &metrics;
  api.route_templates = http::RouteTemplates{http::openapi_path_templates()};
  http::mount_api_routes(*server, std::move(api));
  http::mount_ops_routes(*server, metrics);

  // The upload page, the gallery and /docs. The store's origin comes from a URL its signer makes,
  // so the policy follows whatever storage is configured (local publicBaseUrl, S3, an endpoint).
  std::string store_origin;
  if (auto probe = storage->signer->presign_get("toq-media/csp-probe", {})) {
    store_origin = origin_of(probe->url);
  }
  const web::StaticFileHandler web_handler{web::StaticSiteConfig{
      .root = web_root(*config), .content_security_policy = page_security_policy(store_origin)}};
  if (!web_handler.has_file("ui/upload/index.html")) {
    log::warn("web bundle missing: /ui and /docs answer 404",
              {{"web_root", web_handler.config().root.string()},
               {"hint", "build it (make build, target toq_web_bundle) or set web.root"}});
  }
  http::mount_web_routes(*server, web_handler);

  std::unique_ptr<storage::StorageRequestHandler> storage_handler;
  if (storage->local) {
    storage::StorageHandlerConfig handler_config;
    handler_config.allowed_origins = config->cors.allowed_origins;
    storage_handler =
        std::make_unique<storage::StorageRequestHandler>(*storage->local, handler_config);
    http::mount_storage_routes(*server, *storage_handler);
  }

  // Outbound webhooks, from the outbox, when a receiver is configured.
  std::optional<webhook::WebhookSender> sender;
  std::unique_ptr<OutboxRelay> relay;
  if (!config->webhooks.url.empty()) {
    auto secret = webhook::WebhookSecret::parse(config->webhooks.secret);
    if (!secret) return report(secret.error());
    auto created = webhook::WebhookSender::create(
        webhook::WebhookSenderOptions{.url = config->webhooks.url, .ca_file = {}},
        std::move(*secret));
    if (!created) return report(created.error());
    sender.emplace(std::move(*created));
    relay = std::make_unique<OutboxRelay>(
        **db, *sender, clock,
        RelayOptions{
            .log = [](std::string_view what, const core::OutboxEvent& e, std::string_view detail) {
              log::info(what, {{"event_id", e.event_id},
                               {"type", e.type},
                               {"attempts", e.attempts},
                               {"detail", std::string(detail)}});
            }});
  }

  // The embedded mode's worker processes: a crash in media code ends a worker, never the API.
  std::unique_ptr<WorkerSupervisor> workers;
  int worker_count = 0;
  if (config->processing.mode == ProcessingMode::kLocal && config->processing.start_workers) {
    worker_count = config->processing.workers > 0
                       ? config->processing.workers
                       : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) {
      return report(core::make_error(core::ErrorCode::kInternal,
                                     "cannot find the toq-media executable: " + ec.message()));
    }
    std::vector<std::string> args = {"worker", "--data-dir",
                                     std::filesystem::absolute(config->data_dir).string()};
    if (common.config_file) {
      args.push_back("--config");
      args.push_back(std::filesystem::absolute(*common.config_file).string());
    }
    workers = std::make_unique<WorkerSupervisor>(SupervisorOptions{
        .executable = self.string(),
        .args = std::move(args),
        .count = worker_count,
        .restart_delay = std::chrono::milliseconds(500),
        .on_line =
            [&metrics](std::string_view line) {
              // The workers' events feed this process's /metrics.
              const auto e = nlohmann::json::parse(line, nullptr, false);
              if (!e.is_object()) return;
              const auto what = e.value("event", "");
              if (what == "job_started") {
                metrics.media_job_started();
              } else if (what == "job_finished") {
                metrics.media_job_finished(e.value("seconds", 0.0));
                if (e.value("end", "") == "failed") metrics.media_batch_failed();
              } else if (what == "asset_failed") {
                metrics.media_asset_failed(e.value("code", "INTERNAL_ERROR"));
              }
            },
        .on_event =
            [](const WorkerEvent& e) {
              LogFields fields{{"event", e.what}, {"slot", e.slot}, {"pid", e.pid}};
              if (e.exit_code >= 0) fields.emplace_back("exit_code", e.exit_code);
              if (e.signal != 0) fields.emplace_back("signal", e.signal);
              if (e.what == "exited") {
                log::warn("worker exited", fields);
              } else {
                log::info("worker", fields);
              }
            }});
  }

  auto port = server->start();
  if (!port) return report(port.error());
  if (workers) workers->start();
  if (relay) relay->start();
  const std::string listen = host_port_text(server->options().host, *port);
  log::info("listening", {{"listen", listen},
                          {"port", *port},
                          {"url", "http://" + listen},
                          {"storage", std::string{to_string(config->storage.driver)}},
                          {"storage_public_base_url", config->storage.public_base_url},
                          {"database", std::string{to_string(config->database.driver)}},
                          {"workers", worker_count},
                          {"webhooks", !config->webhooks.url.empty()}});

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  log::info("stopping", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  // Stops accepting and lets requests in flight finish, within server.shutdownGraceSeconds: a
  // client that keeps a request open past it does not hold the process.
  const auto grace = std::chrono::seconds{config->server.shutdown_grace_seconds};
  if (relay) relay->stop();
  // Workers finish the file in hand within the grace period, else they are killed: their jobs
  // stay in the database and resume at the next start (the lease expires).
  if (workers) workers->stop(grace);
  if (!server->stop_within(grace)) {
    log::warn("shutdown grace period expired",
              {{"shutdown_grace_seconds", config->server.shutdown_grace_seconds},
               {"note", "exiting with requests still open"}});
    std::fflush(nullptr);
    // The serving thread still runs: destroying the server (or anything it uses) is not safe.
    std::_Exit(0);
  }
  log::info("stopped");
  return 0;
}

}  // namespace toq::app
