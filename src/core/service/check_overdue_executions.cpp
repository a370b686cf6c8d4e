#include "core/service/check_overdue_executions.hpp"

#include <fmt/format.h>

#include "core/service/job_outcome.hpp"

namespace toq::core {

Result<std::vector<OverdueJob>> CheckOverdueExecutions::run_once() {
  const auto now = clock_.now();
  auto overdue = db_.transact(
      [&](UnitOfWork& uow) { return uow.jobs().list_lease_expired(now, options_.batch); });
  if (!overdue) return std::unexpected(overdue.error());
  std::vector<OverdueJob> out;
  for (const Job& job : *overdue) {
    OverdueJob seen;
    seen.job = job.id;
    seen.execution = execution_name(job.id, job.run);
    seen.traceparent = job.traceparent;
    auto state = starter_.describe(seen.execution);
    if (!state) {
      seen.error = state.error();
      out.push_back(std::move(seen));
      continue;
    }
    seen.status = state->status;
    const auto at = clock_.now();
    if (state->status == ExecutionStatus::kRunning) {
      auto extended = db_.transact([&](UnitOfWork& uow) {
        return uow.jobs().heartbeat(job.id, job.lease_owner.value_or(seen.execution),
                                    at + options_.report_deadline, at);
      });
      if (extended) {
        seen.end = OverdueJob::End::kExtended;
      } else if (extended.error().code == ErrorCode::kStaleState) {
        seen.error = extended.error();
      } else {
        return std::unexpected(extended.error());
      }
      out.push_back(std::move(seen));
      continue;
    }
    const std::string how =
        state->status == ExecutionStatus::kNotFound
            ? fmt::format("execution {} does not exist on {}", seen.execution,
                          starter_.service_name())
            : fmt::format("execution {} ended {}{}", seen.execution, to_string(state->status),
                          state->error.empty() ? "" : ": " + state->error);
    const AssetFailure failure{
        .code = ErrorCode::kProcessingTimeout,
        .message = fmt::format("Processing never reported a result for this file ({}).", how),
        .hint =
            "Try processing the batch again (retry); if it keeps failing, contact support "
            "with the batch id.",
        .tool = std::nullopt,
        .traceparent = job.traceparent};
    auto failed = db_.run([&](UnitOfWork& uow) -> Status {
      auto current = uow.jobs().find(job.id);
      if (!current) return std::unexpected(current.error());
      if (!*current || (*current)->status != JobStatus::kRunning) {
        return fail(ErrorCode::kStaleState,
                    fmt::format("job {} is no longer RUNNING", job.id.value));
      }
      auto batch = uow.batches().find(job.batch_id);
      if (!batch) return std::unexpected(batch.error());
      if (!*batch) return fail(ErrorCode::kBatchNotFound, "the job's batch is gone");
      auto assets = uow.assets().list_by_batch(job.batch_id);
      if (!assets) return std::unexpected(assets.error());
      auto n = fail_unfinished_assets(uow, *assets, job.id, failure, at);
      if (!n) return std::unexpected(n.error());
      return finish_job(uow, **current, **batch, false,
                        make_error(ErrorCode::kProcessingTimeout,
                                   fmt::format("no report by the deadline: {}", how)),
                        at);
    });
    if (failed) {
      seen.end = OverdueJob::End::kFailed;
    } else if (failed.error().code == ErrorCode::kStaleState) {
      seen.error = failed.error();
    } else {
      return std::unexpected(failed.error());
    }
    out.push_back(std::move(seen));
  }
  return out;
}

}  // namespace toq::core
