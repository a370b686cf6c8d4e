// Wake-ups of idle workers across processes (worker_wake.hpp), on real inotify and real child
// processes. The waits are long (60 s) where a wake-up must end them: a wait that ends by its
// timeout instead fails the test on the End it returns, not on a measured time.

#include "app/worker_wake.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/temp_dir.hpp"

namespace toq::app {
namespace {

using std::chrono::milliseconds;
using End = WorkerWake::End;

constexpr milliseconds kLong{60'000};
constexpr milliseconds kShort{100};

// The exit status of child `pid` (-1 when a signal ended it).
int reap(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(WorkerWake, ARingFromAnotherProcessEndsTheWait) {
  const testing::TempDir dir;
  WorkerWake wake(dir.path());
  ASSERT_TRUE(wake.armed());
  EXPECT_EQ(wake.path(), dir.path() / kWakeFileName);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::this_thread::sleep_for(milliseconds{300});  // the parent waits by then
    ring_workers(dir.path());
    ::_exit(0);
  }
  EXPECT_EQ(wake.wait(kLong, {}), End::kWoken);
  EXPECT_EQ(reap(child), 0);
}

TEST(WorkerWake, ARingBeforeTheWaitIsNotLostAndCountsOnce) {
  const testing::TempDir dir;
  WorkerWake wake(dir.path());
  ring_workers(dir.path());  // between a worker's look at the database and its wait
  ring_workers(dir.path());
  EXPECT_EQ(wake.wait(kLong, {}), End::kWoken);
  EXPECT_EQ(wake.wait(kShort, {}), End::kTimedOut) << "both rings were consumed by one wait";
}

TEST(WorkerWake, EveryWatchingProcessWakesOnOneRing) {
  const testing::TempDir dir;
  WorkerWake here(dir.path());
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    WorkerWake there(dir.path());
    const char armed = there.armed() ? 'y' : 'n';
    (void)!::write(ready[1], &armed, 1);
    ::_exit(there.wait(kLong, {}) == End::kWoken ? 0 : 1);
  }
  ::close(ready[1]);
  char armed = 0;
  ASSERT_EQ(::read(ready[0], &armed, 1), 1);
  ::close(ready[0]);
  EXPECT_EQ(armed, 'y');
  ring_workers(dir.path());
  EXPECT_EQ(here.wait(kLong, {}), End::kWoken);
  EXPECT_EQ(reap(child), 0) << "the other process was not woken by the same ring";
}

TEST(WorkerWake, AFileRemovedIsWatchedAgain) {
  const testing::TempDir dir;
  WorkerWake wake(dir.path());
  ASSERT_TRUE(std::filesystem::remove(dir.path() / kWakeFileName));
  // The removal ends a wait (a ring may have gone to the removed file), and so does watching the
  // new file; then the waits are quiet again.
  int woken = 0;
  while (wake.wait(kShort, {}) == End::kWoken) ASSERT_LE(++woken, 3);
  EXPECT_GE(woken, 1);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / kWakeFileName));
  ring_workers(dir.path());
  EXPECT_EQ(wake.wait(kLong, {}), End::kWoken);
}

TEST(WorkerWake, StoppingEndsTheWait) {
  const testing::TempDir dir;
  WorkerWake wake(dir.path());
  std::atomic<bool> stop{false};
  std::jthread stopper([&] {
    std::this_thread::sleep_for(milliseconds{200});
    stop = true;
  });
  EXPECT_EQ(wake.wait(kLong, [&] { return stop.load(); }), End::kStopping);
}

TEST(WorkerWake, WithoutTheFileItOnlySleepsAndARingIsHarmless) {
  const testing::TempDir dir;
  const auto missing = dir.path() / "no-such-dir";
  WorkerWake wake(missing);
  EXPECT_FALSE(wake.armed());
  ring_workers(missing);  // lost, and no error for the caller
  EXPECT_EQ(wake.wait(kShort, {}), End::kTimedOut);
  EXPECT_FALSE(std::filesystem::exists(missing));
}

}  // namespace
}  // namespace toq::app
