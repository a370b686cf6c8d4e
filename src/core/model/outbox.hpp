#pragma once
// OutboxEvent: one outbound webhook (media.batch.ready / media.batch.failed), written in the same
// transaction as the state change it announces and delivered later by the relay, so an event is
// never lost and never sent for a change that did not commit.

#include <cstdint>
#include <optional>
#include <string>

#include "core/model/time.hpp"

namespace toq::core {

struct OutboxEvent {
  std::int64_t id = 0;
  std::string event_id;  // the webhook-id: stable for the event, unique ("msg_job77_ready")
  std::string type;      // "media.batch.ready" | "media.batch.failed"
  std::string payload;   // the JSON body, exactly as it will be sent
  Timestamp created_at{};
  Timestamp next_attempt_at{};
  std::int32_t attempts = 0;  // deliveries tried so far
  std::optional<Timestamp> delivered_at;
  std::string last_error;
  std::string traceparent{};  // sent as the webhook's traceparent header ("" when none)
  friend bool operator==(const OutboxEvent&, const OutboxEvent&) = default;
};

}  // namespace toq::core
