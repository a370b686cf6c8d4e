// Many workers, many hosts: `toq-media serve` with processing.startWorkers false and three
// `toq-media worker` processes, each with its own --data-dir (standing in for three hosts: they
// share nothing but the MariaDB database and the S3 bucket), process 20 batches of real photos.
// One worker is SIGKILLed while it holds a job. Afterwards every batch is READY exactly once (one
// SUCCEEDED job, one ready event), every asset's result was recorded exactly once (one "asset
// processed" line across the three workers' logs), the store holds exactly the recorded outputs,
// and the killed worker's job was taken over by another worker once its lease expired.
//
// The unit a worker claims is a job (a whole batch); the assets of one batch are processed by the
// worker that holds its job (asset-level work items are the Benchmarks issue's).

#include <chrono>
#include <iostream>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/e2e_fixture.hpp"
#include "mysql/many_hosts_support.hpp"

namespace toq::e2e {
namespace {

using Clock = std::chrono::steady_clock;

TEST(ManyWorkers, ThreeHostsTwentyBatchesOneKilledEveryBatchReadyOnce) {
  constexpr int kBatches = 20;
  constexpr int kWorkers = 3;
  testing::TempDir tmp;
  const auto api_dir = tmp.path() / "api";
  const ServiceBackends backends(tmp.path() / "services", api_dir, ServiceBackends::When::kAlways);
  std::map<std::string, std::string> env = backends.env();
  env["TOQ_MEDIA_PROCESSING_START_WORKERS"] = "false";
  env["TOQ_MEDIA_PROCESSING_LEASE_SECONDS"] = "3";
  env["TOQ_MEDIA_PROCESSING_POLL_MILLIS"] = "100";
  ServeProcess server(api_dir, env);
  EXPECT_TRUE(server.child_pids().empty()) << "serve started workers of its own";
  Client client(server);

  // The workers read the same database and bucket; each has a data dir of its own.
  std::vector<std::unique_ptr<WorkerProcess>> workers;
  for (int i = 0; i < kWorkers; ++i) {
    const auto host = tmp.path() / ("host-" + std::to_string(i + 1));
    std::filesystem::create_directories(host);
    // A worker's data dir must be registered for the looks (sql, objects) like the API's.
    workers.push_back(std::make_unique<WorkerProcess>(
        host, env, tmp.path() / ("worker-" + std::to_string(i + 1) + ".log")));
  }

  std::vector<std::pair<std::int64_t, std::int64_t>> batches;
  for (int i = 0; i < kBatches; ++i) {
    const std::int64_t listing = 900 + i;
    client.register_listing(listing);
    batches.emplace_back(listing, client.submit(listing, two_photos(i)));
  }

  // SIGKILL worker 1 while it holds a job (its lease owner is "host:<pid>:suffix").
  const pid_t victim = workers[0]->pid();
  const std::string owner = ":" + std::to_string(victim) + ":";
  std::optional<std::int64_t> killed_job;
  for (const auto end = Clock::now() + std::chrono::seconds{300}; Clock::now() < end;) {
    const auto held = sql(api_dir,
                          "SELECT id FROM jobs WHERE status = 'RUNNING' AND "
                          "lease_owner LIKE '%" +
                              owner + "%'");
    if (!held.empty()) {
      killed_job = held[0].at("id").get<std::int64_t>();
      EXPECT_EQ(workers[0]->stop(SIGKILL), -1);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  ASSERT_TRUE(killed_job.has_value()) << "worker 1 never held a job";
  std::cout << "SIGKILL worker " << victim << " holding job " << *killed_job << std::endl;

  for (const auto end = Clock::now() + std::chrono::seconds{900}; Clock::now() < end;) {
    const auto open = sql(api_dir,
                          "SELECT COUNT(*) AS n FROM batches WHERE status NOT IN ('READY', "
                          "'FAILED')");
    if (open.at(0).at("n").get<int>() == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds{500});
  }
  for (std::size_t i = 1; i < workers.size(); ++i) EXPECT_EQ(workers[i]->stop(SIGTERM), 0);
  EXPECT_EQ(server.stop(SIGTERM), 0);

  const int reclaims = expect_each_batch_ready_once(api_dir, batches, 2);
  EXPECT_GE(reclaims, 1) << "the killed worker's job was never taken over";
  const auto killed = sql(api_dir, "SELECT attempt, lease_owner, status FROM jobs WHERE id = " +
                                       std::to_string(*killed_job));
  ASSERT_EQ(killed.size(), 1U);
  EXPECT_GE(killed[0].at("attempt").get<int>(), 2) << killed.dump();

  // Every asset's result recorded once, by exactly one of the workers; and the surviving workers
  // both finished jobs (the queue was shared, not handed to one).
  std::map<std::int64_t, int> processed;
  int workers_with_jobs = 0;
  for (const auto& w : workers) {
    for (const auto& line : log_lines(w->log(), "asset processed")) {
      ++processed[line.at("asset_id").get<std::int64_t>()];
    }
    if (!log_lines(w->log(), "job run ended").empty()) ++workers_with_jobs;
  }
  EXPECT_EQ(processed.size(), static_cast<std::size_t>(kBatches * 2));
  for (const auto& [asset, times] : processed) {
    EXPECT_EQ(times, 1) << "asset " << asset << " recorded " << times << " times";
  }
  EXPECT_GE(workers_with_jobs, 2);
  std::cout << "jobs taken over: " << reclaims
            << ", workers that finished jobs: " << workers_with_jobs << std::endl;
}

}  // namespace
}  // namespace toq::e2e
