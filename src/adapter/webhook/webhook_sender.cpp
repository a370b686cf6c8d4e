#include "adapter/webhook/webhook_sender.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "adapter/webhook/retry_after.hpp"
#include "adapter/webhook/webhook_signer.hpp"
#include "support/http/curl_http_client.hpp"
#include "support/io/byte_sources.hpp"
#include "support/text.hpp"

namespace toq::webhook {

namespace {

using core::ErrorCode;

constexpr std::size_t kMaxIdLength = 256;
constexpr std::size_t kDetailBodyBytes = 256;

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxIdLength && std::ranges::all_of(id, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// The start of a body, printable ASCII only: a log line must not carry a receiver's binary.
std::string printable_prefix(std::string_view body) {
  std::string out;
  for (const char c : body.substr(0, kDetailBodyBytes)) {
    out.push_back(c >= ' ' && c <= '~' ? c : ' ');
  }
  return out;
}

}  // namespace

HttpWebhookSender::HttpWebhookSender(WebhookSenderOptions options, WebhookSecret secret,
                                     std::unique_ptr<support::HttpClient> http)
    : options_(std::move(options)), secret_(std::move(secret)), http_(std::move(http)) {}

HttpWebhookSender::~HttpWebhookSender() = default;
HttpWebhookSender::HttpWebhookSender(HttpWebhookSender&&) noexcept = default;
HttpWebhookSender& HttpWebhookSender::operator=(HttpWebhookSender&&) noexcept = default;

core::Result<HttpWebhookSender> HttpWebhookSender::create(WebhookSenderOptions options,
                                                          WebhookSecret secret) {
  const std::string_view url = options.url;
  const std::size_t scheme = support::istarts_with(url, "http://")    ? 7
                             : support::istarts_with(url, "https://") ? 8
                                                                      : 0;
  const bool clean = std::ranges::none_of(url, [](char c) { return c <= ' ' || c == 0x7f; });
  if (scheme == 0 || !clean || url.size() == scheme) {
    return core::fail(ErrorCode::kConfigInvalid,
                      fmt::format("webhooks.url \"{}\" is not an http:// or https:// URL", url), {},
                      "Set webhooks.url to the full URL of the receiving endpoint.");
  }
  if (options.connect_timeout.count() <= 0 || options.total_timeout.count() <= 0) {
    return core::fail(ErrorCode::kConfigInvalid, "webhook timeouts must be positive");
  }
  support::HttpClientOptions http;
  http.connect_timeout = options.connect_timeout;
  http.request_timeout = options.total_timeout;
  http.low_speed_bytes = 0;  // the total timeout bounds a stalled exchange already
  http.max_idle_handles = 4;
  http.max_error_body = kDetailBodyBytes;
  http.user_agent = options.user_agent;
  http.verify_tls = options.verify_tls;
  http.ca_file = options.ca_file;
  http.retry.max_attempts = 1;  // the outbox retries, with its own schedule
  http.unreachable_message = "The webhook receiver is not reachable right now.";
  auto client = std::make_unique<support::CurlHttpClient>(std::move(http));
  return HttpWebhookSender{std::move(options), std::move(secret), std::move(client)};
}

core::Result<DeliveryResult> HttpWebhookSender::deliver(const WebhookEvent& event,
                                                        core::Timestamp now) {
  if (!valid_id(event.id)) {
    return core::fail(ErrorCode::kInvalidRequest,
                      fmt::format("webhook event id \"{}\" is empty, too long or not [A-Za-z0-9_-]",
                                  printable_prefix(event.id)));
  }
  auto signed_headers = sign(secret_, event.id, now, event.body_json);
  if (!signed_headers) return std::unexpected(std::move(signed_headers.error()));

  support::MemorySource body{event.body_json};
  support::DiscardSink sink;  // a 2xx body means nothing to us
  support::HttpRequest request;
  request.method = "POST";
  request.url = options_.url;
  request.headers = {
      {"Content-Type", "application/json"},
      {std::string{kIdHeader}, signed_headers->id},
      {std::string{kTimestampHeader}, signed_headers->timestamp},
      {std::string{kSignatureHeader}, signed_headers->signature},
  };
  for (const auto& header : event.extra_headers) request.headers.push_back(header);
  request.body = &body;
  request.content_length = static_cast<std::int64_t>(event.body_json.size());
  request.sink = &sink;

  auto response = http_->send(request);
  DeliveryResult result;
  if (!response) {
    // The HTTP client reports every network failure and timeout as its unreachable_code
    // (STORE_UNAVAILABLE); for us that is simply a failed, retryable attempt.
    if (response.error().code != ErrorCode::kStoreUnavailable) {
      return std::unexpected(std::move(response.error()));
    }
    result.outcome = DeliveryOutcome::kFailed;
    result.retryable = true;
    result.detail = std::move(response.error().message);
    return result;
  }

  result.status = response->status;
  if (result.status >= 200 && result.status <= 299) {
    result.outcome = DeliveryOutcome::kDelivered;
    return result;
  }
  if (auto header = response->header("Retry-After")) {
    result.retry_after = parse_retry_after(*header, now);
  }
  if (result.status == 410) {
    result.outcome = DeliveryOutcome::kEndpointGone;
    result.retryable = false;
    result.detail = "410 Gone: the receiver asked for no more webhooks";
    return result;
  }
  result.outcome = DeliveryOutcome::kFailed;
  result.retryable = true;
  if (result.status >= 300 && result.status <= 399) {
    result.detail =
        fmt::format("{} redirect to \"{}\" not followed (update webhooks.url)", result.status,
                    printable_prefix(response->header("Location").value_or("")));
  } else {
    result.detail = fmt::format("HTTP {}: {}", result.status, printable_prefix(response->body));
  }
  return result;
}

}  // namespace toq::webhook
