#pragma once
// What the MariaDB + s3rver process tests share: `toq-media worker` processes started as a
// separate host would run them (their own --data-dir, only the database and S3 in common), and
// the counts read back from their logs and the database.

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e/e2e_support.hpp"
#include "support/shell.hpp"

namespace toq::e2e {

class WorkerProcess {
 public:
  WorkerProcess(const std::filesystem::path& data_dir,
                const std::map<std::string, std::string>& env, const std::filesystem::path& log)
      : log_(log) {
    const testing::ParentTie tie;
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      testing::die_with_parent(tie);
      if (std::freopen(log.c_str(), "w", stderr) == nullptr) _exit(127);
      for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
      execl(TOQ_MEDIA_BINARY, TOQ_MEDIA_BINARY, "worker", "--data-dir", data_dir.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    pid_ = pid;
  }
  ~WorkerProcess() { stop(SIGKILL); }
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // Sends `sig` and waits (20 s, then SIGKILL); the exit status, -1 when killed by a signal.
  int stop(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    for (int i = 0; i < 200; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      usleep(100000);
    }
    ::kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& log() const { return log_; }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

// The JSON log lines of `file` whose "msg" is `msg`.
inline std::vector<nlohmann::json> log_lines(const std::filesystem::path& file,
                                             const std::string& msg) {
  std::vector<nlohmann::json> out;
  std::ifstream in{file};
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("msg", "") == msg) out.push_back(std::move(j));
  }
  return out;
}

// Checks a finished set of batches from the database and the store: every batch READY with one
// SUCCEEDED job, every asset READY by that job with its renditions under the job's prefix, the
// store holding exactly the recorded outputs, one media.batch.ready event per job. The number of
// jobs taken over (attempts beyond the first).
inline int expect_each_batch_ready_once(
    const std::filesystem::path& data_dir,
    const std::vector<std::pair<std::int64_t, std::int64_t>>& batches,
    std::size_t assets_per_batch) {
  int reclaims = 0;
  for (const auto& [listing, batch] : batches) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    const auto b = sql(data_dir, "SELECT status FROM batches WHERE id = " + std::to_string(batch));
    EXPECT_EQ(b.size(), 1U);
    if (b.size() != 1) continue;
    EXPECT_EQ(b[0].at("status"), "READY");
    const auto jobs = sql(data_dir,
                          "SELECT id, status, attempt, started_at, completed_at, archive_key "
                          "FROM jobs WHERE batch_id = " +
                              std::to_string(batch));
    EXPECT_EQ(jobs.size(), 1U) << "one job per completion: " << jobs.dump();
    if (jobs.size() != 1) continue;
    const std::int64_t job = jobs[0].at("id");
    EXPECT_EQ(jobs[0].at("status"), "SUCCEEDED");
    EXPECT_FALSE(jobs[0].at("started_at").is_null());
    EXPECT_FALSE(jobs[0].at("completed_at").is_null());
    reclaims += jobs[0].at("attempt").get<int>() - 1;
    const std::string out = "listings/" + std::to_string(listing) + "/batches/" +
                            std::to_string(batch) + "/out/" + std::to_string(job) + "/";
    EXPECT_EQ(jobs[0].at("archive_key"), out + "archive.zip");
    const auto assets = sql(data_dir, "SELECT id, status, job_id FROM assets WHERE batch_id = " +
                                          std::to_string(batch));
    EXPECT_EQ(assets.size(), assets_per_batch);
    std::set<std::string> recorded = {out + "archive.zip"};
    for (const auto& a : assets) {
      EXPECT_EQ(a.at("status"), "READY");
      EXPECT_EQ(a.at("job_id"), job);
      const auto rend = sql(data_dir, "SELECT job_id, `key` FROM renditions WHERE asset_id = " +
                                          std::to_string(a.at("id").get<std::int64_t>()));
      EXPECT_FALSE(rend.empty());
      for (const auto& r : rend) {
        EXPECT_EQ(r.at("job_id"), job);
        recorded.insert(r.at("key").get<std::string>());
      }
    }
    std::set<std::string> stored;
    const std::string prefix =
        "listings/" + std::to_string(listing) + "/batches/" + std::to_string(batch) + "/out/";
    for (const auto& [key, sha] : objects_under(data_dir, prefix)) stored.insert(key);
    EXPECT_EQ(stored, recorded) << "the store holds exactly the recorded outputs";
    const auto events = sql(data_dir, "SELECT event_id FROM outbox WHERE event_id = 'msg_job" +
                                          std::to_string(job) + "_ready'");
    EXPECT_EQ(events.size(), 1U);
  }
  return reclaims;
}

inline std::vector<InputFile> two_photos(int n) {
  static const char* const kPhotos[] = {"jpeg_baseline.jpg", "webp_photo.webp", "jpeg_cmyk.jpg"};
  const std::string a = kPhotos[n % 3];
  return {load({"p-1", a, "PHOTO_HORIZONTAL", a.ends_with(".webp") ? "image/webp" : "image/jpeg", a,
                "Sala", 1}),
          load({"p-2", "jpeg_exif_gps.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_2.jpg", "Quarto",
                2})};
}

}  // namespace toq::e2e
