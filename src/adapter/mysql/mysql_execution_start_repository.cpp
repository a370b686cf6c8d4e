#include "adapter/mysql/mysql_execution_start_repository.hpp"

#include <fmt/format.h>

#include "adapter/mysql/sql_util.hpp"

namespace toq::mysql {

using core::ExecutionStart;

Result<ExecutionStart> MysqlExecutionStartRepository::require(std::int64_t id) {
  auto stmt = conn_.prepare(
      fmt::format("SELECT {} FROM execution_starts WHERE id = ?", sql::kExecutionStartColumns));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(id);
  auto found = query_one<ExecutionStart>(*stmt, sql::map_execution_start<Rows>);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::unexpected(sql::execution_start_not_found(id));
  return **found;
}

Result<ExecutionStart> MysqlExecutionStartRepository::add(core::JobId job, std::string name,
                                                          std::string input, core::Timestamp now) {
  auto stmt = conn_.prepare(
      "INSERT INTO execution_starts (job_id, name, input, created_at, next_attempt_at, "
      "execution_arn, last_error) VALUES (?, ?, ?, ?, ?, '', '')");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(job.value, name, input, to_ms(now), to_ms(now));
  if (auto r = stmt->run(); !r) {
    const auto kind = conn_.last_error_kind();
    if (kind == ErrorKind::kForeignKey) return std::unexpected(sql::job_not_found(job));
    if (kind == ErrorKind::kDuplicateKey) {
      return std::unexpected(sql::execution_start_exists(job, name));
    }
    return std::unexpected(r.error());
  }
  return require(stmt->insert_id());
}

Result<std::vector<ExecutionStart>> MysqlExecutionStartRepository::claim_due(
    std::string_view owner, core::Timestamp claim_until, core::Timestamp now, int limit) {
  // SKIP LOCKED passes over rows another relay is claiming right now: relays on any number of
  // hosts never wait on each other and never take the same row.
  auto pick = conn_.prepare(
      "SELECT id FROM execution_starts WHERE started_at IS NULL AND next_attempt_at <= ? "
      "AND (claimed_by IS NULL OR claim_expires_at < ?) ORDER BY id LIMIT ? "
      "FOR UPDATE SKIP LOCKED");
  if (!pick) return std::unexpected(pick.error());
  pick->bind_all(to_ms(now), to_ms(now), std::int64_t{limit});
  auto ids = query_all<std::int64_t>(*pick, [](const Rows& r) { return r.int64(0); });
  if (!ids) return std::unexpected(ids.error());
  std::vector<ExecutionStart> out;
  for (const auto id : *ids) {
    auto claim = conn_.prepare(
        "UPDATE execution_starts SET claimed_by = ?, claim_expires_at = ? WHERE id = ?");
    if (!claim) return std::unexpected(claim.error());
    claim->bind_all(owner, to_ms(claim_until), id);
    if (auto r = claim->run(); !r) return std::unexpected(r.error());
    auto row = require(id);
    if (!row) return std::unexpected(row.error());
    out.push_back(std::move(*row));
  }
  return out;
}

Result<ExecutionStart> MysqlExecutionStartRepository::mark_started(std::int64_t id,
                                                                   std::string execution_arn,
                                                                   core::Timestamp now) {
  auto stmt = conn_.prepare(
      "UPDATE execution_starts SET started_at = ?, execution_arn = ?, claimed_by = NULL, "
      "claim_expires_at = NULL WHERE id = ? AND started_at IS NULL");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(now), execution_arn, id);
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  return require(id);
}

Result<ExecutionStart> MysqlExecutionStartRepository::reschedule(std::int64_t id,
                                                                 std::string_view owner,
                                                                 core::Timestamp next_attempt_at,
                                                                 std::string last_error,
                                                                 core::Timestamp /*now*/) {
  auto stmt = conn_.prepare(
      "UPDATE execution_starts SET attempts = attempts + 1, next_attempt_at = ?, "
      "last_error = ?, claimed_by = NULL, claim_expires_at = NULL "
      "WHERE id = ? AND started_at IS NULL AND claimed_by = ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(next_attempt_at), last_error, id, owner);
  auto changed = stmt->run();
  if (!changed) return std::unexpected(changed.error());
  auto current = require(id);
  if (!current) return current;
  if (*changed == 0) return std::unexpected(sql::execution_start_not_held(*current, owner));
  return current;
}

Result<std::optional<ExecutionStart>> MysqlExecutionStartRepository::find_by_job(core::JobId job) {
  auto stmt = conn_.prepare(
      fmt::format("SELECT {} FROM execution_starts WHERE job_id = ?", sql::kExecutionStartColumns));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(job.value);
  return query_one<ExecutionStart>(*stmt, sql::map_execution_start<Rows>);
}

Result<core::OutboxStats> MysqlExecutionStartRepository::pending_stats() {
  auto stmt = conn_.prepare(sql::kExecutionStartStatsQuery);
  if (!stmt) return std::unexpected(stmt.error());
  auto row = query_one<core::OutboxStats>(*stmt, sql::map_outbox_stats<Rows>);
  if (!row) return std::unexpected(row.error());
  return row->value_or(core::OutboxStats{});
}

}  // namespace toq::mysql
