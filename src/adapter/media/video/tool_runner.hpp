#pragma once
// run_tool: runs one external program (ffprobe, ffmpeg) as a child process under limits, without a
// shell. The child gets its own process group, an empty environment (PATH and LC_ALL=C only),
// /dev/null as stdin, no inherited descriptor besides stdin/stdout/stderr, and resource limits:
// address space, CPU time, open files, size of any file it writes, no core dumps. A wall-clock
// timeout kills the whole group. stdout is captured up to a bound; of stderr only the last lines
// are kept (bounded bytes), sanitised to printable text, because that is what an error message
// quotes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/model/error.hpp"

namespace toq::media {

struct ToolLimits {
  std::chrono::milliseconds timeout{600000};    // wall clock; the process group is killed after it
  std::uint64_t max_memory_bytes = 4ULL << 30;  // RLIMIT_AS; 0: no limit
  std::uint64_t max_output_bytes = 0;           // RLIMIT_FSIZE (largest file written); 0: no limit
  std::size_t max_stdout_bytes = 16U << 20;     // captured stdout; the rest is read and dropped
  std::size_t stderr_tail_lines = 12;           // lines of stderr kept (the last ones)
  std::filesystem::path working_dir;            // empty: "/"
};

struct ToolRun {
  int exit_code = -1;      // the exit status when the tool exited; -1 when it was killed
  int signal = 0;          // the signal that ended it (SIGKILL after a timeout), 0 when it exited
  bool timed_out = false;  // killed because the wall-clock timeout passed
  bool stdout_truncated = false;  // stdout was longer than max_stdout_bytes
  std::string stdout_text;
  std::string stderr_tail;  // the last stderr_tail_lines non-empty lines, '\n'-separated

  [[nodiscard]] bool succeeded() const { return !timed_out && signal == 0 && exit_code == 0; }
};

// Runs argv[0] (looked up in /usr/local/bin:/usr/bin:/bin unless it contains a '/') with argv.
// Waits until it ends or the timeout kills it; returns how it ended, also when it failed. An error
// (INTERNAL_ERROR) only when it could not be started: empty argv, program not found, no pipe, no
// fork, a limit that could not be set, or exec failing.
core::Result<ToolRun> run_tool(const std::vector<std::string>& argv, const ToolLimits& limits);

// "exited with status 1", "was killed by signal 11 (SIGSEGV)", "was stopped after the time limit
// of 30 s": how a run ended, in words for an error message.
std::string describe_ending(const ToolRun& run, std::chrono::milliseconds timeout);

}  // namespace toq::media
