#pragma once
// The work directories a worker process leaves behind when it dies without removing its own
// (SIGKILL, the OOM killer, a crash): each worker works in `<data_dir>/work/worker-<pid>`, and a
// worker restarted by the supervisor gets a new pid, so the old directory, holding a copy of the
// upload being processed (gigabytes for a video) and partial outputs, stays forever otherwise.
// The pipeline's asset and archive tasks (`toq-media lambda` / `task`, pipeline_tasks.hpp) work in
// `<data_dir>/work/asset-<pid>` and `archive-<pid>` and leave the same behind (a Lambda sandbox
// or a task container keeps its disk across a crashed runtime).
//
// Contract:
// - remove_dead_work_dirs(parent, prefix, quiet) removes every directory `parent/<prefix><pid>`
//   (pid: decimal digits only) whose pid runs no process here and in whose tree nothing was
//   modified for `quiet`; it returns the directories removed. Anything else under parent (other
//   names, files, a directory of a running pid) is left alone, and so is a directory that changed
//   within `quiet`: a data dir shared with another PID namespace (a container) shows a live
//   worker's pid as absent here, but a live worker writes as it works.
// - A pid reused by an unrelated process keeps the directory (a leak until that process ends,
//   never a removal of live work). Errors (a directory vanishing meanwhile, no permission) skip
//   that directory; it never fails its caller.
// - remove_dead_task_work_dirs(parent, quiet) is the same for the tasks' prefixes
//   (kTaskWorkDirPrefixes), a worker's directories left alone.

#include <chrono>
#include <filesystem>
#include <string_view>
#include <vector>

namespace toq::app {

// How long a dead process's directory must have been left unchanged before it is removed.
inline constexpr std::chrono::minutes kDeadWorkDirQuiet{10};

// The pipeline tasks' work directory names are `<task>-<pid>`.
inline constexpr std::string_view kTaskWorkDirPrefixes[] = {"asset-", "archive-"};

std::vector<std::filesystem::path> remove_dead_work_dirs(const std::filesystem::path& parent,
                                                         std::string_view prefix,
                                                         std::chrono::seconds quiet);
std::vector<std::filesystem::path> remove_dead_task_work_dirs(const std::filesystem::path& parent,
                                                              std::chrono::seconds quiet);

}  // namespace toq::app
