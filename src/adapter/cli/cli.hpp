#pragma once
// The command line (a left adapter): parses arguments with CLI11 and calls the handler the
// composition root wired for each subcommand. It knows nothing of databases or stores.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

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

// `token`: prints one development JWT signed with the configured secret. The role is checked
// against core::Role's spellings and --sub / --ttl against their ranges here (usage errors).
struct TokenOptions {
  CommonOptions common;
  std::int64_t sub = 0;  // --sub ID (required, 1..999999999999999999)
  std::string role;      // --role ROLE (required: photographer|owner|admin|client|service)
  std::int64_t ttl_seconds = 3600;  // --ttl SECONDS (1..31536000)
};

// `serve`: the HTTP API (and the embedded store's /storage/ routes).
struct ServeOptions {
  CommonOptions common;
  // --listen HOST:PORT, overrides server.listen (and so the default storage.publicBaseUrl).
  // Port 0 binds an ephemeral port; the startup log line tells which.
  std::optional<std::string> listen;
};

// `process`: the media pipeline on local files, without a server or a database.
struct ProcessOptions {
  std::vector<std::filesystem::path> inputs;  // PATH... (files or folders; at least one)
  std::filesystem::path out_dir;              // --out DIR (required): renditions, ZIP, report.json
  int jobs = 0;                               // --jobs N (1..64; 0 = one per core)
  bool quiet = false;                         // --quiet: no progress display
};

// `worker`: one processing worker (serve starts them as children in the embedded mode).
struct WorkerOptions {
  CommonOptions common;
  bool once = false;   // --once: exit when no job is due (tests, cron-like use)
  int events_fd = -1;  // --events-fd N: JSON event lines for the supervising serve (metrics)
};

// `lambda TASK`: the Lambda custom runtime (AWS_LAMBDA_RUNTIME_API) running one pipeline task.
struct LambdaOptions {
  CommonOptions common;
  std::string task;  // asset | archive | report | starter
};

// `task TASK`: one pipeline task as a process (ECS/Fargate); the payload in TOQ_MEDIA_TASK_INPUT
// or --input FILE.
struct TaskOptions {
  CommonOptions common;
  std::string task;  // asset | archive
  std::optional<std::filesystem::path> input_file;
};

// Each handler returns the process exit status. A missing handler makes its subcommand absent.
struct Handlers {
  std::function<int()> version;
  std::function<int(const CommonOptions&)> migrate;
  std::function<int(const ConfigShowOptions&)> config_show;
  std::function<int(const TokenOptions&)> token;
  std::function<int(const ServeOptions&)> serve;
  std::function<int(const ProcessOptions&)> process;
  std::function<int(const WorkerOptions&)> worker;
  std::function<int(const LambdaOptions&)> lambda;
  std::function<int(const TaskOptions&)> task;
};

// Exit status: the handler's, 2 for a usage error (CLI11's message is printed).
int run(int argc, char** argv, const Handlers& handlers);

}  // namespace toq::cli
