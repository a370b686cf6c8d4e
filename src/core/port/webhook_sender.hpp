#pragma once
// The outbound-webhook port: one delivery attempt of one outbox event to the receiver the
// platform configured (adapter/webhook implements it: Standard Webhooks signatures over HTTP).
// What the answer means for the event (done, tried again later, parked) is the use case's:
// core/service/deliver_webhooks.hpp.
//
// Contract of deliver():
// - One attempt, signed for `now`; no retries (the use case owns them).
// - The receiver's answer is classified as the Standard Webhooks spec says: 2xx kDelivered, 410
//   Gone kEndpointGone (the receiver wants no more), anything else kFailed (retryable), a network
//   failure or timeout too (status 0). A Retry-After of the answer comes back capped.
// - An Error only for what retrying cannot fix on its own: INVALID_REQUEST for an event id that
//   cannot be sent, CONFIG_INVALID for a URL the sender cannot use, INTERNAL when a library cannot
//   start.
// - Thread-safe.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/time.hpp"

namespace toq::core {

// One event as the outbox holds it.
struct WebhookEvent {
  std::string id;         // "msg_...", stable per event (the outbox row's event_id)
  std::string type;       // "media.batch.ready" ...; for logs (the body carries it too)
  std::string body_json;  // sent and signed byte for byte
  Timestamp occurred_at{};
  // Sent besides the signed ones (traceparent; the AWS pipeline's report adds X-Amzn-Trace-Id).
  std::vector<std::pair<std::string, std::string>> extra_headers{};
};

enum class DeliveryOutcome : std::uint8_t { kDelivered, kFailed, kEndpointGone };

struct DeliveryResult {
  DeliveryOutcome outcome = DeliveryOutcome::kFailed;
  int status = 0;          // the HTTP status; 0 when no response came (network error, timeout)
  bool retryable = false;  // true exactly when outcome is kFailed
  std::optional<std::chrono::seconds> retry_after;  // the receiver's Retry-After, capped
  std::string detail;  // for logs: the network error, the redirect target, the body's start

  bool delivered() const { return outcome == DeliveryOutcome::kDelivered; }
};

class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  virtual Result<DeliveryResult> deliver(const WebhookEvent& event, Timestamp now) = 0;
};

}  // namespace toq::core
