#include "app/commands.hpp"

#include <iostream>

#include <fmt/format.h>
#include <sqlite3.h>

#include "adapter/sqlite/sqlite_database.hpp"
#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/version.hpp"

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
  std::cout << fmt::format("  schema version {}\n", sqlite::latest_schema_version());
  return 0;
}

int command_migrate(const cli::CommonOptions& options) {
  auto config = configure(options);
  if (!config) return report(config.error());
  if (config->database.driver != DatabaseDriver::kSqlite) {
    return report(core::make_error(core::ErrorCode::kConfigInvalid,
                                   "database.driver 'mysql' is not available in this build yet", {},
                                   "Use database.driver: sqlite."));
  }
  const auto& path = config->database.sqlite.path;
  auto migrated =
      sqlite::SqliteDatabase::migrate_file({path, config->database.sqlite.busy_timeout_ms, false});
  if (!migrated) return report(migrated.error());
  log::info("database migrated", {{"database", path.string()},
                                  {"from_version", migrated->from_version},
                                  {"to_version", migrated->to_version}});
  std::cout << fmt::format("{}: schema version {} -> {}\n", path.string(), migrated->from_version,
                           migrated->to_version);
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

}  // namespace toq::app
