#pragma once
// The subcommands' implementations, wired to the CLI adapter by main.cpp.

#include "adapter/cli/cli.hpp"

namespace toq::app {

int command_version();
int command_migrate(const cli::CommonOptions& options);
int command_config_show(const cli::ConfigShowOptions& options);

}  // namespace toq::app
