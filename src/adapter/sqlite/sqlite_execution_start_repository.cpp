#include "adapter/sqlite/sqlite_execution_start_repository.hpp"

#include <fmt/format.h>

#include "adapter/sqlite/sql_util.hpp"

namespace toq::sqlite {

using core::ExecutionStart;

Result<ExecutionStart> SqliteExecutionStartRepository::require(std::int64_t id) {
  auto stmt = conn_.prepare(
      fmt::format("SELECT {} FROM execution_starts WHERE id = ?1", sql::kExecutionStartColumns));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id);
  auto found = query_one<ExecutionStart>(*stmt, sql::map_execution_start<Statement>);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::unexpected(sql::execution_start_not_found(id));
  return **found;
}

Result<ExecutionStart> SqliteExecutionStartRepository::add(core::JobId job, std::string name,
                                                           std::string input, core::Timestamp now) {
  auto stmt = conn_.prepare(
      "INSERT INTO execution_starts (job_id, name, input, created_at, next_attempt_at) "
      "VALUES (?1, ?2, ?3, ?4, ?4)");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(job.value, name, input, to_ms(now));
  if (auto r = stmt->run(); !r) {
    if (is_foreign_key_violation(conn_)) return std::unexpected(sql::job_not_found(job));
    if (is_unique_violation(conn_)) return std::unexpected(sql::execution_start_exists(job, name));
    return std::unexpected(r.error());
  }
  return require(conn_.last_insert_rowid());
}

Result<std::vector<ExecutionStart>> SqliteExecutionStartRepository::claim_due(
    std::string_view owner, core::Timestamp claim_until, core::Timestamp now, int limit) {
  auto pick = conn_.prepare(
      "SELECT id FROM execution_starts WHERE started_at IS NULL AND next_attempt_at <= ?1 "
      "AND (claimed_by IS NULL OR claim_expires_at < ?1) ORDER BY id LIMIT ?2");
  if (!pick) return std::unexpected(pick.error());
  pick->bind_all(to_ms(now), std::int64_t{limit});
  auto ids = query_all<std::int64_t>(*pick, [](Statement& s) { return s.int64(0); });
  if (!ids) return std::unexpected(ids.error());
  std::vector<ExecutionStart> out;
  for (const auto id : *ids) {
    auto claim = conn_.prepare(
        "UPDATE execution_starts SET claimed_by = ?2, claim_expires_at = ?3 WHERE id = ?1");
    if (!claim) return std::unexpected(claim.error());
    claim->bind_all(id, std::string(owner), to_ms(claim_until));
    if (auto r = claim->run(); !r) return std::unexpected(r.error());
    auto row = require(id);
    if (!row) return std::unexpected(row.error());
    out.push_back(std::move(*row));
  }
  return out;
}

Result<ExecutionStart> SqliteExecutionStartRepository::mark_started(std::int64_t id,
                                                                    std::string execution_arn,
                                                                    core::Timestamp now) {
  auto stmt = conn_.prepare(
      "UPDATE execution_starts SET started_at = ?2, execution_arn = ?3, claimed_by = NULL, "
      "claim_expires_at = NULL WHERE id = ?1 AND started_at IS NULL");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id, to_ms(now), execution_arn);
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  return require(id);
}

Result<ExecutionStart> SqliteExecutionStartRepository::reschedule(std::int64_t id,
                                                                  std::string_view owner,
                                                                  core::Timestamp next_attempt_at,
                                                                  std::string last_error,
                                                                  core::Timestamp /*now*/) {
  auto stmt = conn_.prepare(
      "UPDATE execution_starts SET attempts = attempts + 1, next_attempt_at = ?3, "
      "last_error = ?4, claimed_by = NULL, claim_expires_at = NULL "
      "WHERE id = ?1 AND started_at IS NULL AND claimed_by = ?2");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id, std::string(owner), to_ms(next_attempt_at), last_error);
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  const int changed = conn_.changes();
  auto current = require(id);
  if (!current) return current;
  if (changed == 0) return std::unexpected(sql::execution_start_not_held(*current, owner));
  return current;
}

Result<std::optional<ExecutionStart>> SqliteExecutionStartRepository::find_by_job(core::JobId job) {
  auto stmt = conn_.prepare(fmt::format("SELECT {} FROM execution_starts WHERE job_id = ?1",
                                        sql::kExecutionStartColumns));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(job.value);
  return query_one<ExecutionStart>(*stmt, sql::map_execution_start<Statement>);
}

Result<core::OutboxStats> SqliteExecutionStartRepository::pending_stats() {
  auto stmt = conn_.prepare(sql::kExecutionStartStatsQuery);
  if (!stmt) return std::unexpected(stmt.error());
  auto row = query_one<core::OutboxStats>(*stmt, sql::map_outbox_stats<Statement>);
  if (!row) return std::unexpected(row.error());
  return row->value_or(core::OutboxStats{});
}

}  // namespace toq::sqlite
