#pragma once
// The WebhookSender port (core/port/webhook_sender.hpp) over HTTP: one outbound webhook
// (api-contract.md, "Webhooks out") as one signed POST, no retries here. The use case owns the
// retries (core/service/deliver_webhooks.hpp): it calls deliver() per attempt and schedules the
// next one.
//
// The request: POST <url>, Content-Type: application/json, webhook-id / webhook-timestamp /
// webhook-signature (webhook_signer.hpp; the timestamp is the attempt's `now`), the body exactly as
// given. Redirects are never followed. Timeouts: connect (default 5 s) and the whole exchange
// (default 15 s, the spec recommends 15-30 s).
//
// How a response is judged (Standard Webhooks, "Delivery success and failure"; the contract says
// "retried until acknowledged (2xx)"):
// - 2xx: kDelivered.
// - 410 Gone: kEndpointGone, not retryable. The spec says the receiver wants no more webhooks and
//   the sender should disable the endpoint; the relay must keep the row (parked, not deleted, so an
//   operator can replay it after fixing the URL) and log an error, not retry it forever.
// - anything else: kFailed, retryable: every other 4xx (400, 401, 404 ...: a receiver being
//   deployed or misconfigured recovers, and the spec retries them), 408, 429, 5xx, 3xx (the
//   Location goes to `detail`: fix webhooks.url), a network error, a TLS error or a timeout
//   (status 0).
// Retry-After (delay-seconds or an HTTP date), on any non-2xx response, is returned in
// retry_after, capped at the port's kMaxRetryAfter; the relay uses it as a minimum delay.
//
// Thread-safe: deliver() may run on several threads at once (the HTTP client pools its
// connections).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/time.hpp"
#include "core/port/webhook_sender.hpp"

#include "adapter/webhook/webhook_secret.hpp"

namespace toq::support {
class HttpClient;
}

namespace toq::webhook {

struct WebhookSenderOptions {
  std::string url;  // http:// or https:// (https in production: the body is signed, not encrypted)
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{15000};  // the whole exchange, connect included
  std::string user_agent = "toq-media-webhooks";
  bool verify_tls = true;
  std::string ca_file;  // empty: the system store
};

// The port's types, as this adapter's callers spell them.
using core::DeliveryOutcome;
using core::DeliveryResult;
using core::WebhookEvent;

class HttpWebhookSender final : public core::WebhookSender {
 public:
  // CONFIG_INVALID when the url is not an http(s) URL or a timeout is not positive.
  static core::Result<HttpWebhookSender> create(WebhookSenderOptions options, WebhookSecret secret);
  ~HttpWebhookSender() override;
  HttpWebhookSender(HttpWebhookSender&&) noexcept;
  HttpWebhookSender& operator=(HttpWebhookSender&&) noexcept;

  // One attempt at `now`. Every answer of the receiver and every network failure is a
  // DeliveryResult; an error is returned only for what retrying cannot fix on its own:
  // INVALID_REQUEST for an event id that is empty, longer than 256 or not [A-Za-z0-9_-]
  // (it is a header value and part of the signed content), CONFIG_INVALID for a URL curl cannot
  // use, INTERNAL when OpenSSL or curl cannot be set up.
  core::Result<DeliveryResult> deliver(const WebhookEvent& event, core::Timestamp now) override;

  const WebhookSenderOptions& options() const { return options_; }

 private:
  HttpWebhookSender(WebhookSenderOptions options, WebhookSecret secret,
                    std::unique_ptr<support::HttpClient> http);

  WebhookSenderOptions options_;
  WebhookSecret secret_;
  std::unique_ptr<support::HttpClient> http_;
};

}  // namespace toq::webhook
