#include "core/service/deliver_webhooks.hpp"

#include <random>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/service/webhook_backoff.hpp"

namespace toq::core {

namespace {

// How long a 410 Gone parks an event.
constexpr std::chrono::hours kParkedFor{24};

}  // namespace

DeliverWebhooks::DeliverWebhooks(Database& db, WebhookSender& sender, const Clock& clock,
                                 DeliverWebhooksOptions options)
    : db_(db), sender_(sender), clock_(clock), options_(std::move(options)) {
  if (!options_.random_bits) {
    options_.random_bits = [] {
      static thread_local std::mt19937_64 random{std::random_device{}()};
      return random();
    };
  }
}

void DeliverWebhooks::log(std::string_view what, const OutboxEvent& event,
                          std::string_view detail) const {
  if (options_.log) options_.log(what, event, detail);
}

int DeliverWebhooks::run_once() {
  auto due =
      db_.transact([&](UnitOfWork& uow) { return uow.outbox().due(clock_.now(), options_.batch); });
  if (!due) return 0;
  int delivered = 0;
  for (const auto& event : *due) {
    const auto now = clock_.now();
    WebhookEvent out{.id = event.event_id,
                     .type = event.type,
                     .body_json = event.payload,
                     .occurred_at = event.created_at};
    if (!event.traceparent.empty())
      out.extra_headers.emplace_back("traceparent", event.traceparent);
    const auto result = sender_.deliver(out, now);
    if (settle(event, result, now)) ++delivered;
  }
  return delivered;
}

bool DeliverWebhooks::settle(const OutboxEvent& event, const Result<DeliveryResult>& result,
                             Timestamp now) {
  if (result && result->delivered()) {
    (void)db_.transact([&](UnitOfWork& uow) { return uow.outbox().mark_delivered(event.id, now); });
    log("webhook delivered", event, fmt::format("status {}", result->status));
    return true;
  }
  std::chrono::seconds delay;
  std::string error;
  if (!result) {
    error = result.error().message;
    delay = next_retry_delay(event.attempts + 1, options_.random_bits(), std::nullopt);
  } else if (result->outcome == DeliveryOutcome::kEndpointGone) {
    error = fmt::format("410 Gone: the receiver wants no more webhooks ({})", result->detail);
    delay = kParkedFor;  // parked: kept for an operator to replay
  } else {
    error = fmt::format("status {}: {}", result->status, result->detail);
    delay = next_retry_delay(event.attempts + 1, options_.random_bits(), result->retry_after);
  }
  (void)db_.transact(
      [&](UnitOfWork& uow) { return uow.outbox().reschedule(event.id, now + delay, error, now); });
  log("webhook delivery failed", event, error);
  return false;
}

}  // namespace toq::core
