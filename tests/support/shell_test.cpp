// die_with_parent(): a server a test forks goes when the test process is killed (as ctest kills a
// test on timeout, without its destructors), and only then.

#include "support/shell.hpp"

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/proc_stat.hpp"

namespace toq::testing {
namespace {

bool stops_within(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (process_running(pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !process_running(pid);
}

// A stand-in test process (forked here) forks a long-running "server" the way ServeProcess does,
// tied to it or not, reports the server's pid and waits; then it is SIGKILLed. The server's pid.
pid_t server_of_a_killed_test(bool tied) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  const pid_t test = ::fork();
  if (test < 0) return -1;
  if (test == 0) {
    ::close(fds[0]);
    const ParentTie tie;
    const pid_t server = ::fork();
    if (server == 0) {
      if (tied) die_with_parent(tie);
      ::execl("/bin/sleep", "sleep", "120", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    (void)!::write(fds[1], &server, sizeof server);
    ::pause();
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t server = -1;
  if (::read(fds[0], &server, sizeof server) != sizeof server) server = -1;
  ::close(fds[0]);
  if (server > 0 && !process_running(server)) server = -1;
  ::kill(test, SIGKILL);
  ::waitpid(test, nullptr, 0);
  return server;
}

TEST(DieWithParent, AServerForkedByAKilledTestDiesWithIt) {
  const pid_t server = server_of_a_killed_test(true);
  ASSERT_GT(server, 0);
  EXPECT_TRUE(stops_within(server, std::chrono::seconds(10))) << "server " << server << " outlived";
  if (process_running(server)) ::kill(server, SIGKILL);
}

// The same without the tie: the server outlives the test (what the tie is for).
TEST(DieWithParent, WithoutTheTieTheServerOutlivesTheTest) {
  const pid_t server = server_of_a_killed_test(false);
  ASSERT_GT(server, 0);
  EXPECT_FALSE(stops_within(server, std::chrono::seconds(1)));
  ::kill(server, SIGKILL);
}

}  // namespace
}  // namespace toq::testing
