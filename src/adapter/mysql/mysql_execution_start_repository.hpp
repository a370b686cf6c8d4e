#pragma once

#include "core/port/execution_start_repository.hpp"

#include "adapter/mysql/connection.hpp"

namespace toq::mysql {

// ExecutionStartRepository on one MySQL connection (inside the unit of work's transaction; claims
// lock their rows with SELECT ... FOR UPDATE SKIP LOCKED, so relays never wait on each other).
class MysqlExecutionStartRepository final : public core::ExecutionStartRepository {
 public:
  explicit MysqlExecutionStartRepository(Connection& conn) : conn_(conn) {}
  Result<core::ExecutionStart> add(core::JobId job, std::string name, std::string input,
                                   core::Timestamp now) override;
  Result<std::vector<core::ExecutionStart>> claim_due(std::string_view owner,
                                                      core::Timestamp claim_until,
                                                      core::Timestamp now, int limit) override;
  Result<core::ExecutionStart> mark_started(std::int64_t id, std::string execution_arn,
                                            core::Timestamp now) override;
  Result<core::ExecutionStart> reschedule(std::int64_t id, std::string_view owner,
                                          core::Timestamp next_attempt_at, std::string last_error,
                                          core::Timestamp now) override;
  Result<std::optional<core::ExecutionStart>> find_by_job(core::JobId job) override;
  Result<core::OutboxStats> pending_stats() override;

 private:
  Result<core::ExecutionStart> require(std::int64_t id);
  Connection& conn_;
};

}  // namespace toq::mysql
