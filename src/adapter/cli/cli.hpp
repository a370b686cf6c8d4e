#pragma once
// The command line (a left adapter): parses arguments with CLI11 and calls the handler the
// composition root wired for each subcommand. It knows nothing of databases or stores.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace toq::cli {

// Options every subcommand that reads configuration accepts.
struct CommonOptions {
  std::optional<std::filesystem::path> config_file;  // --config FILE
  std::optional<std::filesystem::path> data_dir;     // --data-dir DIR (overrides config and env)
};

struct ConfigShowOptions {
  CommonOptions common;
  bool show_secrets = false;
};

// Each handler returns the process exit status. A missing handler makes its subcommand absent.
struct Handlers {
  std::function<int()> version;
  std::function<int(const CommonOptions&)> migrate;
  std::function<int(const ConfigShowOptions&)> config_show;
};

// Exit status: the handler's, 2 for a usage error (CLI11's message is printed).
int run(int argc, char** argv, const Handlers& handlers);

}  // namespace toq::cli
