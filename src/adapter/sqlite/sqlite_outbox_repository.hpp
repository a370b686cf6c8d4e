#pragma once

#include "core/port/outbox_repository.hpp"

#include "adapter/sqlite/connection.hpp"

namespace toq::sqlite {

// OutboxRepository on one SQLite connection (inside the unit of work's transaction).
class SqliteOutboxRepository final : public core::OutboxRepository {
 public:
  explicit SqliteOutboxRepository(Connection& conn) : conn_(conn) {}
  Result<core::OutboxEvent> add(std::string event_id, std::string type, std::string payload,
                                std::string traceparent, core::Timestamp now) override;
  Result<std::vector<core::OutboxEvent>> due(core::Timestamp now, int limit) override;
  Result<core::OutboxEvent> mark_delivered(std::int64_t id, core::Timestamp now) override;
  Result<core::OutboxEvent> reschedule(std::int64_t id, core::Timestamp next_attempt_at,
                                       std::string last_error, core::Timestamp now) override;
  Result<core::OutboxStats> pending_stats() override;
  Result<std::int64_t> prune_delivered(core::Timestamp delivered_before, int limit) override;

 private:
  Result<core::OutboxEvent> require(std::int64_t id);
  Connection& conn_;
};

}  // namespace toq::sqlite
