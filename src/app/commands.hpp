#pragma once
// The subcommands' implementations, wired to the CLI adapter by main.cpp.

#include "adapter/cli/cli.hpp"

namespace toq::app {

int command_version();
int command_migrate(const cli::CommonOptions& options);
int command_config_show(const cli::ConfigShowOptions& options);
// Prints one HS256 JWT and a newline on stdout, signed with auth.jwtSecret or, when that is empty,
// <dataDir>/jwt.secret (created on first use, as `serve` does). Refuses when auth.jwtPublicKeyFile
// is set: serve then verifies RS256 and a public key cannot sign.
int command_token(const cli::TokenOptions& options);

}  // namespace toq::app
