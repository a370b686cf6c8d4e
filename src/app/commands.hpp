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
// Serves the HTTP API until SIGTERM or SIGINT, then stops accepting, lets requests in flight finish
// and returns 0. Opens (and migrates) the database, the object store and the JWT verifier (HS256
// with auth.jwtSecret or <dataDir>/jwt.secret, RS256 with auth.jwtPublicKeyFile); mounts the
// embedded store under /storage/ when storage.driver is local. The startup log line
// ("msg":"listening") carries the bound "port" and "url". No worker processes yet (issue 6):
// completed batches stay RECEIVED.
int command_serve(const cli::ServeOptions& options);

}  // namespace toq::app
