#include "core/service/relay_execution_starts.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <random>

#include "core/service/execution_runs.hpp"

namespace toq::core {

std::chrono::milliseconds start_backoff(int attempt, double unit_random,
                                        std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap) {
  const int doublings = std::clamp(attempt - 1, 0, 30);
  const double ceiling = std::min(static_cast<double>(cap.count()),
                                  static_cast<double>(base.count()) * std::ldexp(1.0, doublings));
  const double chosen = std::clamp(unit_random, 0.0, 1.0) * ceiling;
  return std::max(std::chrono::milliseconds(100),
                  std::chrono::milliseconds(static_cast<std::int64_t>(chosen)));
}

RelayExecutionStarts::RelayExecutionStarts(Database& db, ExecutionStarter& starter,
                                           const Clock& clock, RelayStartOptions options)
    : db_(db), starter_(starter), clock_(clock), options_(std::move(options)) {
  if (!options_.random) {
    options_.random = [gen = std::make_shared<std::mt19937_64>(std::random_device{}()),
                       mutex = std::make_shared<std::mutex>()]() {
      std::scoped_lock lock(*mutex);
      return std::uniform_real_distribution<double>(0.0, 1.0)(*gen);
    };
  }
}

Result<std::vector<RelayedStart>> RelayExecutionStarts::run_once() {
  const auto claimed_at = clock_.now();
  auto rows = db_.transact([&](UnitOfWork& uow) {
    return uow.starts().claim_due(options_.owner, claimed_at + options_.claim, claimed_at,
                                  options_.batch);
  });
  if (!rows) return std::unexpected(rows.error());
  std::vector<RelayedStart> out;
  for (auto& row : *rows) {
    RelayedStart relayed;
    const std::string traceparent = traceparent_of(row.input);
    auto started = starter_.start(StartRequest{row.name, row.input, traceparent});
    if (started) {
      relayed.end = started->outcome == StartResult::Outcome::kStarted
                        ? RelayedStart::End::kStarted
                        : RelayedStart::End::kAlreadyExisted;
      const auto now = clock_.now();
      auto marked = db_.run([&](UnitOfWork& uow) {
        return begin_execution(uow, row.job_id, started->execution_arn,
                               now + options_.report_deadline, now);
      });
      if (!marked) return std::unexpected(marked.error());
      row.started_at = now;
      row.execution_arn = started->execution_arn;
    } else {
      const bool transient = started.error().code == ErrorCode::kPipelineUnavailable;
      const auto delay = transient ? start_backoff(row.attempts + 1, options_.random(),
                                                   options_.transient_base, options_.transient_cap)
                                   : start_backoff(row.attempts + 1, options_.random(),
                                                   options_.refused_base, options_.refused_cap);
      const auto now = clock_.now();
      auto rescheduled = db_.transact([&](UnitOfWork& uow) {
        return uow.starts().reschedule(row.id, options_.owner, now + delay, started.error().message,
                                       now);
      });
      if (rescheduled) {
        row = *rescheduled;
        relayed.end = RelayedStart::End::kRetryLater;
        relayed.retry_after = delay;
      } else if (rescheduled.error().code == ErrorCode::kStaleState) {
        relayed.end = RelayedStart::End::kTakenOver;
      } else {
        return std::unexpected(rescheduled.error());
      }
      relayed.error = started.error();
    }
    relayed.row = std::move(row);
    out.push_back(std::move(relayed));
  }
  return out;
}

}  // namespace toq::core
