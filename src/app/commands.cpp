#include "app/commands.hpp"

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <sqlite3.h>

#include "adapter/http/auth/jwt_verifier.hpp"
#include "adapter/mysql/mysql_database.hpp"
#include "adapter/sqlite/sqlite_database.hpp"
#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/secrets.hpp"
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
  std::cout << fmt::format("  sqlite {}\n  fmt {}.{}.{}\n", sqlite3_libversion(),
                           FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100);
  std::cout << fmt::format("  mariadb connector/c {}\n", mysql_get_client_info());
  std::cout << fmt::format("  schema version {} (sqlite), {} (mysql)\n",
                           sqlite::latest_schema_version(), mysql::latest_schema_version());
  return 0;
}

int command_migrate(const cli::CommonOptions& options) {
  auto config = configure(options);
  if (!config) return report(config.error());
  std::string name;
  std::vector<std::string> applied;
  int from = 0;
  int to = 0;
  if (config->database.driver == DatabaseDriver::kMysql) {
    const auto& m = config->database.mysql;
    name = m.socket.empty() ? fmt::format("mysql://{}:{}/{}", m.host, m.port, m.database)
                            : fmt::format("mysql://{}/{}", m.socket, m.database);
    auto migrated = mysql::MysqlDatabase::migrate_database(mysql_options(*config));
    if (!migrated) return report(migrated.error());
    applied = migrated->applied;
    from = migrated->from_version;
    to = migrated->to_version;
  } else {
    const auto& path = config->database.sqlite.path;
    name = path.string();
    auto migrated = sqlite::SqliteDatabase::migrate_file(
        {path, config->database.sqlite.busy_timeout_ms, false});
    if (!migrated) return report(migrated.error());
    applied = migrated->applied;
    from = migrated->from_version;
    to = migrated->to_version;
  }
  log::info("database migrated", {{"database", name}, {"from_version", from}, {"to_version", to}});
  std::cout << fmt::format("{}: schema version {} -> {}\n", name, from, to);
  for (const auto& m : applied) std::cout << "  applied " << m << '\n';
  if (applied.empty()) std::cout << "  up to date\n";
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
  std::string secret = config->auth.jwt_secret;
  if (secret.empty()) {
    auto stored = load_or_create_secret(config->data_dir / "jwt.secret");
    if (!stored) return report(stored.error());
    secret = std::move(*stored);
  }
  const core::SystemClock clock;
  auto issuer = http::auth::JwtIssuer::create(
      {std::move(secret), config->auth.issuer, config->auth.audience}, clock);
  if (!issuer) return report(issuer.error());
  auto token =
      issuer->issue(core::UserId{options.sub}, *role, std::chrono::seconds{options.ttl_seconds});
  if (!token) return report(token.error());
  std::cout << *token << '\n';
  return 0;
}

}  // namespace toq::app
