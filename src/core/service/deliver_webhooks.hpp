#pragma once
// Use case: deliver the outbox's due webhook events (media.batch.ready / media.batch.failed), one
// round at a time; the composition root runs a round every period in the background of `serve`.
//
// Contract of run_once():
// 1. Reads up to options.batch events that are undelivered and due now, oldest first.
// 2. Sends each through the WebhookSender port, one attempt, signed for that attempt's time, with
//    the event's traceparent (when it has one) as a traceparent header.
// 3. kDelivered: the event is marked delivered and never sent again.
// 4. kEndpointGone (410): the event is parked for a day (kept, not deleted: an operator can replay
//    it after fixing webhooks.url) and an error is logged.
// 5. Anything else (a failed answer, a network failure, an Error from the port): the event is
//    rescheduled after webhook_backoff.hpp's delay for its attempt count, and never earlier than
//    the receiver's Retry-After; the error is kept on the row and logged.
// Events live in the database until delivered, so nothing is lost across restarts. Returns how
// many events were delivered; a failure to read or update the outbox is logged and skipped.

#include <cstdint>
#include <functional>
#include <string_view>

#include "core/model/outbox.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/webhook_sender.hpp"

namespace toq::core {

struct DeliverWebhooksOptions {
  int batch = 20;  // events per round
  // The jitter of the backoff; unset: a random generator of this thread.
  std::function<std::uint64_t()> random_bits{};
  // What happened to an event: "webhook delivered" / "webhook delivery failed", and the detail.
  std::function<void(std::string_view what, const OutboxEvent&, std::string_view detail)> log{};
};

class DeliverWebhooks {
 public:
  DeliverWebhooks(Database& db, WebhookSender& sender, const Clock& clock,
                  DeliverWebhooksOptions options = {});

  int run_once();

 private:
  // Records the attempt's result on the event; true when it was delivered.
  bool settle(const OutboxEvent& event, const Result<DeliveryResult>& result, Timestamp now);
  void log(std::string_view what, const OutboxEvent& event, std::string_view detail) const;

  Database& db_;
  WebhookSender& sender_;
  const Clock& clock_;
  DeliverWebhooksOptions options_;
};

}  // namespace toq::core
