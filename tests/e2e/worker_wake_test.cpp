// Idle workers woken when work becomes due (app/worker_wake.hpp), on the real `toq-media serve`
// and `toq-media worker` processes. The workers poll every 60 s (processing.pollMillis' largest
// value) and each batch must be READY well within that (the liveness bound of wait_terminal), so
// only wake-ups can get it there: serve's after `complete` and `retry`, the job's worker's after
// its plan (the other worker helps at once), the helper's after its last item (the job's worker,
// which waits for it up to a poll, builds the ZIP at once). A worker that gets no wake-up (its own
// data dir: another host) still processes by its poll.
//
// "worker idle" (a debug line, once per idle spell) says a worker has looked and found nothing:
// a job completed after it can only be claimed by a wake-up or the next poll.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "e2e/e2e_fixture.hpp"
#include "mysql/many_hosts_support.hpp"

namespace toq::e2e {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kLongPoll = "60000";
// Far below the poll: a batch READY within it was not found by a poll.
constexpr std::chrono::seconds kBound{30};

std::vector<InputFile> three_photos() {
  return {
      load({"p-1", "jpeg_baseline.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_1.jpg", "Sala", 1}),
      load({"p-2", "jpeg_progressive.jpg", "PHOTO_VERTICAL", "image/jpeg", "IMG_2.jpg", "Quarto",
            2}),
      load({"p-3", "jpeg_exif_gps.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_3.jpg", "Varanda",
            3}),
  };
}

// The JSON lines of a log text whose "msg" is `msg`, in order.
std::vector<nlohmann::json> lines_of(const std::string& text, const std::string& msg) {
  std::vector<nlohmann::json> out;
  std::istringstream lines{text};
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("msg", "") == msg) out.push_back(std::move(j));
  }
  return out;
}

// Waits (liveness bound) until `count` distinct workers have said "worker idle" in the text
// `log_text()` returns, each with its wake-up armed; the workers.
template <class LogText>
std::set<std::string> wait_idle(const LogText& log_text, std::size_t count) {
  const auto end = Clock::now() + std::chrono::seconds{60};
  for (;;) {
    std::set<std::string> workers;
    for (const auto& idle : lines_of(log_text(), "worker idle")) {
      EXPECT_EQ(idle.value("wake", false), true) << idle.dump();
      workers.insert(idle.value("worker", ""));
    }
    if (workers.size() >= count) return workers;
    if (Clock::now() > end) throw std::runtime_error("workers never went idle");
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
}

class WorkerWakeTest : public ServiceTest {
 protected:
  std::map<std::string, std::string> settings() const override {
    return {{"TOQ_MEDIA_PROCESSING_WORKERS", "2"},
            {"TOQ_MEDIA_PROCESSING_POLL_MILLIS", kLongPoll},
            {"TOQ_MEDIA_LOG_LEVEL", "debug"}};
  }

  std::set<std::string> wait_serve_idle(std::size_t count) {
    return wait_idle([this] { return server_->log_text(); }, count);
  }
  // Whether `worker` said "worker idle" after its "job run ended".
  bool idle_after_its_job(const std::string& worker) const {
    bool ended = false;
    std::istringstream lines{server_->log_text()};
    for (std::string line; std::getline(lines, line);) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object() || j.value("worker", "") != worker) continue;
      const std::string msg = j.value("msg", "");
      if (msg == "job run ended") ended = true;
      if (ended && msg == "worker idle") return true;
    }
    return false;
  }

  // The work items of job `job`: asset, owner, done time (ms), in asset order.
  nlohmann::json items_of(std::int64_t job) const {
    return sql(data_dir(), "SELECT asset_id, lease_owner, done_at FROM work_items WHERE job_id = " +
                               std::to_string(job) + " ORDER BY asset_id");
  }
};

