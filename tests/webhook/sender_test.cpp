// HttpWebhookSender over real HTTP against webhook_receiver.py, a Python receiver that checks every
// signature itself (hmac/hashlib, not our code) and records every request it gets: what this
// adapter adds to the port's contract (its headers, its details, its configuration). The contract
// itself is tests/conformance/webhook_sender_conformance.hpp's, which this adapter passes
// (webhook_sender_conformance_test.cpp).

#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/model/error.hpp"
#include "core/model/time.hpp"
#include "core/service/batch_event.hpp"

#include "adapter/webhook/webhook_secret.hpp"
#include "adapter/webhook/webhook_sender.hpp"
#include "receiver_process.hpp"
#include "support/base64.hpp"
#include "support/temp_dir.hpp"

namespace toq::webhook {
namespace {

using core::ErrorCode;
using std::chrono::seconds;

constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

core::Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

WebhookEvent ready_event() {
  const auto occurred = now();
  return {"msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", "media.batch.ready",
          core::batch_event_payload("media.batch.ready", core::ListingId{901}, core::BatchId{42},
                                    core::JobId{7}, occurred, "PENDING_OWNER_APPROVAL"),
          occurred};
}

class WebhookSenderTest : public ::testing::Test {
 protected:
  HttpWebhookSender sender(const std::string& path, std::chrono::milliseconds total = seconds{15},
                           std::string_view secret = kSecret) {
    return sender_for(receiver_.url(path), total, secret);
  }
  static HttpWebhookSender sender_for(const std::string& url,
                                      std::chrono::milliseconds total = seconds{15},
                                      std::string_view secret = kSecret) {
    auto parsed = WebhookSecret::parse(secret);
    EXPECT_TRUE(parsed.has_value());
    WebhookSenderOptions options;
    options.url = url;
    options.total_timeout = total;
    auto created = HttpWebhookSender::create(options, *parsed);
    EXPECT_TRUE(created.has_value()) << (created ? "" : created.error().message);
    return std::move(*created);
  }
  DeliveryResult deliver(HttpWebhookSender& s, const WebhookEvent& event = ready_event()) {
    auto result = s.deliver(event, now());
    EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message);
    return result.value_or(DeliveryResult{});
  }

  toq::testing::TempDir dir_;
  testing::ReceiverProcess receiver_{std::string{kSecret}, dir_ / "requests.jsonl"};
};

TEST_F(WebhookSenderTest, TwoHundredIsDeliveredAndTheReceiverVerifiesTheSignature) {
  auto s = sender("/status/200");
  const auto event = ready_event();
  const auto result = deliver(s, event);
  EXPECT_TRUE(result.delivered());
  EXPECT_EQ(result.status, 200);
  EXPECT_FALSE(result.retryable);
  EXPECT_FALSE(result.retry_after.has_value());

  const auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 1U);
  const auto& r = requests[0];
  EXPECT_TRUE(r["verified"].get<bool>()) << r["reason"];
  EXPECT_EQ(r["method"], "POST");
  EXPECT_EQ(r["path"], "/status/200");
  EXPECT_EQ(r["content_type"], "application/json");
  EXPECT_EQ(r["id"], event.id);
  EXPECT_TRUE(r["transfer_encoding"].is_null());  // Content-Length, not chunked
  EXPECT_EQ(r["user_agent"], "toq-media-webhooks");
  // The body arrives byte for byte and is the contract's event.
  auto body = support::base64_decode(r["body_b64"].get<std::string>());
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(std::string(body->begin(), body->end()), event.body_json);
  const auto json = nlohmann::json::parse(event.body_json);
  EXPECT_EQ(json["type"], "media.batch.ready");
  EXPECT_EQ(json["batchId"], 42);
}

TEST_F(WebhookSenderTest, ALargeBodyAndALargeAnswerAreFine) {
  // Over curl's 1 KiB "Expect: 100-continue" threshold, and a 1 MiB 2xx answer (discarded).
  auto s = sender("/big");
  auto event = ready_event();
  event.body_json =
      R"({"type":"media.batch.failed","note":")" + std::string(64 * 1024, 'a') + "\"}";
  const auto result = deliver(s, event);
  EXPECT_TRUE(result.delivered()) << result.detail;
  const auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_TRUE(requests[0]["verified"].get<bool>()) << requests[0]["reason"];
}

TEST_F(WebhookSenderTest, ServerErrorIsRetryable) {
  auto s = sender("/status/500");
  const auto result = deliver(s);
  EXPECT_EQ(result.outcome, DeliveryOutcome::kFailed);
  EXPECT_EQ(result.status, 500);
  EXPECT_TRUE(result.retryable);
  EXPECT_NE(result.detail.find("status 500"), std::string::npos) << result.detail;  // the body
  EXPECT_EQ(receiver_.requests().size(), 1U);  // one attempt: the outbox does the retrying
}

TEST_F(WebhookSenderTest, RetryAfterDateIsReturnedRelativeToNow) {
  // 2030-01-01T00:00:00Z, and "now" pinned ten minutes before it.
  auto s = sender("/status/429?retry_after=Tue,%2001%20Jan%202030%2000:00:00%20GMT");
  const core::Timestamp pinned = *core::parse_rfc3339("2029-12-31T23:50:00Z");
  // The receiver checks the timestamp against its own clock, so this request fails its check;
  // what matters here is how we read the answer.
  auto result = s.deliver(ready_event(), pinned);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, 429);
  EXPECT_TRUE(result->retryable);
  ASSERT_TRUE(result->retry_after.has_value());
  EXPECT_EQ(*result->retry_after, std::chrono::minutes{10});
  EXPECT_EQ(receiver_.requests().at(0)["reason"], "timestamp");
}

TEST_F(WebhookSenderTest, AHangingReceiverTimesOutAndIsRetryable) {
  auto s = sender("/hang", std::chrono::milliseconds{1500});
  const auto result = deliver(s);
  EXPECT_EQ(result.outcome, DeliveryOutcome::kFailed);
  EXPECT_EQ(result.status, 0);
  EXPECT_TRUE(result.retryable);
  EXPECT_NE(result.detail.find("Timeout"), std::string::npos) << result.detail;
  // The request did arrive, complete and signed; only the answer never came.
  const auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_TRUE(requests[0]["verified"].get<bool>());
}

TEST_F(WebhookSenderTest, WrongSecretIsRefusedByTheReceiver) {
  auto s = sender("/status/200", seconds{15}, "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX");
  deliver(s);
  const auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_FALSE(requests[0]["verified"].get<bool>());
  EXPECT_EQ(requests[0]["reason"], "signature");
}

TEST(WebhookSenderCreate, RejectsUrlsThatAreNotHttp) {
  auto secret = WebhookSecret::parse(kSecret);
  ASSERT_TRUE(secret.has_value());
  for (const std::string url :
       {"", "ftp://example.com/hook", "example.com/hook", "http://", "https://",
        "http://exa mple.com/", "file:///etc/passwd", "http://example.com/\r\n"}) {
    WebhookSenderOptions options;
    options.url = url;
    auto created = HttpWebhookSender::create(options, *secret);
    ASSERT_FALSE(created.has_value()) << url;
    EXPECT_EQ(created.error().code, ErrorCode::kConfigInvalid);
  }
  WebhookSenderOptions options;
  options.url = "HTTPS://platform.example/webhooks/toq-media";
  EXPECT_TRUE(HttpWebhookSender::create(options, *secret).has_value());
  options.total_timeout = std::chrono::milliseconds{0};
  EXPECT_FALSE(HttpWebhookSender::create(options, *secret).has_value());
}

}  // namespace
}  // namespace toq::webhook
