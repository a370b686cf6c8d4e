// The small subcommands: version, migrate, config and token (contracts in commands.hpp).

#include "app/commands.hpp"

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/version.hpp"
#include "app/wiring.hpp"

namespace toq::app {
namespace {

// Prints an error the way every subcommand does: the code, the plain message, the hint.
int report(const core::Error& e) {
  std::cerr << fmt::format("toq-media: {}: {}\n", core::to_string(e.code), e.message);
  if (!e.hint.empty()) std::cerr << fmt::format("hint: {}\n", e.hint);
  return 1;
}

// Configuration from defaults, the file, TOQ_MEDIA_* and finally the command line.
core::Result<Config> configure(const cli::CommonOptions& options) {
  auto env = MapEnvironment::snapshot(ProcessEnvironment{});
  if (options.data_dir) env.set(std::string(kEnvPrefix) + "DATA_DIR", options.data_dir->string());
  auto config = load_config(options.config_file, env);
  if (config) init_logging(config->log);
  return config;
}

}  // namespace

int command_version() {
  std::cout << fmt::format("toq-media {} ({} build, commit {})\n", kVersion, kBuildType,
                           kGitCommit);
  const auto versions = adapter_versions();
  for (const auto& library : versions.libraries) std::cout << "  " << library << '\n';
  std::cout << fmt::format("  schema version {}\n", versions.schema_versions);
  return 0;
}

int command_migrate(const cli::CommonOptions& options) {
  auto config = configure(options);
  if (!config) return report(config.error());
  auto migrated = migrate_database(*config);
  if (!migrated) return report(migrated.error());
  log_migration(*migrated);
  std::cout << fmt::format("{}: schema version {} -> {}\n", migrated->database,
                           migrated->from_version, migrated->to_version);
  for (const auto& m : migrated->applied) std::cout << "  applied " << m << '\n';
  if (migrated->applied.empty()) std::cout << "  up to date\n";
  return 0;
}

int command_config_show(const cli::ConfigShowOptions& options) {
  auto config = configure(options.common);
  if (!config) return report(config.error());
  std::cout << dump_config(*config, !options.show_secrets);
  return 0;
}

int command_token(const cli::TokenOptions& options) {
  auto config = configure(options.common);
  if (!config) return report(config.error());
  if (!config->auth.jwt_public_key_file.empty()) {
    return report(core::make_error(
        core::ErrorCode::kConfigInvalid,
        fmt::format("auth.jwtPublicKeyFile is set ({}): serve verifies RS256 tokens, and a public "
                    "key cannot sign them",
                    config->auth.jwt_public_key_file.string()),
        {},
        "Get tokens from the identity provider that holds the private key, or unset "
        "auth.jwtPublicKeyFile to use an HS256 secret."));
  }
  const auto role = core::parse_role(options.role);
  if (!role) {
    return report(core::make_error(core::ErrorCode::kInvalidRequest,
                                   fmt::format("unknown role '{}'", options.role), {},
                                   "Use photographer, owner, admin, client or service."));
  }
  if (options.ttl_seconds > config->auth.max_token_lifetime_seconds) {
    // Still printed (a token for another deployment's bound), but not silently useless here.
    std::cerr << fmt::format(
        "warning: --ttl {} is above auth.maxTokenLifetimeSeconds ({}): this deployment's serve "
        "refuses the token\n",
        options.ttl_seconds, config->auth.max_token_lifetime_seconds);
  }
  const core::SystemClock clock;
  auto issuer = make_jwt_issuer(*config, clock);
  if (!issuer) return report(issuer.error());
  auto token =
      issuer->issue(core::UserId{options.sub}, *role, std::chrono::seconds{options.ttl_seconds});
  if (!token) return report(token.error());
  std::cout << *token << '\n';
  return 0;
}

}  // namespace toq::app
