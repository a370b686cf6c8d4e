#pragma once
// Keeps a RUNNING job's lease while a worker works on it (run_job.hpp, clause 4): on a thread of
// its own it extends the lease every lease/3 (at least every 200 ms) until destroyed, and notes
// when the lease was lost (another worker reclaimed the job: STALE_STATE on heartbeat).

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "core/model/ids.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"

namespace toq::core {

class LeaseKeeper {
 public:
  // `db` and `clock` must outlive the keeper; the first extension comes one period from now.
  LeaseKeeper(Database& db, const Clock& clock, JobId job, std::string owner,
              std::chrono::seconds lease);
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  bool lost() const { return lost_.load(); }

 private:
  void keep(std::stop_token stop, Database& db, const Clock& clock, JobId job,
            const std::string& owner, std::chrono::seconds lease);

  std::atomic<bool> lost_{false};
  std::jthread thread_;  // last: joined (stop requested) before lost_ goes away
};

}  // namespace toq::core
