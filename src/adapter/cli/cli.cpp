#include "adapter/cli/cli.hpp"

#include <CLI/CLI.hpp>

namespace toq::cli {
namespace {

void add_common(CLI::App& cmd, CommonOptions& common) {
  cmd.add_option("--config", common.config_file, "YAML configuration file")
      ->check(CLI::ExistingFile);
  cmd.add_option("--data-dir", common.data_dir, "data directory (default ./var)");
}

}  // namespace

int run(int argc, char** argv, const Handlers& handlers) {
  CLI::App app{"toq-media: the listing-media service of the TOQ platform", "toq-media"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "every subcommand's help");

  CommonOptions migrate_opts;
  ConfigShowOptions show_opts;
  std::function<int()> chosen;

  if (handlers.version) {
    auto* cmd = app.add_subcommand("version", "print the version and the libraries built in");
    cmd->callback([&] { chosen = handlers.version; });
  }
  if (handlers.migrate) {
    auto* cmd = app.add_subcommand("migrate", "apply pending database migrations");
    add_common(*cmd, migrate_opts);
    cmd->callback([&] { chosen = [&] { return handlers.migrate(migrate_opts); }; });
  }
  if (handlers.config_show) {
    auto* cmd = app.add_subcommand("config", "print the effective configuration as YAML");
    add_common(*cmd, show_opts.common);
    cmd->add_flag("--show-secrets", show_opts.show_secrets, "print secrets in clear");
    cmd->callback([&] { chosen = [&] { return handlers.config_show(show_opts); }; });
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return chosen ? chosen() : 2;
}

}  // namespace toq::cli
