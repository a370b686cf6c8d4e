// toq-media's entry point: wires the subcommands to the command-line adapter.

#include "core/model/time.hpp"

#include "adapter/cli/cli.hpp"
#include "adapter/cli/process/process_command.hpp"
#include "app/commands.hpp"
#include "app/wiring.hpp"

namespace {

// `toq-media process` works in a scratch embedded store the composition root opens.
int process(const toq::cli::ProcessOptions& options) {
  static const toq::core::SystemClock kClock;
  return toq::cli::run_process(
      options, [](const std::filesystem::path& root) -> toq::core::Result<toq::cli::ScratchStore> {
        auto storage = toq::app::open_scratch_storage(root, kClock);
        if (!storage) return std::unexpected(storage.error());
        return toq::cli::ScratchStore{storage->store, storage->multipart};
      });
}

}  // namespace

int main(int argc, char** argv) {
  toq::cli::Handlers handlers;
  handlers.version = toq::app::command_version;
  handlers.migrate = toq::app::command_migrate;
  handlers.config_show = toq::app::command_config_show;
  handlers.token = toq::app::command_token;
  handlers.serve = toq::app::command_serve;
  handlers.process = process;
  handlers.worker = toq::app::command_worker;
  handlers.lambda = toq::app::command_lambda;
  handlers.task = toq::app::command_task;
  return toq::cli::run(argc, argv, handlers);
}
