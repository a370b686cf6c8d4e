// toq-media's entry point: wires the subcommands to the command-line adapter.

#include "adapter/cli/cli.hpp"
#include "app/commands.hpp"

int main(int argc, char** argv) {
  toq::cli::Handlers handlers;
  handlers.version = toq::app::command_version;
  handlers.migrate = toq::app::command_migrate;
  handlers.config_show = toq::app::command_config_show;
  handlers.token = toq::app::command_token;
  handlers.serve = toq::app::command_serve;
  handlers.process = toq::app::command_process;
  handlers.worker = toq::app::command_worker;
  return toq::cli::run(argc, argv, handlers);
}
