#include "core/service/lease_keeper.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace toq::core {

LeaseKeeper::LeaseKeeper(Database& db, const Clock& clock, JobId job, std::string owner,
                         std::chrono::seconds lease)
    : thread_([this, &db, &clock, job, owner = std::move(owner), lease](std::stop_token stop) {
        keep(stop, db, clock, job, owner, lease);
      }) {}

void LeaseKeeper::keep(std::stop_token stop, Database& db, const Clock& clock, JobId job,
                       const std::string& owner, std::chrono::seconds lease) {
  const auto period = std::max<std::chrono::milliseconds>(
      std::chrono::milliseconds(200),
      std::chrono::duration_cast<std::chrono::milliseconds>(lease) / 3);
  std::mutex m;
  std::condition_variable_any cv;
  for (;;) {
    {
      std::unique_lock lock(m);
      cv.wait_for(lock, stop, period, [] { return false; });
    }
    if (stop.stop_requested()) {
      return;
    }
    const auto now = clock.now();
    auto extended = db.transact(
        [&](UnitOfWork& uow) { return uow.jobs().heartbeat(job, owner, now + lease, now); });
    if (!extended && extended.error().code == ErrorCode::kStaleState) {
      lost_.store(true);
      return;
    }
  }
}

}  // namespace toq::core
