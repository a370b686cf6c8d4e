#pragma once
// The subcommands' implementations, wired to the command-line adapter by main.cpp. Each reads its
// configuration, takes its adapters from wiring.hpp and its use cases from use_cases.hpp, and
// returns the process exit status: 0 on success, 1 on a failure (printed as
// `toq-media: CODE: message` and a `hint:` line). `toq-media process` is the CLI adapter's own
// (adapter/cli/process), on a scratch store wiring.hpp opens.

#include "adapter/cli/cli.hpp"

namespace toq::app {

// The version, the build, and the libraries and schema version of the adapters.
int command_version();
// Applies the configured database's pending migrations and lists them.
int command_migrate(const cli::CommonOptions& options);
// The effective configuration as YAML, secrets redacted unless asked.
int command_config_show(const cli::ConfigShowOptions& options);
// Prints one HS256 JWT and a newline on stdout, signed with auth.jwtSecret or, when that is empty,
// <dataDir>/jwt.secret (created on first use, as `serve` does). Refuses when auth.jwtPublicKeyFile
// is set: serve then verifies RS256 and a public key cannot sign.
int command_token(const cli::TokenOptions& options);
// Serves the HTTP API until SIGTERM or SIGINT, then stops accepting, lets requests in flight finish
// within server.shutdownGraceSeconds and returns 0. Opens (and migrates) the database, the object
// store and the JWT verifier (HS256 with auth.jwtSecret or <dataDir>/jwt.secret, RS256 with
// auth.jwtPublicKeyFile); mounts the embedded store under /storage/ when storage.driver is local;
// delivers the outbox's webhooks when webhooks.url is set; in the local processing mode starts
// processing.workers `toq-media worker` children and restarts those that die; in the aws mode
// relays each job's start to Step Functions (or SQS), checks overdue executions and takes the
// pipeline's signed callback, saying at start which AWS dependency does not answer (serve_aws.hpp).
// The startup log line ("msg":"listening") carries the bound "port" and "url".
int command_serve(const cli::ServeOptions& options);
// One worker of the embedded mode: claims due jobs from the database (core/service/run_job.hpp),
// runs the media pipeline on them and records the results, until SIGTERM/SIGINT (after the
// current asset) or, with --once, until no job is due. Its work directory is
// <dataDir>/work/worker-<pid>; with --events-fd it reports to serve (worker_events.hpp). Returns 0
// on a clean stop, 1 when it cannot start.
int command_worker(const cli::WorkerOptions& options);

// The Lambda custom runtime for one pipeline task (docs/aws-pipeline.md): the Runtime API loop at
// AWS_LAMBDA_RUNTIME_API (2 when it is not set); a configuration the task cannot run with is
// posted as the init error (exit 1). Returns when the Runtime API goes away.
int command_lambda(const cli::LambdaOptions& options);
// One pipeline task as a process (ECS / Fargate): the payload from --input FILE or
// TOQ_MEDIA_TASK_INPUT, the result JSON as stdout's last line; on failure the task-error JSON as
// stderr's last line and the contract's exit status (2 Media.InputInvalid, 3 Task.InputInvalid,
// 75 Media.Transient after two retries of its own, 1 anything else).
int command_task(const cli::TaskOptions& options);

}  // namespace toq::app
