#pragma once
// The outbound-webhook port: one delivery attempt of one outbox event to the receiver the
// platform configured (adapter/webhook implements it: Standard Webhooks signatures over HTTP).
// What the answer means for the event (done, tried again later, parked) is the use case's:
// core/service/deliver_webhooks.hpp.
//
// Contract of deliver(event, now), which tests/conformance/webhook_sender_conformance.hpp checks
// on every adapter:
// - What the receiver gets: one POST to the configured URL, Content-Type: application/json, the
//   body exactly event.body_json (byte for byte, nothing re-serialised), the Standard Webhooks
//   headers webhook-id (event.id), webhook-timestamp (`now` in whole Unix seconds, rounded down)
//   and webhook-signature ("v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" with the configured
//   secret), and every event.extra_headers pair as given (outside the signature).
// - One attempt: no retries and no redirects followed (the use case owns retries; a 3xx is a
//   failed answer, its Location in `detail`). Every attempt is signed anew for its own `now`.
// - The receiver's answer is classified as the Standard Webhooks spec says: 2xx kDelivered, 410
//   Gone kEndpointGone (the receiver wants no more), anything else kFailed (every other 3xx, 4xx
//   and 5xx), and so is a network failure or timeout (status 0, the cause in `detail`).
//   `retryable` is true exactly when the outcome is kFailed.
// - retry_after: on a non-2xx answer with a Retry-After header (delay-seconds, or an HTTP date
//   taken relative to `now`), that delay clamped to [0, kMaxRetryAfter]; otherwise unset.
// - An Error only for what retrying cannot fix on its own, and then nothing is sent:
//   INVALID_REQUEST for an event id that is empty, longer than 256 characters or not
//   [A-Za-z0-9_-] (it is a header value and part of the signed content), CONFIG_INVALID for a URL
//   the sender cannot use, INTERNAL when a library cannot start.
// - Thread-safe: deliver() may run on several threads at once.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/time.hpp"

namespace toq::core {

// A receiver may slow the sender down, not park an event for weeks: a longer Retry-After is cut
// to this.
inline constexpr std::chrono::seconds kMaxRetryAfter = std::chrono::hours(24);

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
  std::optional<std::chrono::seconds> retry_after;  // the receiver's Retry-After, clamped
  std::string detail;  // for logs: the network error, the redirect target, the body's start

  bool delivered() const { return outcome == DeliveryOutcome::kDelivered; }
};

class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  virtual Result<DeliveryResult> deliver(const WebhookEvent& event, Timestamp now) = 0;
};

}  // namespace toq::core
