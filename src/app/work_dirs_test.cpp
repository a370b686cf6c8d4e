// remove_dead_work_dirs and remove_dead_task_work_dirs on real directories and real processes:
// only a dead, quiet worker's (or pipeline task's) directory goes.

#include "app/work_dirs.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/model/time.hpp"

#include "app/config.hpp"
#include "app/pipeline_tasks.hpp"
#include "support/temp_dir.hpp"

namespace toq::app {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A pid that ran and was reaped: no process has it (until the kernel hands it out again, which
// takes a full turn of the pid space).
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

// A work directory like a worker's, holding an upload copy and a partial output, every entry
// last modified `age` ago.
fs::path make_work_dir(const fs::path& parent, const std::string& name, std::chrono::minutes age) {
  const auto dir = parent / name;
  fs::create_directories(dir / "job-1-asset-2" / "out");
  std::ofstream(dir / "job-1-asset-2" / "input") << "the upload";
  std::ofstream(dir / "job-1-asset-2" / "out" / ".720p.partial.mp4") << "half a video";
  const auto then = fs::file_time_type::clock::now() - age;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    fs::last_write_time(entry.path(), then);
  }
  fs::last_write_time(dir, then);
  return dir;
}

TEST(WorkDirs, OnlyADeadWorkersQuietDirectoryIsRemoved) {
  const toq::testing::TempDir tmp;
  const auto work = tmp.path() / "work";
  const pid_t dead = dead_pid();
  const pid_t other_dead = dead_pid();
  const auto gone = make_work_dir(work, "worker-" + std::to_string(dead), 30min);
  // A live pid (this test) keeps its directory however old it is.
  const auto alive = make_work_dir(work, "worker-" + std::to_string(::getpid()), 30min);
  // Dead but written a minute ago: perhaps a live worker in another PID namespace.
  const auto recent = make_work_dir(work, "worker-" + std::to_string(other_dead), 1min);
  // Not a worker's name, or not a pid.
  const auto other = make_work_dir(work, "asset-" + std::to_string(dead), 30min);
  const auto not_pid = make_work_dir(work, "worker-12x", 30min);
  std::ofstream(work / ("worker-" + std::to_string(dead) + ".log")) << "a file, not a directory";

  const auto removed = remove_dead_work_dirs(work, "worker-", 10min);
  ASSERT_EQ(removed.size(), 1U);
  EXPECT_EQ(removed.front(), gone);
  EXPECT_FALSE(fs::exists(gone));
  for (const auto& kept : {alive, recent, other, not_pid}) EXPECT_TRUE(fs::exists(kept)) << kept;
  EXPECT_TRUE(fs::exists(work / ("worker-" + std::to_string(dead) + ".log")));
}

TEST(WorkDirs, ARecentFileDeepInsideKeepsTheDirectory) {
  const toq::testing::TempDir tmp;
  const auto work = tmp.path() / "work";
  const auto dir = make_work_dir(work, "worker-" + std::to_string(dead_pid()), 30min);
  // ffmpeg still writing its output, three levels down.
  fs::last_write_time(dir / "job-1-asset-2" / "out" / ".720p.partial.mp4",
                      fs::file_time_type::clock::now());
  EXPECT_TRUE(remove_dead_work_dirs(work, "worker-", 10min).empty());
  EXPECT_TRUE(fs::exists(dir));
}

TEST(WorkDirs, OnlyDeadQuietTaskDirectoriesAreRemovedByTheTaskReaper) {
  const toq::testing::TempDir tmp;
  const auto work = tmp.path() / "work";
  const pid_t dead = dead_pid();
  const auto asset = make_work_dir(work, "asset-" + std::to_string(dead), 30min);
  const auto archive = make_work_dir(work, "archive-" + std::to_string(dead), 30min);
  const auto alive = make_work_dir(work, "archive-" + std::to_string(::getpid()), 30min);
  const auto recent = make_work_dir(work, "asset-" + std::to_string(dead_pid()), 1min);
  // A dead worker's directory is the worker's reaper's, with its own schedule.
  const auto worker = make_work_dir(work, "worker-" + std::to_string(dead), 30min);
  const auto other = make_work_dir(work, "report-" + std::to_string(dead), 30min);

  auto removed = remove_dead_task_work_dirs(work, 10min);
  std::ranges::sort(removed);
  const std::vector<fs::path> expected = [&] {
    std::vector<fs::path> both{asset, archive};
    std::ranges::sort(both);
    return both;
  }();
  EXPECT_EQ(removed, expected);
  EXPECT_FALSE(fs::exists(asset));
  EXPECT_FALSE(fs::exists(archive));
  for (const auto& kept : {alive, recent, worker, other}) EXPECT_TRUE(fs::exists(kept)) << kept;
}

// The asset (and archive) task reaps what earlier task processes that died on this disk left, as
// it starts: `toq-media lambda` / `task` build their PipelineTasks once per process.
TEST(WorkDirs, AnAssetTaskStartingRemovesDeadTaskDirectories) {
  const toq::testing::TempDir tmp;
  Config config;
  config.data_dir = tmp.path();
  config.storage.driver = StorageDriver::kS3;
  config.storage.s3.bucket = "media";
  config.storage.s3.region = "us-east-1";
  config.storage.s3.endpoint = "http://127.0.0.1:9";  // never contacted: nothing is run
  config.storage.s3.access_key_id = "AKIDEXAMPLE";
  config.storage.s3.secret_access_key = "secret";
  resolve_derived_defaults(config);
  const auto work = tmp.path() / "work";
  const pid_t dead = dead_pid();
  const auto gone = make_work_dir(work, "asset-" + std::to_string(dead), 30min);
  const auto gone_too = make_work_dir(work, "archive-" + std::to_string(dead), 30min);
  const auto recent = make_work_dir(work, "asset-" + std::to_string(dead_pid()), 1min);
  const core::SystemClock clock;

  auto tasks = PipelineTasks::create("asset", config, clock);
  ASSERT_TRUE(tasks.has_value()) << tasks.error().message;
  EXPECT_FALSE(fs::exists(gone));
  EXPECT_FALSE(fs::exists(gone_too));
  EXPECT_TRUE(fs::exists(recent));
  EXPECT_TRUE(fs::is_directory(work / ("asset-" + std::to_string(::getpid()))));
}

TEST(WorkDirs, AMissingParentIsNothingToDo) {
  const toq::testing::TempDir tmp;
  EXPECT_TRUE(remove_dead_work_dirs(tmp.path() / "absent", "worker-", 10min).empty());
  EXPECT_TRUE(remove_dead_task_work_dirs(tmp.path() / "absent", 10min).empty());
}

}  // namespace
}  // namespace toq::app
