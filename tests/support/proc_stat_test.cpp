// The tests' one /proc/PID/stat reader: the fields after a command name holding spaces and
// parentheses, a zombie, and a process that is not there.

#include "support/proc_stat.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

namespace fs = std::filesystem;

TEST(ProcStat, FieldsAreReadAfterTheLastParenthesis) {
  // Fields 3..22 after "(a) b (c)"; a split at the first ')' would take "b" for the state.
  const auto stat = parse_proc_stat(
      "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 101 0 0 0 3 1 0 0 20 0 1 0 98765 8511488 201\n");
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->start_time, 98765U);
  EXPECT_FALSE(stat->ended());
  EXPECT_TRUE(parse_proc_stat("7 ()) Z 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0 0")->ended());

  EXPECT_FALSE(parse_proc_stat("").has_value());
  EXPECT_FALSE(parse_proc_stat("4242 (sleep S 1 4242").has_value()) << "no ')'";
  EXPECT_FALSE(parse_proc_stat("4242 (sleep) S 1 4242 4242").has_value()) << "fields missing";
  EXPECT_FALSE(parse_proc_stat("4242 (x) S 1 4242 4242 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12ab 0 0")
                   .has_value())
      << "a start time that is no number";
}

TEST(ProcStat, AProcessNamedWithParenthesesIsReadCorrectly) {
  TempDir dir;
  const fs::path program = dir / "a) b (c";
  fs::copy_file("/bin/sleep", program);
  fs::permissions(program, fs::perms::owner_exec, fs::perm_options::add);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(program.c_str(), "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Until the exec is done, the child still has this test's name.
  std::string comm;
  for (int i = 0; i < 200 && comm != "a) b (c"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
    std::getline(in, comm);
  }
  const auto stat = read_proc_stat(pid);
  const auto mine = process_start_time(::getpid());
  ::kill(pid, SIGKILL);
  ASSERT_EQ(comm, "a) b (c");
  ASSERT_TRUE(stat.has_value());
  EXPECT_TRUE(stat->state == 'S' || stat->state == 'R') << stat->state;
  ASSERT_TRUE(mine.has_value());
  EXPECT_GE(stat->start_time, *mine) << "started after this test";

  // Killed and not reaped yet: a zombie, which no longer runs.
  for (int i = 0; i < 200 && process_running(pid); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto zombie = read_proc_stat(pid);
  ASSERT_TRUE(zombie.has_value());
  EXPECT_EQ(zombie->state, 'Z');
  EXPECT_FALSE(process_running(pid));
  EXPECT_FALSE(process_start_time(pid).has_value());
  ::waitpid(pid, nullptr, 0);
}

TEST(ProcStat, AMissingProcessIsAbsent) {
  long pid_max = 0;
  std::ifstream("/proc/sys/kernel/pid_max") >> pid_max;
  ASSERT_GT(pid_max, 0);
  // No pid reaches pid_max.
  EXPECT_FALSE(read_proc_stat(pid_max).has_value());
  EXPECT_FALSE(process_running(pid_max));
  EXPECT_FALSE(process_start_time(pid_max).has_value());
  EXPECT_FALSE(read_proc_stat(0).has_value());
  EXPECT_FALSE(read_proc_stat(-1).has_value());
  // This process, for contrast.
  EXPECT_TRUE(process_running(::getpid()));
}

}  // namespace
}  // namespace toq::testing
