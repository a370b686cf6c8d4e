#include "adapter/sqlite/sqlite_outbox_repository.hpp"

#include <fmt/format.h>

#include "adapter/sqlite/sql_util.hpp"

namespace toq::sqlite {

using core::ErrorCode;
using core::OutboxEvent;

Result<OutboxEvent> SqliteOutboxRepository::require(std::int64_t id) {
  auto stmt =
      conn_.prepare(fmt::format("SELECT {} FROM outbox WHERE id = ?1", sql::kOutboxColumns));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id);
  auto found = query_one<OutboxEvent>(*stmt, sql::map_event<Statement>);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::unexpected(sql::outbox_event_not_found(id));
  return **found;
}

Result<OutboxEvent> SqliteOutboxRepository::add(std::string event_id, std::string type,
                                                std::string payload, std::string traceparent,
                                                core::Timestamp now) {
  if (auto valid = sql::check_traceparent(traceparent); !valid) {
    return std::unexpected(valid.error());
  }
  auto stmt = conn_.prepare(
      "INSERT INTO outbox (event_id, type, payload, created_at, next_attempt_at, traceparent) "
      "VALUES (?1, ?2, ?3, ?4, ?4, ?5)");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(event_id, type, payload, to_ms(now), traceparent);
  if (auto r = stmt->run(); !r) {
    if (is_unique_violation(conn_)) {
      return core::fail(ErrorCode::kConflict,
                        fmt::format("outbox event '{}' exists already", event_id));
    }
    return std::unexpected(r.error());
  }
  return require(conn_.last_insert_rowid());
}

Result<std::vector<OutboxEvent>> SqliteOutboxRepository::due(core::Timestamp now, int limit) {
  auto stmt = conn_.prepare(
      fmt::format("SELECT {} FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= ?1 "
                  "ORDER BY next_attempt_at, id LIMIT ?2",
                  sql::kOutboxColumns));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(now), std::int64_t{limit});
  return query_all<OutboxEvent>(*stmt, sql::map_event<Statement>);
}

Result<OutboxEvent> SqliteOutboxRepository::mark_delivered(std::int64_t id, core::Timestamp now) {
  auto stmt =
      conn_.prepare("UPDATE outbox SET delivered_at = ?2 WHERE id = ?1 AND delivered_at IS NULL");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id, to_ms(now));
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  return require(id);
}

Result<OutboxEvent> SqliteOutboxRepository::reschedule(std::int64_t id,
                                                       core::Timestamp next_attempt_at,
                                                       std::string last_error,
                                                       core::Timestamp /*now*/) {
  auto stmt = conn_.prepare(
      "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 "
      "WHERE id = ?1 AND delivered_at IS NULL");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id, to_ms(next_attempt_at), last_error);
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  return require(id);
}

Result<core::OutboxStats> SqliteOutboxRepository::pending_stats() {
  auto stmt = conn_.prepare(sql::kOutboxStatsQuery);
  if (!stmt) return std::unexpected(stmt.error());
  auto row = query_one<core::OutboxStats>(*stmt, sql::map_outbox_stats<Statement>);
  if (!row) return std::unexpected(row.error());
  return row->value_or(core::OutboxStats{});
}

Result<std::int64_t> SqliteOutboxRepository::prune_delivered(core::Timestamp delivered_before,
                                                             int limit) {
  // SQLite's DELETE has no LIMIT unless compiled with it: the ids come from a subquery.
  auto stmt = conn_.prepare(
      "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NOT NULL AND "
      "delivered_at <= ?1 ORDER BY delivered_at, id LIMIT ?2)");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(delivered_before), std::int64_t{limit});
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  return std::int64_t{conn_.changes()};
}

}  // namespace toq::sqlite
