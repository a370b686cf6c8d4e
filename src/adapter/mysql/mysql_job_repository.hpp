#pragma once

#include <functional>

#include "core/port/job_repository.hpp"

#include "adapter/mysql/connection.hpp"

namespace toq::mysql {

// JobRepository on one MySQL connection (inside the unit of work's transaction).
class MysqlJobRepository final : public core::JobRepository {
 public:
  explicit MysqlJobRepository(Connection& conn) : conn_(conn) {}
  Result<core::Job> create(core::BatchId batch, core::Timestamp now,
                           std::string_view traceparent) override;
  Result<std::optional<core::Job>> find(core::JobId id) override;
  Result<std::optional<core::Job>> find_active(core::BatchId batch) override;
  Result<std::optional<core::Job>> find_latest(core::BatchId batch) override;
  Result<std::optional<core::Job>> find_latest(core::BatchId batch,
                                               core::JobStatus status) override;
  Result<std::vector<core::Job>> list_by_batch(core::BatchId batch) override;
  Result<core::Job> start(core::JobId id, std::string lease_owner, core::Timestamp lease_expires_at,
                          core::Timestamp now) override;
  Result<core::Job> finish(core::JobId id, core::JobStatus outcome,
                           std::optional<core::Error> error, core::Timestamp now) override;
  Result<core::Job> requeue(core::JobId id, core::Timestamp now) override;
  Result<core::Job> record_archive(core::JobId id, const core::ArchiveInfo& archive,
                                   core::Timestamp now) override;
  Result<std::optional<core::Job>> claim_next(std::string_view owner,
                                              core::Timestamp lease_expires_at,
                                              core::Timestamp now) override;
  Result<core::Job> heartbeat(core::JobId id, std::string_view owner,
                              core::Timestamp lease_expires_at, core::Timestamp now) override;
  Result<core::JobQueueStats> queue_stats() override;
  Result<std::vector<core::Job>> list_prunable(core::Timestamp finished_before, int limit) override;
  Result<bool> remove_prunable(core::JobId id) override;
  Result<core::Job> release(core::JobId id, std::string_view owner, core::Timestamp available_at,
                            std::string_view reason, core::Timestamp now) override;
  Result<std::vector<core::Job>> list_lease_expired(core::Timestamp now, int limit) override;

 private:
  // UPDATE jobs SET <set_clause> of a RUNNING job held by `owner`: the clause's parameters are
  // bound by bind_extra; STALE_STATE when not held.
  Result<core::Job> held(core::JobId id, std::string_view owner, std::string_view set_clause,
                         const std::function<void(Statement&)>& bind_extra);
  Result<core::Job> require(core::JobId id);
  Result<core::Job> move(core::JobId id, core::JobStatus from, core::JobStatus to,
                         std::string_view set_clause,
                         const std::function<void(Statement&)>& bind_extra);
  Connection& conn_;
};

}  // namespace toq::mysql
