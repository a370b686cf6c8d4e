// toq-media's entry point: wires the subcommands to the command-line adapter.

#include "core/model/time.hpp"

#include "adapter/cli/cli.hpp"
#include "adapter/cli/process/process_command.hpp"
#include "app/commands.hpp"
#include "app/wiring.hpp"

namespace {

// `toq-media process` runs the pipeline the composition root builds on a scratch store.
int process(const toq::cli::ProcessOptions& options) {
  static const toq::core::SystemClock kClock;
  return toq::cli::run_process(
      options,
      [](const std::filesystem::path& store_root,
         const std::filesystem::path& work_root) -> toq::core::Result<toq::cli::ProcessPipeline> {
        auto opened = toq::app::open_scratch_pipeline(store_root, work_root, kClock);
        if (!opened) return std::unexpected(opened.error());
        auto owner = std::make_shared<toq::app::ScratchPipeline>(std::move(*opened));
        return toq::cli::ProcessPipeline{.owner = owner, .context = owner->context};
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
