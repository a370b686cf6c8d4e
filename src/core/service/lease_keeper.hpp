#pragma once
// Keeps a lease while a worker works under it (run_job.hpp, clause 4): a RUNNING job's, or a work
// item's. On a thread of its own it extends the lease every lease/3 (at least every 200 ms) until
// destroyed, and notes when the lease was lost (another worker reclaimed the job or the item:
// STALE_STATE on heartbeat).

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "core/model/ids.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"

namespace toq::core {

class LeaseKeeper {
 public:
  // Extends the lease to `until` in the caller's unit of work (a heartbeat).
  using Extend = std::function<Status(UnitOfWork& uow, Timestamp now, Timestamp until)>;

  // `db` and `clock` must outlive the keeper; the first extension comes one period from now.
  LeaseKeeper(Database& db, const Clock& clock, JobId job, std::string owner,
              std::chrono::seconds lease);
  LeaseKeeper(Database& db, const Clock& clock, Extend extend, std::chrono::seconds lease);
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  bool lost() const { return lost_.load(); }

 private:
  void keep(std::stop_token stop, Database& db, const Clock& clock, const Extend& extend,
            std::chrono::seconds lease);

  std::atomic<bool> lost_{false};
  std::jthread thread_;  // last: joined (stop requested) before lost_ goes away
};

}  // namespace toq::core