// complete, and then retry, on a serve whose two workers sleep on a 60 s poll: each job is taken
// at once.
TEST_F(WorkerWakeTest, CompleteAndRetryWakeWorkersSleepingOnALongPoll) {
  wait_serve_idle(2);  // both workers looked and found nothing
  const std::int64_t listing = 810;
  client_->register_listing(listing);
  const auto batch = client_->submit(listing, three_photos());
  auto status = client_->wait_terminal(listing, batch, std::nullopt, kBound);
  ASSERT_EQ(status.at("status"), "READY") << status.dump(1);

  // The job's worker (and any helper) idle again before the retry.
  const auto jobs = jobs_of(batch);
  ASSERT_EQ(jobs.size(), 1U);
  const auto claimed = lines_of(server_->log_text(), "job claimed");
  ASSERT_EQ(claimed.size(), 1U);
  const std::string holder = claimed[0].value("worker", "");
  const auto end = Clock::now() + std::chrono::seconds{60};
  while (!idle_after_its_job(holder)) {
    ASSERT_LT(Clock::now(), end) << "the job's worker never went idle after the job";
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  const auto retried = client_->retry(listing, batch);
  ASSERT_EQ(retried.raw.status, 202) << retried.raw.body;
  const std::int64_t job = retried.body.at("jobId");
  status = client_->wait_terminal(listing, batch, job, kBound);
  ASSERT_EQ(status.at("status"), "READY") << status.dump(1);
  EXPECT_EQ(jobs_of(batch).size(), 2U);
}

// Two videos: the job's worker takes the first (short) one, the other worker, woken by the plan,
// the second (longer) one; the job's worker is then left waiting for the helper's item, up to a
// 60 s poll, and the helper's last item wakes it for the ZIP. (Should the helper, woken by the
// plan, claim the first video before the job's worker does, the job's worker holds the last item
// itself and nothing waits for a helper: the batch is sent again, up to three times.)
TEST_F(WorkerWakeTest, ThePlanWakesAHelperAndItsLastItemWakesTheJobsWorkerForTheZip) {
  const std::vector<InputFile> files = {
      load({"v-1", "video_odd_dimensions.mp4", "VIDEO_HORIZONTAL", "video/mp4", "curto.mp4",
            "Curto", 1}),
      load(
          {"v-2", "footage_city.mpg", "VIDEO_HORIZONTAL", "video/mpeg", "cidade.mpg", "Cidade", 2}),
  };
  bool helper_last = false;
  for (int round = 0; round < 3 && !helper_last; ++round) {
    SCOPED_TRACE("round " + std::to_string(round + 1));
    wait_serve_idle(2);
    const std::int64_t listing = 820 + round;
    client_->register_listing(listing);
    const auto batch = client_->submit(listing, files);
    const auto status = client_->wait_terminal(listing, batch, std::nullopt, kBound);
    ASSERT_EQ(status.at("status"), "READY") << status.dump(1);
    const auto jobs = jobs_of(batch);
    ASSERT_EQ(jobs.size(), 1U);
    const std::int64_t job = jobs[0].at("id");
    EXPECT_EQ(jobs[0].at("attempt"), 1);
    ASSERT_FALSE(jobs[0].at("archive_key").is_null()) << "READY with its ZIP";
    std::string holder;
    for (const auto& claimed : lines_of(server_->log_text(), "job claimed")) {
      if (claimed.value("job_id", std::int64_t{0}) == job) holder = claimed.value("worker", "");
    }
    ASSERT_FALSE(holder.empty());
    const auto items = items_of(job);
    ASSERT_EQ(items.size(), 2U) << items.dump();
    EXPECT_NE(items[0].at("lease_owner"), items[1].at("lease_owner"))
        << "the other worker, woken by the plan, helps: " << items.dump();
    const auto& last =
        items[0].at("done_at").get<std::int64_t>() > items[1].at("done_at").get<std::int64_t>()
            ? items[0]
            : items[1];
    helper_last = last.at("lease_owner") != holder;
    std::cout << "round " << round + 1 << ": the last item was the "
              << (helper_last ? "helper's" : "job's worker's") << std::endl;
  }
  EXPECT_TRUE(helper_last) << "the job's worker never waited for a helper's item";
}

// processing.startWorkers false: `toq-media worker` processes started on their own. On serve's
// data dir a worker is woken like serve's own children; with a data dir of its own (another
// host: the wake file is not shared) it finds the job by its poll.
class StandaloneWorkerTest : public ServiceTest {
 protected:
  std::map<std::string, std::string> settings() const override {
    return {{"TOQ_MEDIA_PROCESSING_START_WORKERS", "false"},
            {"TOQ_MEDIA_PROCESSING_POLL_MILLIS", kLongPoll},
            {"TOQ_MEDIA_LOG_LEVEL", "debug"}};
  }

  // A worker on serve's database and store, with `dir` as its data dir and `poll` ms.
  std::unique_ptr<WorkerProcess> start_worker(const std::filesystem::path& dir,
                                              const std::string& poll, const std::string& name) {
    std::filesystem::create_directories(dir);
    auto env = env_;
    env["TOQ_MEDIA_DATABASE_SQLITE_PATH"] = (data_dir() / "toq-media.db").string();
    env["TOQ_MEDIA_STORAGE_LOCAL_ROOT"] = (data_dir() / "objects").string();
    env["TOQ_MEDIA_PROCESSING_POLL_MILLIS"] = poll;
    return std::make_unique<WorkerProcess>(dir, env, tmp_.path() / (name + ".log"));
  }

  // A batch of three photos on listing `listing`, READY within the bound, its job claimed once,
  // by `worker`, which then stops cleanly.
  void expect_ready_by(WorkerProcess& worker, std::int64_t listing) {
    client_->register_listing(listing);
    const auto batch = client_->submit(listing, three_photos());
    const auto status = client_->wait_terminal(listing, batch, std::nullopt, kBound);
    ASSERT_EQ(status.at("status"), "READY") << status.dump(1);
    EXPECT_EQ(log_lines(worker.log(), "job claimed").size(), 1U);
    EXPECT_EQ(worker.stop(SIGTERM), 0);
  }

  static std::string text_of(const std::filesystem::path& file) {
    std::ifstream in{file};
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

TEST_F(StandaloneWorkerTest, OnServesDataDirAWorkerStartedAloneIsWoken) {
  EXPECT_TRUE(server_->child_pids().empty()) << "serve started workers of its own";
  const auto worker = start_worker(data_dir(), kLongPoll, "worker");
  wait_idle([&] { return text_of(worker->log()); }, 1);
  expect_ready_by(*worker, 812);
}

TEST_F(StandaloneWorkerTest, WithADataDirOfItsOwnAWorkerStillProcessesByItsPoll) {
  const auto host = tmp_.path() / "host-2";
  const auto worker = start_worker(host, "300", "worker");
  wait_idle([&] { return text_of(worker->log()); }, 1);
  const auto line = log_lines(worker->log(), "worker started").at(0);
  EXPECT_EQ(line.value("wake_file", ""), (host / "workers.wake").string())
      << "it watches its own data dir, which serve never rings";
  expect_ready_by(*worker, 813);
}

}  // namespace
}  // namespace toq::e2e
