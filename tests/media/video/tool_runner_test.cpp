// run_tool on real programs: how they end, what is captured, the limits, the timeout.

#include "adapter/media/video/tool_runner.hpp"

#include <csignal>
#include <fstream>
#include <string>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapter/media/video/video_failure.hpp"
#include "support/proc_stat.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace toq::media {
namespace {

using namespace std::chrono_literals;
using toq::testing::must;

ToolLimits quick(std::chrono::milliseconds timeout = 20s) {
  ToolLimits limits;
  limits.timeout = timeout;
  return limits;
}

TEST(ToolRunner, CapturesStdoutAndExitStatus) {
  const auto run = must(run_tool({"sh", "-c", "printf hello; exit 3"}, quick()));
  EXPECT_EQ(run.stdout_text, "hello");
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_EQ(run.signal, 0);
  EXPECT_FALSE(run.timed_out);
  EXPECT_FALSE(run.succeeded());
  EXPECT_EQ(describe_ending(run, 20s), "exited with status 3");
}

TEST(ToolRunner, ReportsTheSignal) {
  const auto run = must(run_tool({"sh", "-c", "kill -SEGV $$"}, quick()));
  EXPECT_EQ(run.signal, SIGSEGV);
  EXPECT_EQ(run.exit_code, -1);
  EXPECT_EQ(describe_ending(run, 20s), "was killed by signal 11 (SIGSEGV)");
}

TEST(ToolRunner, KeepsOnlyTheLastLinesOfStderr) {
  ToolLimits limits = quick();
  limits.stderr_tail_lines = 3;
  const auto run = must(run_tool(
      {"sh", "-c", "i=0; while [ $i -lt 5000 ]; do i=$((i+1)); echo \"line $i\" >&2; done"},
      limits));
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.stderr_tail, "line 4998\nline 4999\nline 5000");
}

TEST(ToolRunner, StderrTailIsPrintableAndBounded) {
  const auto run = must(
      run_tool({"sh", "-c",
                "printf 'bad\\033[31m\\001bytes\\n' >&2; head -c 5000 /dev/zero | tr '\\0' x >&2"},
               quick()));
  EXPECT_NE(run.stderr_tail.find("bad?[31m?bytes"), std::string::npos) << run.stderr_tail;
  EXPECT_LT(run.stderr_tail.size(), 1000U);
}

TEST(ToolRunner, BoundsStdout) {
  ToolLimits limits = quick();
  limits.max_stdout_bytes = 1000;
  const auto run = must(run_tool({"head", "-c", "1000000", "/dev/zero"}, limits));
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.stdout_text.size(), 1000U);
  EXPECT_TRUE(run.stdout_truncated);
}

TEST(ToolRunner, EnvironmentHasOnlyPathAndLocale) {
  ::setenv("TOQ_SECRET_FOR_TEST", "do-not-leak", 1);
  const auto run = must(run_tool({"env"}, quick()));
  EXPECT_EQ(run.stdout_text, "PATH=/usr/local/bin:/usr/bin:/bin\nLC_ALL=C\n");
}

TEST(ToolRunner, InheritsNoDescriptorAndReadsNothingFromStdin) {
  const toq::testing::TempDir dir;
  const int leaked = ::open((dir / "open-file").c_str(), O_CREAT | O_WRONLY, 0600);  // no CLOEXEC
  ASSERT_GE(leaked, 0);
  const auto run = must(run_tool({"sh", "-c", "ls /proc/$$/fd; cat"}, quick()));
  ::close(leaked);
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.stdout_text, "0\n1\n2\n");  // cat read /dev/null: nothing, no hang
}

TEST(ToolRunner, RunsInTheWorkingDirectory) {
  const toq::testing::TempDir dir;
  ToolLimits limits = quick();
  limits.working_dir = dir.path();
  const auto run = must(run_tool({"pwd"}, limits));
  EXPECT_EQ(run.stdout_text, dir.path().string() + "\n");
}

TEST(ToolRunner, FileSizeLimitStopsAWriter) {
  const toq::testing::TempDir dir;
  ToolLimits limits = quick();
  limits.max_output_bytes = 4096;
  limits.working_dir = dir.path();
  const auto run = must(run_tool({"sh", "-c", "exec head -c 100000 /dev/zero > big"}, limits));
  EXPECT_EQ(run.signal, SIGXFSZ);
  EXPECT_LE(std::filesystem::file_size(dir / "big"), 4096U);
}

