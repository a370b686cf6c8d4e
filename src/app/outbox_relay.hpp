#pragma once
// Delivers the outbox's webhook events (media.batch.ready / media.batch.failed) in the background
// of `serve`: every period, the due events are POSTed signed (adapter/webhook) and marked
// delivered on a 2xx, or rescheduled with backoff (webhook/backoff.hpp; a Retry-After is a minimum)
// until acknowledged. A 410 Gone parks the event for a day and logs an error. Nothing is lost
// across restarts: the events live in the database until delivered.

#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <thread>

#include "core/model/time.hpp"
#include "core/port/database.hpp"

#include "adapter/webhook/webhook_sender.hpp"

namespace toq::app {

struct RelayOptions {
  std::chrono::milliseconds period{1000};
  int batch = 20;  // events per round
  std::function<void(std::string_view what, const core::OutboxEvent&, std::string_view detail)> log;
};

class OutboxRelay {
 public:
  OutboxRelay(core::Database& db, webhook::WebhookSender& sender, const core::Clock& clock,
              RelayOptions options);
  ~OutboxRelay();  // stop()

  void start();
  void stop();
  // One round: delivers what is due now; the number delivered (errors are logged).
  int run_once();

 private:
  core::Database& db_;
  webhook::WebhookSender& sender_;
  const core::Clock& clock_;
  RelayOptions options_;
  std::jthread thread_;
};

}  // namespace toq::app
