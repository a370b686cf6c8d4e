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
// Runs the media pipeline (the same steps the workers run) on local files: each file goes into a
// local object store under <out>/.store as a raw upload, through every step, and its renditions
// are copied to <out>/renditions/NN-<name>/; the ZIP of the files that succeeded goes to
// <out>/<name>.zip, a JSON report to <out>/report.json, a summary table to stdout, and a progress
// display (per file and overall) to stderr. Returns 0 when every file succeeded, 1 when any failed,
// 2 when the pipeline could not run (the output directory unusable, a tool missing).
// One worker of the embedded mode: claims due jobs from the database (core/service/run_job.hpp),
// runs the media pipeline on them and records the results, until SIGTERM/SIGINT (after the
// current asset) or, with --once, until no job is due. Its work directory is
// <dataDir>/work/worker-<pid>. Returns 0 on a clean stop, 1 when it cannot start.
int command_worker(const cli::WorkerOptions& options);

int command_process(const cli::ProcessOptions& options);

}  // namespace toq::app
