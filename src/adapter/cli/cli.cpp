#include "adapter/cli/cli.hpp"

#include <string>

#include <CLI/CLI.hpp>

#include "core/model/principal.hpp"

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
  TokenOptions token_opts;
  ServeOptions serve_opts;
  ProcessOptions process_opts;
  WorkerOptions worker_opts;
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
  if (handlers.token) {
    auto* cmd =
        app.add_subcommand("token", "print a development JWT signed with the configured secret");
    add_common(*cmd, token_opts.common);
    cmd->add_option("--sub", token_opts.sub, "user id (the `sub` claim)")
        ->required()
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{999999999999999999}));
    cmd->add_option("--role", token_opts.role, "photographer, owner, admin, client or service")
        ->required()
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
              if (core::parse_role(value)) return {};
              return "unknown role '" + value +
                     "': expected photographer, owner, admin, client or service";
            },
            "ROLE"));
    cmd->add_option("--ttl", token_opts.ttl_seconds, "lifetime in seconds (default 3600)")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{31536000}));
    cmd->callback([&] { chosen = [&] { return handlers.token(token_opts); }; });
  }

  if (handlers.serve) {
    auto* cmd = app.add_subcommand("serve", "serve the HTTP API (and the embedded store)");
    add_common(*cmd, serve_opts.common);
    cmd->add_option("--listen", serve_opts.listen,
                    "HOST:PORT to listen on (default server.listen, 127.0.0.1:8080; port 0 = any)");
    cmd->callback([&] { chosen = [&] { return handlers.serve(serve_opts); }; });
  }
  if (handlers.process) {
    auto* cmd = app.add_subcommand(
        "process",
        "run the media pipeline on local files: renditions, ZIP and report.json in --out");
    cmd->add_option("PATH", process_opts.inputs, "photo, video or PDF files")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--out", process_opts.out_dir, "output directory (created)")->required();
    cmd->add_option("--jobs", process_opts.jobs, "files processed at once (default: one per core)")
        ->check(CLI::Range(1, 64));
    cmd->add_flag("--quiet", process_opts.quiet, "no progress display");
    cmd->callback([&] { chosen = [&] { return handlers.process(process_opts); }; });
  }
  if (handlers.worker) {
    auto* cmd =
        app.add_subcommand("worker", "run processing jobs from the database (embedded mode)");
    add_common(*cmd, worker_opts.common);
    cmd->add_flag("--once", worker_opts.once, "exit when no job is due");
    cmd->add_option("--events-fd", worker_opts.events_fd,
                    "file descriptor for event lines to the supervising serve (set by serve)");
    cmd->callback([&] { chosen = [&] { return handlers.worker(worker_opts); }; });
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
