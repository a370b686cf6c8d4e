#include "adapter/cli/cli.hpp"

#include <iostream>
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

// Each add_* registers one subcommand whose callback selects its handler with its options.
using Chosen = std::function<int()>;

void add_token(CLI::App& app, TokenOptions& opts, const Handlers& handlers, Chosen& chosen) {
  auto* cmd =
      app.add_subcommand("token", "print a development JWT signed with the configured secret");
  add_common(*cmd, opts.common);
  cmd->add_option("--sub", opts.sub, "user id (the `sub` claim)")
      ->required()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{999999999999999999}));
  cmd->add_option("--role", opts.role, "photographer, owner, admin, client or service")
      ->required()
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            if (core::parse_role(value)) return {};
            return "unknown role '" + value +
                   "': expected photographer, owner, admin, client or service";
          },
          "ROLE"));
  cmd->add_option("--ttl", opts.ttl_seconds, "lifetime in seconds (default 3600)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{31536000}));
  cmd->callback([&] { chosen = [&] { return handlers.token(opts); }; });
}

void add_process(CLI::App& app, ProcessOptions& opts, const Handlers& handlers, Chosen& chosen) {
  auto* cmd = app.add_subcommand(
      "process", "run the media pipeline on local files: renditions, ZIP and report.json in --out");
  cmd->add_option("PATH", opts.inputs,
                  "photo, video or PDF files, or folders (searched recursively, hidden entries "
                  "skipped, in byte order of their relative paths)")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--out", opts.out_dir, "output directory (created)")->required();
  cmd->add_option("--jobs", opts.jobs, "files processed at once (default: one per core)")
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--quiet", opts.quiet, "no progress display");
  cmd->callback([&] { chosen = [&] { return handlers.process(opts); }; });
}

// The AWS pipeline's tasks: the Lambda custom runtime, and the same tasks as a plain process.
void add_lambda(CLI::App& app, LambdaOptions& opts, const Handlers& handlers, Chosen& chosen) {
  auto* cmd = app.add_subcommand(
      "lambda", "the AWS Lambda custom runtime for one pipeline task (AWS_LAMBDA_RUNTIME_API)");
  add_common(*cmd, opts.common);
  cmd->add_option("TASK", opts.task, "asset, archive, report or starter")
      ->required()
      ->check(CLI::IsMember({"asset", "archive", "report", "starter"}));
  cmd->callback([&] { chosen = [&] { return handlers.lambda(opts); }; });
}

void add_task(CLI::App& app, TaskOptions& opts, const Handlers& handlers, Chosen& chosen) {
  auto* cmd = app.add_subcommand(
      "task", "one pipeline task as a process (ECS/Fargate); input in TOQ_MEDIA_TASK_INPUT");
  add_common(*cmd, opts.common);
  cmd->add_option("TASK", opts.task, "asset or archive")
      ->required()
      ->check(CLI::IsMember({"asset", "archive"}));
  cmd->add_option("--input", opts.input_file, "the task input (JSON) from a file")
      ->check(CLI::ExistingFile);
  cmd->callback([&] { chosen = [&] { return handlers.task(opts); }; });
}

// The options of every subcommand; they outlive parsing and the chosen handler's run.
struct AllOptions {
  CommonOptions migrate;
  ConfigShowOptions show;
  TokenOptions token;
  ServeOptions serve;
  ProcessOptions process;
  WorkerOptions worker;
  LambdaOptions lambda;
  TaskOptions task;
};

void add_subcommands(CLI::App& app, AllOptions& o, const Handlers& handlers, Chosen& chosen) {
  if (handlers.version) {
    auto* cmd = app.add_subcommand("version", "print the version and the libraries built in");
    cmd->callback([&] { chosen = handlers.version; });
  }
  if (handlers.migrate) {
    auto* cmd = app.add_subcommand("migrate", "apply pending database migrations");
    add_common(*cmd, o.migrate);
    cmd->callback([&] { chosen = [&] { return handlers.migrate(o.migrate); }; });
  }
  if (handlers.config_show) {
    auto* cmd = app.add_subcommand("config", "print the effective configuration as YAML");
    add_common(*cmd, o.show.common);
    cmd->add_flag("--show-secrets", o.show.show_secrets, "print secrets in clear");
    cmd->callback([&] { chosen = [&] { return handlers.config_show(o.show); }; });
  }
  if (handlers.token) add_token(app, o.token, handlers, chosen);
  if (handlers.serve) {
    auto* cmd = app.add_subcommand("serve", "serve the HTTP API (and the embedded store)");
    add_common(*cmd, o.serve.common);
    cmd->add_option("--listen", o.serve.listen,
                    "HOST:PORT to listen on (default server.listen, 127.0.0.1:8080; port 0 = any)");
    cmd->callback([&] { chosen = [&] { return handlers.serve(o.serve); }; });
  }
  if (handlers.process) add_process(app, o.process, handlers, chosen);
  if (handlers.worker) {
    auto* cmd =
        app.add_subcommand("worker", "run processing jobs from the database (embedded mode)");
    add_common(*cmd, o.worker.common);
    cmd->add_flag("--once", o.worker.once, "exit when no job is due");
    cmd->add_option("--events-fd", o.worker.events_fd,
                    "file descriptor for event lines to the supervising serve (set by serve)");
    cmd->callback([&] { chosen = [&] { return handlers.worker(o.worker); }; });
  }
  if (handlers.lambda) add_lambda(app, o.lambda, handlers, chosen);
  if (handlers.task) add_task(app, o.task, handlers, chosen);
}

}  // namespace

int run(int argc, char** argv, const Handlers& handlers) {
  CLI::App app{"toq-media: the listing-media service of the TOQ platform", "toq-media"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "every subcommand's help");
  AllOptions options;
  Chosen chosen;
  add_subcommands(app, options, handlers, chosen);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 answers a word that is no command with "A subcommand is required": name it instead.
    if (argc > 1 && argv[1][0] != '-') {
      std::string names;
      bool known = false;
      for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        names += (names.empty() ? "" : ", ") + sub->get_name();
        known = known || sub->get_name() == argv[1];
      }
      if (!known) {
        std::cerr << "toq-media: unknown command '" << argv[1] << "'; the commands are: " << names
                  << ".\nRun with --help for what each does.\n";
        return 2;
      }
    }
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return chosen ? chosen() : 2;
}

}  // namespace toq::cli
