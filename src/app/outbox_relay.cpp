#include "app/outbox_relay.hpp"

#include <condition_variable>
#include <mutex>
#include <random>

#include <fmt/format.h>

#include "adapter/webhook/backoff.hpp"

namespace toq::app {

OutboxRelay::OutboxRelay(core::Database& db, webhook::WebhookSender& sender,
                         const core::Clock& clock, RelayOptions options)
    : db_(db), sender_(sender), clock_(clock), options_(std::move(options)) {}

OutboxRelay::~OutboxRelay() {
  stop();
}

void OutboxRelay::start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    std::mutex m;
    std::condition_variable_any cv;
    while (!stop.stop_requested()) {
      run_once();
      std::unique_lock lock(m);
      cv.wait_for(lock, stop, options_.period, [] { return false; });
    }
  });
}

void OutboxRelay::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

int OutboxRelay::run_once() {
  auto log = [&](std::string_view what, const core::OutboxEvent& e, std::string_view detail) {
    if (options_.log) {
      options_.log(what, e, detail);
    }
  };
  auto due = db_.transact(
      [&](core::UnitOfWork& uow) { return uow.outbox().due(clock_.now(), options_.batch); });
  if (!due) {
    return 0;
  }
  static thread_local std::mt19937_64 random{std::random_device{}()};
  int delivered = 0;
  for (const auto& event : *due) {
    const auto now = clock_.now();
    auto result = sender_.deliver(webhook::WebhookEvent{.id = event.event_id,
                                                        .type = event.type,
                                                        .body_json = event.payload,
                                                        .occurred_at = event.created_at},
                                  now);
    if (result && result->delivered()) {
      (void)db_.transact(
          [&](core::UnitOfWork& uow) { return uow.outbox().mark_delivered(event.id, now); });
      log("webhook delivered", event, fmt::format("status {}", result->status));
      ++delivered;
      continue;
    }
    std::chrono::seconds delay;
    std::string error;
    if (!result) {
      error = result.error().message;
      delay = webhook::next_retry_delay(event.attempts + 1, random(), std::nullopt);
    } else if (result->outcome == webhook::DeliveryOutcome::kEndpointGone) {
      error = fmt::format("410 Gone: the receiver wants no more webhooks ({})", result->detail);
      delay = std::chrono::hours(24);  // parked: kept for an operator to replay
    } else {
      error = fmt::format("status {}: {}", result->status, result->detail);
      delay = webhook::next_retry_delay(event.attempts + 1, random(), result->retry_after);
    }
    (void)db_.transact([&](core::UnitOfWork& uow) {
      return uow.outbox().reschedule(event.id, now + delay, error, now);
    });
    log("webhook delivery failed", event, error);
  }
  return delivered;
}

}  // namespace toq::app
