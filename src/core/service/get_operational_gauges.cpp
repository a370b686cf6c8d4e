#include "core/service/get_operational_gauges.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

namespace toq::core {

namespace {

double age_seconds(Timestamp now, const std::optional<Timestamp>& since) {
  if (!since) return 0;
  return std::max(0.0, std::chrono::duration<double>(now - *since).count());
}

}  // namespace

Result<OperationalGauges> GetOperationalGauges::run() {
  auto read = deps_.db.transact([&](UnitOfWork& uow) -> Result<OperationalGauges> {
    OperationalGauges out;
    auto jobs = uow.jobs().queue_stats();
    if (!jobs) return std::unexpected(jobs.error());
    auto outbox = uow.outbox().pending_stats();
    if (!outbox) return std::unexpected(outbox.error());
    auto starts = uow.starts().pending_stats();
    if (!starts) return std::unexpected(starts.error());
    out.jobs = *jobs;
    out.outbox = *outbox;
    out.starts = *starts;
    return out;
  });
  if (!read) return read;
  const Timestamp now = deps_.clock.now();
  read->oldest_queued_age_seconds = age_seconds(now, read->jobs.oldest_queued_at);
  read->oldest_active_age_seconds = age_seconds(now, read->jobs.oldest_active_at);
  read->oldest_pending_event_age_seconds = age_seconds(now, read->outbox.oldest_pending_at);
  read->oldest_pending_start_age_seconds = age_seconds(now, read->starts.oldest_pending_at);
  return read;
}

}  // namespace toq::core
