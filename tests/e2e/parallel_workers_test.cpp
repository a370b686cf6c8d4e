// The assets of one batch on two workers at once (work items, run_job.hpp): `toq-media serve`
// with two worker children and a 2-second lease processes one batch of real photos and videos.
// The test watches the work_items table: two items RUNNING under two different workers at the same
// moment, then SIGKILLs the job's worker (the one that will build the ZIP) while it holds a video
// mid-work and the other worker helps. Afterwards: the batch READY with its ZIP and its webhook,
// one job (taken over by the survivor), the killed worker's item claimed again by another worker
// once its lease expired, every asset recorded exactly once (one "asset processed" per asset in
// the workers' logs, one rendition row per output, the store holding exactly the recorded outputs
// under the job's prefix), the claim and completion times in the database showing two workers'
// items overlapping, and every asset's log line, the helper's included, naming the job's trace.

#include <chrono>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <signal.h>

#include "e2e/e2e_fixture.hpp"

namespace toq::e2e {
namespace {

using Clock = std::chrono::steady_clock;

class ParallelWorkers : public ServiceTest {
 protected:
  std::map<std::string, std::string> settings() const override {
    return {{"TOQ_MEDIA_PROCESSING_WORKERS", "2"},
            {"TOQ_MEDIA_PROCESSING_LEASE_SECONDS", "2"},
            {"TOQ_MEDIA_PROCESSING_POLL_MILLIS", "100"}};
  }
};

std::vector<InputFile> mixed_batch() {
  return {
      load({"v-1", "video_1080p.mp4", "VIDEO_HORIZONTAL", "video/mp4", "tour.mp4", "Tour", 1}),
      load({"v-2", "video_h264_aac.mp4", "VIDEO_HORIZONTAL", "video/mp4", "sala.mp4", "Sala", 2}),
      load({"p-1", "photo_kleiber.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_1.jpg", "Vista", 1}),
      load({"p-2", "photo_bridge.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_2.jpg", "Ponte", 2}),
      load({"p-3", "photo_wine_vertical.jpg", "PHOTO_VERTICAL", "image/jpeg", "IMG_3.jpg", "Adega",
            1}),
      load({"p-4", "jpeg_baseline.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_4.jpg", "Sala", 3}),
      load({"p-5", "jpeg_progressive.jpg", "PHOTO_VERTICAL", "image/jpeg", "IMG_5.jpg", "Quarto",
            2}),
      load({"p-6", "jpeg_exif_gps.jpg", "PHOTO_HORIZONTAL", "image/jpeg", "IMG_6.jpg", "Varanda",
            4}),
  };
}

// The pid in a worker id (host:pid:random).
pid_t pid_of(const std::string& worker_id) {
  const auto last = worker_id.rfind(':');
  const auto before = worker_id.rfind(':', last - 1);
  return static_cast<pid_t>(std::stol(worker_id.substr(before + 1, last - before - 1)));
}

TEST_F(ParallelWorkers, OneBatchOnTwoWorkersAtOnceSurvivesAKilledWorkerAndRecordsEachAssetOnce) {
  const std::int64_t listing = 700;
  client_->register_listing(listing);
  const auto files = mixed_batch();
  const auto batch = client_->submit(listing, files);
  const std::string items_of_batch =
      "SELECT w.asset_id, w.heavy, w.status, w.attempt, w.lease_owner, w.claimed_at, w.done_at "
      "FROM work_items w JOIN jobs j ON j.id = w.job_id WHERE j.batch_id = " +
      std::to_string(batch);

  const std::string job_of_batch =
      "SELECT lease_owner FROM jobs WHERE status = 'RUNNING' AND batch_id = " +
      std::to_string(batch);
  // Watch until two workers hold items at once and the job's worker holds a video; kill it (the
  // other one is helping: its item's line is a helper's).
  std::optional<std::pair<std::string, std::int64_t>> both;  // another holder seen with the victim
  std::string victim;
  std::int64_t victim_asset = 0;
  for (const auto bound = Clock::now() + std::chrono::seconds{120};
       victim.empty() && Clock::now() < bound;) {
    std::map<std::string, std::int64_t> holders;  // owner -> asset
    std::optional<std::pair<std::string, std::int64_t>> video;
    for (const auto& row : sql(data_dir(), items_of_batch)) {
      if (row.at("status") != "RUNNING") continue;
      holders[row.at("lease_owner")] = row.at("asset_id");
      if (row.at("heavy") == 1) video.emplace(row.at("lease_owner"), row.at("asset_id"));
    }
    const auto job_rows = sql(data_dir(), job_of_batch);
    const bool holder_has_video =
        video && job_rows.size() == 1 && job_rows[0].at("lease_owner") == video->first;
    if (holders.size() >= 2 && holder_has_video) {
      victim = video->first;
      victim_asset = video->second;
      for (const auto& [owner, asset] : holders) {
        if (owner != victim) both.emplace(owner, asset);
      }
      ASSERT_EQ(::kill(pid_of(victim), SIGKILL), 0) << victim;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{30});
  }
  ASSERT_FALSE(victim.empty())
      << "never saw the job's worker holding a video while another worker held an item";
  ASSERT_TRUE(both.has_value());
  std::cout << "two workers at once: " << victim << " (asset " << victim_asset << ") and "
            << both->first << " (asset " << both->second << "); SIGKILL " << victim << std::endl;

  const auto status = client_->wait_terminal(listing, batch);
  ASSERT_EQ(status.at("status"), "READY") << status.dump(1);
  const auto jobs = jobs_of(batch);
  ASSERT_EQ(jobs.size(), 1U) << jobs.dump();
  const std::int64_t job = jobs[0].at("id");
  EXPECT_EQ(jobs[0].at("status"), "SUCCEEDED");
  EXPECT_FALSE(jobs[0].at("started_at").is_null());
  wait_delivery("media.batch.ready", batch, job);

  // The killed worker's item went to another worker once its lease expired.
  const auto items = sql(data_dir(), items_of_batch);
  ASSERT_EQ(items.size(), files.size()) << "one work item per asset";
  std::set<std::string> owners;
  for (const auto& item : items) {
    EXPECT_EQ(item.at("status"), "DONE") << item.dump();
    owners.insert(item.at("lease_owner"));
    if (item.at("asset_id") == victim_asset) {
      EXPECT_GE(item.at("attempt").get<int>(), 2) << item.dump();
      EXPECT_NE(item.at("lease_owner"), victim) << item.dump();
    }
  }
  EXPECT_GE(owners.size(), 2U) << "the batch's items were all done by one worker";
  // The database's own record of the overlap: two items of different workers whose claim-to-done
  // spans intersect.
  bool overlap = false;
  for (const auto& a : items) {
    for (const auto& b : items) {
      if (a.at("lease_owner") == b.at("lease_owner")) continue;
      const std::int64_t a0 = a.at("claimed_at"), a1 = a.at("done_at");
      const std::int64_t b0 = b.at("claimed_at"), b1 = b.at("done_at");
      overlap = overlap || (a0 < b1 && b0 < a1);
    }
  }
  EXPECT_TRUE(overlap) << items.dump(1);

  // Each asset recorded exactly once: one "asset processed" line per asset of the job in the
  // workers' logs, READY for the job, and the store holds exactly the recorded outputs. Every such
  // line names the job's batch and trace, whether its worker held the job (between its "job
  // claimed" and its "job run ended") or helped it; the survivor helped when the holder died.
  const std::string trace = jobs[0].at("traceparent");
  EXPECT_EQ(trace.size(), 55U) << "complete gives every job a trace";
  std::map<std::int64_t, int> processed;
  std::set<std::string> holding;  // the workers holding the job at this point of the log
  int helper_lines = 0;
  std::istringstream lines{server_->log_text()};
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || j.value("job_id", std::int64_t{0}) != job) continue;
    const std::string msg = j.value("msg", "");
    const std::string worker = j.value("worker", "");
    if (msg == "job claimed") holding.insert(worker);
    if (msg == "job run ended") holding.erase(worker);
    if (msg != "asset processed") continue;
    ++processed[j.value("asset_id", std::int64_t{0})];
    EXPECT_EQ(j.value("traceparent", ""), trace) << line;
    EXPECT_EQ(j.value("batch_id", std::int64_t{0}), batch) << line;
    if (!holding.contains(worker)) ++helper_lines;
  }
  EXPECT_GE(helper_lines, 1) << "no asset line from a helping worker";
  const auto assets = sql(data_dir(), "SELECT id, status, job_id FROM assets WHERE batch_id = " +
                                          std::to_string(batch));
  ASSERT_EQ(assets.size(), files.size());
  const std::string out = batch_prefix(listing, batch) + "out/" + std::to_string(job) + "/";
  std::set<std::string> recorded = {out + "archive.zip"};
  for (const auto& a : assets) {
    const std::int64_t id = a.at("id");
    EXPECT_EQ(a.at("status"), "READY");
    EXPECT_EQ(a.at("job_id"), job);
    EXPECT_EQ(processed[id], 1) << "asset " << id << " recorded " << processed[id] << " times";
    const auto renditions = sql(
        data_dir(), "SELECT job_id, key FROM renditions WHERE asset_id = " + std::to_string(id));
    EXPECT_FALSE(renditions.empty());
    for (const auto& r : renditions) {
      EXPECT_EQ(r.at("job_id"), job);
      EXPECT_TRUE(recorded.insert(r.at("key").get<std::string>()).second) << r.dump();
    }
  }
  std::set<std::string> stored;
  for (const auto& [key, sha] : objects_under(data_dir(), out)) stored.insert(key);
  EXPECT_EQ(stored, recorded);
  const auto zip = tmp_.path() / "batch.zip";
  write_file(zip, read_object(data_dir(), out + "archive.zip"));
  EXPECT_EQ(zip_entries(zip).size(), files.size() + 1);
}

}  // namespace
}  // namespace toq::e2e
