// TempDir after a killed run, the way fixtures.killed_run tests the service guard: a stand-in test
// process makes its directory and is SIGKILLed (no destructor runs); the next test process's first
// TempDir removes that directory, and leaves alone the one of a stand-in that still runs.

#include "support/temp_dir.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace toq::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono_literals::operator""h;

// A child process with TMPDIR=`area` that makes its TempDir (the first of its process, so it
// sweeps `area` first), reports the directory and then, `stay`, waits to be killed, or else ends
// (its TempDir removed as a test's is). With another prefix it makes a directory of that kind in
// `area` as s3_test_support.hpp does (a sweep, then make_owned_dir), which stays when it ends.
struct StandIn {
  pid_t pid = -1;
  fs::path dir;
};
StandIn stand_in(const fs::path& area, bool stay, std::string_view prefix = kTempDirPrefix) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ::setenv("TMPDIR", area.c_str(), 1);
    const auto report = [&](const fs::path& dir) {
      const std::string line = dir.string() + "\n";
      if (::write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        ::_exit(1);
      }
      ::close(fds[1]);
      while (stay) ::pause();
    };
    if (prefix == kTempDirPrefix) {
      TempDir dir;
      report(dir.path());
    } else {
      remove_dead_runs_dirs(area, prefix);
      const auto dir = make_owned_dir(area, prefix);
      if (!dir) ::_exit(1);
      report(*dir);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string line;
  char c = 0;
  while (::read(fds[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  ::close(fds[0]);
  if (!stay) ::waitpid(pid, nullptr, 0);
  return {pid, line};
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

void age(const fs::path& dir, std::chrono::hours by) {
  fs::last_write_time(dir, fs::file_time_type::clock::now() - by);
}

fs::path made(const fs::path& area, const std::string& name, std::chrono::hours aged) {
  fs::create_directories(area / name / "inside");
  age(area / name, aged);
  return area / name;
}

TEST(TempDir, NameRecordsItsOwnerAndTheDirectoryGoesWithIt) {
  fs::path kept;
  {
    TempDir dir;
    kept = dir.path();
    ASSERT_TRUE(fs::is_directory(kept));
    const auto owner = temp_dir_owner(kept.filename().string());
    ASSERT_TRUE(owner.has_value()) << kept;
    EXPECT_EQ(owner->pid, ::getpid());
    EXPECT_EQ(process_start_time(::getpid()), owner->start_time);
  }
  EXPECT_FALSE(fs::exists(kept));
  EXPECT_FALSE(temp_dir_owner("toq-test-Ab12Cd").has_value());
  EXPECT_FALSE(temp_dir_owner("toq-test-12-Ab12Cd").has_value());
}

TEST(TempDir, AKilledRunsDirectoryIsRemovedAtTheNextSetupALiveOnesIsLeftAlone) {
  TempDir area;
  const auto killed = stand_in(area.path(), true);
  const auto live = stand_in(area.path(), true);
  ASSERT_GT(killed.pid, 0);
  ASSERT_GT(live.pid, 0);
  ASSERT_TRUE(fs::is_directory(killed.dir)) << killed.dir;
  ASSERT_TRUE(fs::is_directory(live.dir)) << live.dir;
  kill_and_reap(killed.pid);
  ASSERT_TRUE(fs::exists(killed.dir)) << "no destructor ran in the killed stand-in";

  // Just killed: younger than the age floor, so the next setup leaves it.
  stand_in(area.path(), false);
  EXPECT_TRUE(fs::exists(killed.dir));

  age(killed.dir, 1h);
  age(live.dir, 1h);
  const auto me = std::to_string(::getpid());
  const auto my_start = std::to_string(*process_start_time(::getpid()));
  // This pid, reused: the name records another start time.
  const auto reused = made(area.path(), "toq-test-" + me + "-1-Zz0001", 1h);
  const auto mine = made(area.path(), "toq-test-" + me + "-" + my_start + "-Zz0002", 1h);
  const auto ownerless_young = made(area.path(), "toq-test-Zz0003", 1h);
  const auto ownerless_old = made(area.path(), "toq-test-Zz0004", 48h);
  const auto not_ours = made(area.path(), "other-1-1-Zz0005", 48h);
  const auto target = made(area.path(), "target", 48h);
  fs::create_directory_symlink(target, area.path() / "toq-test-1-1-Zz0006");

  const auto next = stand_in(area.path(), false);
  EXPECT_FALSE(fs::exists(next.dir)) << "the setup's own directory goes with it";
  EXPECT_FALSE(fs::exists(killed.dir)) << "the SIGKILLed stand-in's directory was kept";
  EXPECT_TRUE(fs::exists(live.dir)) << "a live stand-in's directory was removed";
  EXPECT_FALSE(fs::exists(reused)) << "a reused pid was taken for the owner";
  EXPECT_TRUE(fs::exists(mine));
  EXPECT_TRUE(fs::exists(ownerless_young));
  EXPECT_FALSE(fs::exists(ownerless_old));
  EXPECT_TRUE(fs::exists(not_ours));
  EXPECT_TRUE(fs::exists(target / "inside")) << "a symlink was followed";
  EXPECT_TRUE(fs::is_symlink(area.path() / "toq-test-1-1-Zz0006"));

  // Once the live stand-in is killed too, its directory goes at the next setup.
  kill_and_reap(live.pid);
  EXPECT_EQ(remove_dead_runs_dirs(area.path()), 1);
  EXPECT_FALSE(fs::exists(live.dir));
  EXPECT_TRUE(fs::exists(mine));
}

// The s3rver state dir a test process makes for the s3rver it starts itself: the same naming and
// the same rule, within its own kind (a TempDir's sweep leaves it alone, and the other way round).
TEST(OwnedDir, AKilledRunsS3rverStateDirIsRemovedAtTheNextOneALiveOnesIsLeftAlone) {
  TempDir area;
  const auto killed = stand_in(area.path(), true, kS3rverStatePrefix);
  const auto live = stand_in(area.path(), true, kS3rverStatePrefix);
  ASSERT_GT(killed.pid, 0);
  ASSERT_GT(live.pid, 0);
  ASSERT_TRUE(fs::is_directory(killed.dir)) << killed.dir;
  const auto owner = temp_dir_owner(killed.dir.filename().string(), kS3rverStatePrefix);
  ASSERT_TRUE(owner.has_value()) << killed.dir;
  EXPECT_EQ(owner->pid, killed.pid);
  EXPECT_EQ(owner->start_time, process_start_time(killed.pid));
  fs::create_directories(killed.dir / "toq-s3rver-Zz0001" / "toq-test");  // its s3rver's data
  kill_and_reap(killed.pid);

  // Just killed: younger than the age floor, so the next one leaves it.
  const auto young = stand_in(area.path(), false, kS3rverStatePrefix);
  EXPECT_TRUE(fs::exists(killed.dir));
  EXPECT_TRUE(fs::exists(young.dir)) << "not a TempDir: it stays after its process";

  age(killed.dir, 1h);
  age(live.dir, 1h);
  age(young.dir, 1h);
  const auto dead_test_dir =
      made(area.path(), "toq-test-" + std::to_string(killed.pid) + "-1-Zz0002", 1h);
  const auto next = stand_in(area.path(), false, kS3rverStatePrefix);
  EXPECT_FALSE(fs::exists(killed.dir)) << "the SIGKILLed stand-in's state dir was kept";
  EXPECT_FALSE(fs::exists(young.dir)) << "an ended stand-in's state dir was kept";
  EXPECT_TRUE(fs::exists(live.dir)) << "a live stand-in's state dir was removed";
  EXPECT_TRUE(fs::exists(next.dir));
  EXPECT_TRUE(fs::exists(dead_test_dir)) << "another kind's directory was swept";

  kill_and_reap(live.pid);
  EXPECT_EQ(remove_dead_runs_dirs(area.path()), 1) << "only the TempDir kind";
  EXPECT_TRUE(fs::exists(live.dir));
  EXPECT_EQ(remove_dead_runs_dirs(area.path(), kS3rverStatePrefix), 1);
  EXPECT_FALSE(fs::exists(live.dir));
  EXPECT_TRUE(fs::exists(next.dir)) << "young";
}

}  // namespace
}  // namespace toq::testing
