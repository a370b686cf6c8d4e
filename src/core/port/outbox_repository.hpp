#pragma once
// The outbox of outbound webhooks: events are added in the transaction that makes the change they
// announce, and a relay delivers them later, retrying until the receiver acknowledges.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/outbox.hpp"
#include "core/model/time.hpp"

namespace toq::core {

// The undelivered events now (the operators' gauges).
struct OutboxStats {
  std::int64_t pending = 0;                    // events not delivered yet
  std::optional<Timestamp> oldest_pending_at;  // created_at of the oldest of them
  friend bool operator==(const OutboxStats&, const OutboxStats&) = default;
};

// Contract (every adapter, checked by tests/conformance/outbox_repository_conformance.hpp):
// - add() stores a new undelivered event due now, with the traceparent its delivery sends ("" for
//   none, else a version-00 traceparent: INVALID_REQUEST otherwise); CONFLICT when event_id exists
//   already (an event is announced once).
// - due() lists up to `limit` undelivered events with next_attempt_at <= now, oldest first.
// - mark_delivered() sets delivered_at (idempotent: a delivered event stays as it was).
// - reschedule() counts a failed attempt: attempts + 1, next_attempt_at, last_error; a delivered
//   event is left as it was. Both return the event; INVALID_REQUEST when no event has that id.
// - prune_delivered(delivered_before, limit) deletes up to `limit` delivered events whose
//   delivered_at is at or before `delivered_before` (oldest first) and returns how many it
//   deleted; undelivered events are never deleted.
// - pending_stats() counts the undelivered events (due or not) and gives the oldest one's
//   created_at (nullopt when none). A read only.
class OutboxRepository {
 public:
  virtual ~OutboxRepository() = default;
  virtual Result<OutboxEvent> add(std::string event_id, std::string type, std::string payload,
                                  std::string traceparent, Timestamp now) = 0;
  virtual Result<std::vector<OutboxEvent>> due(Timestamp now, int limit) = 0;
  virtual Result<OutboxEvent> mark_delivered(std::int64_t id, Timestamp now) = 0;
  virtual Result<OutboxEvent> reschedule(std::int64_t id, Timestamp next_attempt_at,
                                         std::string last_error, Timestamp now) = 0;
  virtual Result<OutboxStats> pending_stats() = 0;
  virtual Result<std::int64_t> prune_delivered(Timestamp delivered_before, int limit) = 0;
};

}  // namespace toq::core
