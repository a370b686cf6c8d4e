// `toq-media serve`: the composition of the HTTP API (see commands.hpp for its contract).

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include "core/service/complete_upload_batch.hpp"
#include "core/service/create_upload_batch.hpp"
#include "core/service/register_listing.hpp"

#include "adapter/http/api_routes.hpp"
#include "adapter/http/auth/jwt_verifier.hpp"
#include "adapter/http/http_server.hpp"
#include "adapter/http/storage_routes.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "adapter/storage/storage_request_handler.hpp"
#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/secrets.hpp"
#include "app/wiring.hpp"

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
      server = std::make_unique<http::HttpServer>(http::ServerOptions{.host = *host, .port = 0});
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
    server = std::make_unique<http::HttpServer>(
        http::ServerOptions{.host = hp->host, .port = static_cast<int>(hp->port)});
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

  http::ApiOptions api;
  api.services.listings = &listings;
  api.services.create_batch = &create_batch;
  api.services.complete_batch = &complete_batch;
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
  http::mount_api_routes(*server, std::move(api));

  std::unique_ptr<storage::StorageRequestHandler> storage_handler;
  if (storage->local) {
    storage::StorageHandlerConfig handler_config;
    handler_config.allowed_origins = config->cors.allowed_origins;
    storage_handler =
        std::make_unique<storage::StorageRequestHandler>(*storage->local, handler_config);
    http::mount_storage_routes(*server, *storage_handler);
  }

  auto port = server->start();
  if (!port) return report(port.error());
  const std::string listen = host_port_text(server->options().host, *port);
  log::info("listening",
            {{"listen", listen},
             {"port", *port},
             {"url", "http://" + listen},
             {"storage", std::string{to_string(config->storage.driver)}},
             {"storage_public_base_url", config->storage.public_base_url},
             {"database", std::string{to_string(config->database.driver)}},
             {"workers", 0},
             {"note",
              "no worker processes yet (processing arrives with issue 6): completed batches "
              "stay RECEIVED"}});

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  log::info("stopping", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server->stop();  // stops accepting, lets requests in flight finish, joins every thread
  log::info("stopped");
  return 0;
}

}  // namespace toq::app
