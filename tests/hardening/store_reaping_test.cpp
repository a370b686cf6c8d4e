// What crashed and abandoned uploads leave in the embedded store is removed while the server runs:
// a temp file of a PUT (or part, or multipart complete) whose process died, once untouched for
// stale_temp_age, and a multipart upload nobody touched for abandoned_upload_age. The crash is
// real: a child process starts a PUT and dies with _exit(), leaving its temp file.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapter/storage/local_object_store.hpp"
#include "app/periodic_task.hpp"
#include "storage/storage_test_support.hpp"
#include "support/io/byte_sources.hpp"
#include "support/result_matchers.hpp"

namespace toq::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class StoreReaping : public ::testing::Test {
 protected:
  void SetUp() override { store_ = open_local_store(dir_ / "store", "http://h:1", clock_, 1024); }

  // A child process begins a PUT of `key`, writes half of it and dies without cleaning up.
  void crash_during_put(const std::string& key) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto pending = store_->begin_put(key, {"video/mp4", 8192, std::nullopt});
      if (!pending) ::_exit(2);
      const std::string half(4096, 'x');
      if (!(*pending)->write(std::as_bytes(std::span{half}))) ::_exit(3);
      ::_exit(0);  // no destructors: the temp file stays, as after a SIGKILL
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }

  static void age(const fs::path& path, std::chrono::seconds by) {
    fs::last_write_time(path, fs::file_time_type::clock::now() - by);
  }

  std::vector<fs::path> temps() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(store_->temp_dir())) out.push_back(e.path());
    return out;
  }

  TempDir dir_;
  ManualClock clock_{pinned_now()};
  std::unique_ptr<storage::LocalObjectStore> store_;
};

TEST_F(StoreReaping, TempFilesOfACrashedPutGoOnceStaleLiveOnesStay) {
  crash_during_put("listings/1/a");
  crash_during_put("listings/1/b");
  auto left = temps();
  ASSERT_EQ(left.size(), 2U) << "the crash should have left its temp files";
  age(left[0], store_->options().stale_temp_age + 60s);  // stale
  const auto report = store_->reap();
  EXPECT_EQ(report.temp_files, 1U);
  EXPECT_FALSE(fs::exists(left[0]));
  EXPECT_TRUE(fs::exists(left[1])) << "a recent temp file may belong to a live writer";
  // Objects are never touched.
  support::MemorySource body{"kept"};
  must(store_->put("listings/1/kept", body, {"text/plain", 4, std::nullopt}));
  age(left[1], store_->options().stale_temp_age + 60s);
  EXPECT_EQ(store_->reap().temp_files, 1U);
  EXPECT_TRUE(temps().empty());
  EXPECT_TRUE(must(store_->head("listings/1/kept")).has_value());
}

TEST_F(StoreReaping, AbandonedMultipartUploadsAreRemovedRecentOnesKept) {
  const auto old_id = must(store_->create_multipart("listings/1/old", {"video/mp4", {}, {}}));
  const auto new_id = must(store_->create_multipart("listings/1/new", {"video/mp4", {}, {}}));
  support::MemorySource part{std::string(2048, 'p')};
  must(store_->upload_part("listings/1/old", old_id, 1, part, std::nullopt));
  age(dir_ / "store" / ".multipart" / old_id, store_->options().abandoned_upload_age + 60s);
  const auto report = store_->reap();
  EXPECT_EQ(report.uploads, 1U);
  EXPECT_TRUE(
      fails_with(store_->list_parts("listings/1/old", old_id), core::ErrorCode::kUploadNotFound));
  EXPECT_TRUE(store_->list_parts("listings/1/new", new_id).has_value());
  EXPECT_TRUE(temps().empty()) << "the removed upload must not linger in .tmp";
}

// While the server runs: serve's reaping task (app::PeriodicTask over reap()) finds a crash's
// stale temp file without a restart.
TEST_F(StoreReaping, ReapingTaskRemovesLeftoversWhileRunning) {
  crash_during_put("listings/2/a");  // forked before the task's thread exists
  auto left = temps();
  ASSERT_EQ(left.size(), 1U);
  std::atomic<std::size_t> reaped{0};
  app::PeriodicTask task(20ms, [&] { reaped += store_->reap().temp_files; });
  task.start();
  std::this_thread::sleep_for(100ms);  // a few passes: a young temp file is left alone
  ASSERT_TRUE(fs::exists(left[0]));
  age(left[0], store_->options().stale_temp_age + 60s);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (fs::exists(left[0]) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_FALSE(fs::exists(left[0]));
  task.stop();
  EXPECT_EQ(reaped.load(), 1U);
}

}  // namespace
}  // namespace toq::testing