TEST(ToolRunner, MemoryLimitStopsAnAllocation) {
  ToolLimits limits = quick();
  limits.max_memory_bytes = 256ULL << 20;
  const auto small = must(run_tool({"python3", "-c", "x = bytearray(32 << 20)"}, limits));
  EXPECT_EQ(small.exit_code, 0) << small.stderr_tail;
  const auto big = must(run_tool({"python3", "-c", "x = bytearray(1 << 30)"}, limits));
  EXPECT_NE(big.exit_code, 0);
  EXPECT_NE(big.stderr_tail.find("MemoryError"), std::string::npos) << big.stderr_tail;
}

TEST(ToolRunner, TimeoutKillsTheWholeGroup) {
  // The grandchild prints its pid and both sleep: the timeout must kill both.
  const auto run = must(run_tool({"sh", "-c", "sleep 60 & echo $!; wait"}, quick(300ms)));
  EXPECT_TRUE(run.timed_out);
  EXPECT_EQ(run.signal, SIGKILL);
  EXPECT_FALSE(run.succeeded());
  EXPECT_EQ(describe_ending(run, 300ms), "was stopped after the time limit of 300 ms");
  const pid_t grandchild = std::stoi(run.stdout_text);
  // SIGKILL is delivered asynchronously: give the grandchild a moment to die, then it must be
  // gone, or a zombie waiting for init to reap it; never still running.
  for (int i = 0; i < 100 && toq::testing::process_running(grandchild); ++i) {
    std::this_thread::sleep_for(50ms);
  }
  const auto stat = toq::testing::read_proc_stat(grandchild);
  EXPECT_TRUE(!stat || stat->ended()) << "grandchild state " << stat->state;
}

TEST(ToolRunner, TheToolDiesWithItsCaller) {
  // A worker killed while ffmpeg runs (SIGKILL, the OOM killer, a deploy) must not leave ffmpeg
  // transcoding on its own: the tool is in a process group of its own, so only the death signal
  // reaches it. The caller here is a forked process that runs the tool and is then SIGKILLed.
  const toq::testing::TempDir dir;
  const auto pid_file = dir.path() / "tool.pid";
  const pid_t caller = ::fork();
  ASSERT_GE(caller, 0);
  if (caller == 0) {
    const std::string script = "echo $$ >" + (dir.path() / "tool.tmp").string() + " && mv " +
                               (dir.path() / "tool.tmp").string() + " " + pid_file.string() +
                               " && exec sleep 60";
    (void)run_tool({"sh", "-c", script}, quick(60s));
    ::_exit(0);
  }
  long tool = 0;
  for (int i = 0; i < 800 && tool == 0; ++i) {  // 20 s: a loaded machine (the ASan build)
    std::ifstream in(pid_file);
    if (!(in >> tool)) std::this_thread::sleep_for(25ms);
  }
  ::kill(caller, SIGKILL);
  int status = 0;
  ::waitpid(caller, &status, 0);
  ASSERT_GT(tool, 0) << "the tool never started";
  for (int i = 0; i < 100 && toq::testing::process_running(tool); ++i) {
    std::this_thread::sleep_for(50ms);
  }
  const bool orphan_runs = toq::testing::process_running(tool);
  if (orphan_runs) ::kill(static_cast<pid_t>(tool), SIGKILL);  // not left behind by the test
  EXPECT_FALSE(orphan_runs) << "the tool outlived its caller";
}

TEST(ToolRunner, ErrorOnlyWhenItCannotStart) {
  const auto missing = run_tool({"toq-no-such-program"}, quick());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::ErrorCode::kInternal);
  EXPECT_NE(missing.error().message.find("toq-no-such-program"), std::string::npos);
  const auto not_executable = run_tool({"/tmp"}, quick());  // a directory: execve fails
  ASSERT_FALSE(not_executable);
  EXPECT_NE(not_executable.error().message.find("could not start"), std::string::npos);
  EXPECT_FALSE(run_tool({}, quick()));
}

TEST(ToolFailure, MessageNamesStepEndingDiagnosticsAndHint) {
  const auto run = must(
      run_tool({"sh", "-c", "echo '/srv/in/raw.mp4: moov atom not found' >&2; exit 1"}, quick()));
  const FailureContext context{"transcoding to 720p", "ffmpeg", 60s, "/srv/in/raw.mp4", "/srv/out"};
  const auto error = tool_failure(core::ErrorCode::kVideoTranscodeFailed, context, run);
  EXPECT_EQ(error.code, core::ErrorCode::kVideoTranscodeFailed);
  EXPECT_EQ(error.message,
            "transcoding to 720p failed: ffmpeg exited with status 1. Last diagnostics: "
            "/srv/in/raw.mp4: moov atom not found");
  EXPECT_EQ(error.public_message,
            "transcoding to 720p failed: ffmpeg exited with status 1. Last diagnostics: "
            "<input>: moov atom not found");
  EXPECT_EQ(error.hint, kReexportHint);
}

}  // namespace
}  // namespace toq::media
