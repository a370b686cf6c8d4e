#include "core/service/lease_keeper.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace toq::core {

LeaseKeeper::LeaseKeeper(Database& db, const Clock& clock, JobId job, std::string owner,
                         std::chrono::seconds lease)
    : LeaseKeeper(
          db, clock,
          [job, owner = std::move(owner)](UnitOfWork& uow, Timestamp now,
                                          Timestamp until) -> Status {
            auto held = uow.jobs().heartbeat(job, owner, until, now);
            if (!held) return std::unexpected(held.error());
            return {};
          },
          lease) {}

LeaseKeeper::LeaseKeeper(Database& db, const Clock& clock, Extend extend,
                         std::chrono::seconds lease)
    : thread_([this, &db, &clock, extend = std::move(extend), lease](std::stop_token stop) {
        keep(stop, db, clock, extend, lease);
      }) {}

void LeaseKeeper::keep(std::stop_token stop, Database& db, const Clock& clock, const Extend& extend,
                       std::chrono::seconds lease) {
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
    auto extended = db.run([&](UnitOfWork& uow) { return extend(uow, now, now + lease); });
    if (!extended && extended.error().code == ErrorCode::kStaleState) {
      lost_.store(true);
      return;
    }
  }
}

}  // namespace toq::core
