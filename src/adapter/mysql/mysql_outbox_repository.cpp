#include "adapter/mysql/mysql_outbox_repository.hpp"

#include <fmt/format.h>

#include "adapter/mysql/sql_util.hpp"

namespace toq::mysql {

using core::ErrorCode;
using core::OutboxEvent;

Result<OutboxEvent> MysqlOutboxRepository::require(std::int64_t id) {
  auto stmt = conn_.prepare(fmt::format("SELECT {} FROM outbox WHERE id = ?", sql::kOutboxColumns));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(id);
  auto found = query_one<OutboxEvent>(*stmt, sql::map_event<Rows>);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::unexpected(sql::outbox_event_not_found(id));
  return **found;
}

Result<OutboxEvent> MysqlOutboxRepository::add(std::string event_id, std::string type,
                                               std::string payload, std::string traceparent,
                                               core::Timestamp now) {
  if (auto valid = sql::check_traceparent(traceparent); !valid) {
    return std::unexpected(valid.error());
  }
  auto stmt = conn_.prepare(
      "INSERT INTO outbox (event_id, type, payload, created_at, next_attempt_at, last_error, "
      "traceparent) VALUES (?, ?, ?, ?, ?, '', ?)");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(event_id, type, payload, to_ms(now), to_ms(now), traceparent);
  if (auto r = stmt->run(); !r) {
    if (conn_.last_error_kind() == ErrorKind::kDuplicateKey) {
      return core::fail(ErrorCode::kConflict,
                        fmt::format("outbox event '{}' exists already", event_id));
    }
    return std::unexpected(r.error());
  }
  return require(stmt->insert_id());
}

Result<std::vector<OutboxEvent>> MysqlOutboxRepository::due(core::Timestamp now, int limit) {
  auto stmt = conn_.prepare(
      fmt::format("SELECT {} FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= ? "
                  "ORDER BY next_attempt_at, id LIMIT ?",
                  sql::kOutboxColumns));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(now), std::int64_t{limit});
  return query_all<OutboxEvent>(*stmt, sql::map_event<Rows>);
}

Result<OutboxEvent> MysqlOutboxRepository::mark_delivered(std::int64_t id, core::Timestamp now) {
  auto stmt =
      conn_.prepare("UPDATE outbox SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(now), id);
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  return require(id);
}

Result<OutboxEvent> MysqlOutboxRepository::reschedule(std::int64_t id,
                                                      core::Timestamp next_attempt_at,
                                                      std::string last_error,
                                                      core::Timestamp /*now*/) {
  auto stmt = conn_.prepare(
      "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
      "WHERE id = ? AND delivered_at IS NULL");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(next_attempt_at), last_error, id);
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  return require(id);
}

Result<core::OutboxStats> MysqlOutboxRepository::pending_stats() {
  auto stmt = conn_.prepare(sql::kOutboxStatsQuery);
  if (!stmt) return std::unexpected(stmt.error());
  auto row = query_one<core::OutboxStats>(*stmt, sql::map_outbox_stats<Rows>);
  if (!row) return std::unexpected(row.error());
  return row->value_or(core::OutboxStats{});
}

Result<std::int64_t> MysqlOutboxRepository::prune_delivered(core::Timestamp delivered_before,
                                                            int limit) {
  auto stmt = conn_.prepare(
      "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at <= ? "
      "ORDER BY delivered_at, id LIMIT ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(delivered_before), std::int64_t{limit});
  auto deleted = stmt->run();
  if (!deleted) return std::unexpected(deleted.error());
  return static_cast<std::int64_t>(*deleted);
}

}  // namespace toq::mysql
