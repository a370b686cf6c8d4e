#pragma once
// The WebhookSender conformance suite: every adapter of core::WebhookSender (the HTTP sender of
// adapter/webhook, and any test double a core test uses) must pass it. It checks the contract of
// core/port/webhook_sender.hpp clause by clause, against a receiver the adapter's fixture runs.
// An adapter instantiates it with a Factory type providing:
//   static constexpr const char* kName;
//   std::unique_ptr<WebhookSenderFixture> make(std::string_view secret);
// See webhook_sender_conformance_test.cpp.
//
// The signature is checked here with OpenSSL's HMAC on the received bytes, independently of the
// adapter's signer.

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/model/error.hpp"
#include "core/model/time.hpp"
#include "core/port/webhook_sender.hpp"

#include "support/base64.hpp"
#include "support/result_matchers.hpp"

namespace toq::testing {

// One request as the receiver got it.
struct ReceivedWebhook {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::optional<std::string> header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    if (it == headers.end()) return std::nullopt;
    return it->second;
  }
};

// What Factory::make() returns: senders aimed at a receiver that answers as the URL path says,
//   /status/<code>[?location=URL][&retry_after=VALUE]  that status, with Location / Retry-After
//   /hang                                              reads the request, never answers
// and what that receiver got.
struct WebhookSenderFixture {
  virtual ~WebhookSenderFixture() = default;
  // A sender for `path` on the receiver, signing with the factory's secret, giving up on an
  // attempt after `timeout`.
  virtual std::unique_ptr<core::WebhookSender> sender(const std::string& path,
                                                      std::chrono::milliseconds timeout) = 0;
  // A sender for an address where nothing listens.
  virtual std::unique_ptr<core::WebhookSender> unreachable() = 0;
  // The absolute address of `path` on the receiver (a redirect's target).
  virtual std::string url(const std::string& path) const = 0;
  // Every request the receiver got so far, in arrival order.
  virtual std::vector<ReceivedWebhook> received() const = 0;
};

inline constexpr std::string_view kConformanceSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), the key being the secret after "whsec_".
inline std::string expected_signature(std::string_view id, std::string_view timestamp,
                                      std::string_view body) {
  const auto key = support::base64_decode(kConformanceSecret.substr(6));
  if (!key) throw std::runtime_error("the conformance secret is not base64");
  std::string content;
  content.append(id).append(".").append(timestamp).append(".").append(body);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
           reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac.data(),
           &length) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  return support::base64_encode(std::span<const unsigned char>(mac.data(), length));
}

// Ok when the request carries the event's id, `at`'s whole seconds and a v1 signature that this
// suite computes to the same value over the bytes received.
inline ::testing::AssertionResult signed_for(const ReceivedWebhook& r, std::string_view id,
                                             core::Timestamp at) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(at.time_since_epoch()).count();
  const auto got_id = r.header("webhook-id");
  const auto got_ts = r.header("webhook-timestamp");
  const auto got_sig = r.header("webhook-signature");
  if (!got_id || !got_ts || !got_sig) return ::testing::AssertionFailure() << "missing header";
  if (*got_id != id) return ::testing::AssertionFailure() << "webhook-id " << *got_id;
  if (*got_ts != std::to_string(seconds)) {
    return ::testing::AssertionFailure()
           << "webhook-timestamp " << *got_ts << ", expected " << seconds;
  }
  const auto expected = "v1," + expected_signature(id, *got_ts, r.body);
  if (*got_sig != expected) {
    return ::testing::AssertionFailure()
           << "webhook-signature " << *got_sig << ", expected " << expected;
  }
  return ::testing::AssertionSuccess();
}

template <class Factory>
class WebhookSenderConformance : public ::testing::Test {
 protected:
  void SetUp() override { fixture_ = Factory{}.make(kConformanceSecret); }

  static core::Timestamp now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
  }

  // An event whose body has what a careless sender would change: non-ASCII UTF-8, escapes,
  // spacing a re-serialiser would drop, and no trailing newline.
  static core::WebhookEvent event(std::string id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W") {
    return core::WebhookEvent{
        .id = std::move(id),
        .type = "media.batch.ready",
        .body_json =
            "{\"type\": \"media.batch.ready\",  \"listingId\":901,\"title\":"
            "\"Sala de estar \xc3\xa0 \\u00e9 \\\"vista\\\"\\n\",\"batchId\":42}",
        .occurred_at = now(),
        .extra_headers = {}};
  }

  std::unique_ptr<core::WebhookSender> sender(
      const std::string& path, std::chrono::milliseconds timeout = std::chrono::seconds{15}) {
    return fixture_->sender(path, timeout);
  }

  // One attempt that must come back as a result, not an Error.
  core::DeliveryResult deliver(core::WebhookSender& s, const core::WebhookEvent& e,
                               core::Timestamp at) {
    auto result = s.deliver(e, at);
    EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message);
    return result.value_or(core::DeliveryResult{});
  }

  // A failed, retryable attempt with `status`.
  static void expect_failed(const core::DeliveryResult& r, int status) {
    EXPECT_EQ(r.outcome, core::DeliveryOutcome::kFailed) << status;
    EXPECT_EQ(r.status, status);
    EXPECT_TRUE(r.retryable) << status;
    EXPECT_FALSE(r.delivered()) << status;
  }

  std::unique_ptr<WebhookSenderFixture> fixture_;
};

TYPED_TEST_SUITE_P(WebhookSenderConformance);

TYPED_TEST_P(WebhookSenderConformance, TwoHundredIsDeliveredAsOneSignedPostOfTheExactBody) {
  auto s = this->sender("/status/200");
  const auto e = this->event();
  // 999 ms into a second: the timestamp is the whole seconds, rounded down.
  const auto at =
      std::chrono::floor<std::chrono::seconds>(this->now()) + std::chrono::milliseconds{999};
  const auto result = this->deliver(*s, e, at);
  EXPECT_EQ(result.outcome, core::DeliveryOutcome::kDelivered);
  EXPECT_TRUE(result.delivered());
  EXPECT_EQ(result.status, 200);
  EXPECT_FALSE(result.retryable);
  EXPECT_FALSE(result.retry_after.has_value());

  const auto got = this->fixture_->received();
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].path, "/status/200");
  EXPECT_EQ(got[0].header("content-type"), "application/json");
  EXPECT_EQ(got[0].body, e.body_json) << "byte for byte";
  EXPECT_TRUE(signed_for(got[0], e.id, at));
}

TYPED_TEST_P(WebhookSenderConformance, EveryTwoHundredStatusIsDelivered) {
  for (const int status : {201, 202, 204, 299}) {
    auto s = this->sender("/status/" + std::to_string(status));
    const auto result = this->deliver(*s, this->event(), this->now());
    EXPECT_EQ(result.outcome, core::DeliveryOutcome::kDelivered) << status;
    EXPECT_EQ(result.status, status);
    EXPECT_FALSE(result.retryable) << status;
  }
}

TYPED_TEST_P(WebhookSenderConformance, ALargeBodyArrivesExact) {
  auto s = this->sender("/status/200");
  auto e = this->event();
  e.body_json = R"({"type":"media.batch.failed","note":")" + std::string(256 * 1024, 'a') + "\"}";
  const auto at = this->now();
  EXPECT_TRUE(this->deliver(*s, e, at).delivered());
  const auto got = this->fixture_->received();
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].body.size(), e.body_json.size());
  EXPECT_TRUE(got[0].body == e.body_json);
  EXPECT_TRUE(signed_for(got[0], e.id, at));
}

TYPED_TEST_P(WebhookSenderConformance, GoneIsTheEndOfTheEndpointNotARetry) {
  auto s = this->sender("/status/410");
  const auto result = this->deliver(*s, this->event(), this->now());
  EXPECT_EQ(result.outcome, core::DeliveryOutcome::kEndpointGone);
  EXPECT_EQ(result.status, 410);
  EXPECT_FALSE(result.retryable);
  EXPECT_FALSE(result.delivered());
  EXPECT_EQ(this->fixture_->received().size(), 1U);
}

TYPED_TEST_P(WebhookSenderConformance, OtherClientAndServerErrorsAreRetryableAfterOneAttempt) {
  const std::vector<int> statuses = {400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504};
  for (const int status : statuses) {
    auto s = this->sender("/status/" + std::to_string(status));
    const auto result = this->deliver(*s, this->event(), this->now());
    this->expect_failed(result, status);
    EXPECT_FALSE(result.retry_after.has_value()) << status;
  }
  EXPECT_EQ(this->fixture_->received().size(), statuses.size()) << "one request per attempt";
}

TYPED_TEST_P(WebhookSenderConformance, RedirectsAreFailedAnswersAndNotFollowed) {
  const auto target = this->fixture_->url("/status/200");
  const std::vector<int> statuses = {301, 302, 303, 307, 308};
  for (const int status : statuses) {
    auto s = this->sender("/status/" + std::to_string(status) + "?location=" + target);
    const auto result = this->deliver(*s, this->event(), this->now());
    this->expect_failed(result, status);
    EXPECT_NE(result.detail.find(target), std::string::npos) << result.detail;
  }
  // Only the redirecting paths were requested, never the Location.
  const auto got = this->fixture_->received();
  ASSERT_EQ(got.size(), statuses.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].path, "/status/" + std::to_string(statuses[i]));
  }
}

TYPED_TEST_P(WebhookSenderConformance, RetryAfterSecondsComesBackOnAFailure) {
  auto s = this->sender("/status/503?retry_after=120");
  const auto result = this->deliver(*s, this->event(), this->now());
  this->expect_failed(result, 503);
  ASSERT_TRUE(result.retry_after.has_value());
  EXPECT_EQ(*result.retry_after, std::chrono::seconds{120});
}

TYPED_TEST_P(WebhookSenderConformance, RetryAfterDateIsTakenRelativeToNow) {
  auto s = this->sender("/status/429?retry_after=Tue,%2001%20Jan%202030%2000:00:00%20GMT");
  const core::Timestamp pinned = *core::parse_rfc3339("2029-12-31T23:50:00Z");
  const auto result = this->deliver(*s, this->event(), pinned);
  this->expect_failed(result, 429);
  ASSERT_TRUE(result.retry_after.has_value());
  EXPECT_EQ(*result.retry_after, std::chrono::minutes{10});
  // A date already past is no delay at all.
  auto past = this->sender("/status/503?retry_after=Sun,%2006%20Nov%201994%2008:49:37%20GMT");
  const auto late = this->deliver(*past, this->event(), pinned);
  ASSERT_TRUE(late.retry_after.has_value());
  EXPECT_EQ(*late.retry_after, std::chrono::seconds{0});
}

TYPED_TEST_P(WebhookSenderConformance, RetryAfterIsClampedToTheCap) {
  auto s = this->sender("/status/503?retry_after=999999999999");
  const auto result = this->deliver(*s, this->event(), this->now());
  ASSERT_TRUE(result.retry_after.has_value());
  EXPECT_EQ(*result.retry_after, core::kMaxRetryAfter);
  // On 410 too: the port reports it, the use case decides.
  auto gone = this->sender("/status/410?retry_after=60");
  const auto parked = this->deliver(*gone, this->event(), this->now());
  EXPECT_EQ(parked.outcome, core::DeliveryOutcome::kEndpointGone);
  ASSERT_TRUE(parked.retry_after.has_value());
  EXPECT_EQ(*parked.retry_after, std::chrono::seconds{60});
}

TYPED_TEST_P(WebhookSenderConformance, RetryAfterOnADeliveryIsIgnored) {
  auto s = this->sender("/status/200?retry_after=120");
  const auto result = this->deliver(*s, this->event(), this->now());
  EXPECT_TRUE(result.delivered());
  EXPECT_FALSE(result.retry_after.has_value());
}

TYPED_TEST_P(WebhookSenderConformance, ConnectionRefusedIsARetryableFailureWithoutStatus) {
  auto s = this->fixture_->unreachable();
  const auto result = this->deliver(*s, this->event(), this->now());
  this->expect_failed(result, 0);
  EXPECT_FALSE(result.detail.empty());
  EXPECT_FALSE(result.retry_after.has_value());
}

TYPED_TEST_P(WebhookSenderConformance, AHangingReceiverTimesOutAsARetryableFailure) {
  auto s = this->sender("/hang", std::chrono::milliseconds{1500});
  const auto e = this->event();
  const auto at = this->now();
  const auto result = this->deliver(*s, e, at);
  this->expect_failed(result, 0);
  EXPECT_FALSE(result.detail.empty());
  // The request itself arrived complete and signed; only the answer never came.
  const auto got = this->fixture_->received();
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].body, e.body_json);
  EXPECT_TRUE(signed_for(got[0], e.id, at));
}

TYPED_TEST_P(WebhookSenderConformance, ExtraHeadersAreSentAsGivenOutsideTheSignature) {
  auto s = this->sender("/status/200");
  auto e = this->event();
  const std::string trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  e.extra_headers = {{"traceparent", trace},
                     {"X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793"}};
  const auto at = this->now();
  EXPECT_TRUE(this->deliver(*s, e, at).delivered());
  auto plain = this->event("msg_plain");
  EXPECT_TRUE(this->deliver(*s, plain, at).delivered());
  const auto got = this->fixture_->received();
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].header("traceparent"), trace);
  EXPECT_EQ(got[0].header("x-amzn-trace-id"), "Root=1-5759e988-bd862e3fe1be46a994272793");
  EXPECT_TRUE(signed_for(got[0], e.id, at));
  EXPECT_FALSE(got[1].header("traceparent").has_value()) << "none given, none sent";
  EXPECT_TRUE(signed_for(got[1], plain.id, at));
}

TYPED_TEST_P(WebhookSenderConformance, EveryAttemptKeepsTheIdAndIsSignedForItsOwnTime) {
  auto s = this->sender("/status/500");
  const auto e = this->event();
  const auto first = this->now();
  const auto second = first + std::chrono::seconds{7};
  this->deliver(*s, e, first);
  this->deliver(*s, e, second);
  const auto got = this->fixture_->received();
  ASSERT_EQ(got.size(), 2U);
  EXPECT_TRUE(signed_for(got[0], e.id, first));
  EXPECT_TRUE(signed_for(got[1], e.id, second));
  EXPECT_NE(got[0].header("webhook-signature"), got[1].header("webhook-signature"));
}

TYPED_TEST_P(WebhookSenderConformance, EventIdsThatCannotBeSentAreRefusedAndNothingIsSent) {
  auto s = this->sender("/status/200");
  for (const std::string& bad :
       {std::string{}, std::string{"msg.1"}, std::string{"msg 1"}, std::string{"msg\r\nX-Evil: 1"},
        std::string{"msg_\xc3\xa9"}, std::string(257, 'a')}) {
    EXPECT_TRUE(
        fails_with(s->deliver(this->event(bad), this->now()), core::ErrorCode::kInvalidRequest))
        << bad.size();
  }
  // The longest and every allowed character are fine.
  EXPECT_TRUE(this->deliver(*s, this->event(std::string(256, 'a')), this->now()).delivered());
  EXPECT_TRUE(this->deliver(*s, this->event("AZaz09_-"), this->now()).delivered());
  EXPECT_EQ(this->fixture_->received().size(), 2U);
}

TYPED_TEST_P(WebhookSenderConformance, DeliverMayRunOnSeveralThreadsAtOnce) {
  auto s = this->sender("/status/200");
  constexpr int kThreads = 4;
  constexpr int kEach = 5;
  std::vector<core::DeliveryResult> results(kThreads * kEach);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          const auto id = "msg_t" + std::to_string(t) + "_" + std::to_string(i);
          auto r = s->deliver(this->event(id), this->now());
          if (r) results[static_cast<std::size_t>(t * kEach + i)] = std::move(*r);
        }
      });
    }
  }
  for (const auto& r : results) EXPECT_TRUE(r.delivered()) << r.detail;
  const auto got = this->fixture_->received();
  ASSERT_EQ(got.size(), results.size());
  std::set<std::string> ids;
  for (const auto& r : got) {
    const auto id = r.header("webhook-id").value_or("");
    ids.insert(id);
    EXPECT_EQ(r.body, this->event().body_json);
    const auto ts = r.header("webhook-timestamp").value_or("");
    EXPECT_EQ(r.header("webhook-signature"), "v1," + expected_signature(id, ts, r.body));
  }
  EXPECT_EQ(ids.size(), results.size()) << "every event arrived once";
}

REGISTER_TYPED_TEST_SUITE_P(
    WebhookSenderConformance, TwoHundredIsDeliveredAsOneSignedPostOfTheExactBody,
    EveryTwoHundredStatusIsDelivered, ALargeBodyArrivesExact, GoneIsTheEndOfTheEndpointNotARetry,
    OtherClientAndServerErrorsAreRetryableAfterOneAttempt, RedirectsAreFailedAnswersAndNotFollowed,
    RetryAfterSecondsComesBackOnAFailure, RetryAfterDateIsTakenRelativeToNow,
    RetryAfterIsClampedToTheCap, RetryAfterOnADeliveryIsIgnored,
    ConnectionRefusedIsARetryableFailureWithoutStatus, AHangingReceiverTimesOutAsARetryableFailure,
    ExtraHeadersAreSentAsGivenOutsideTheSignature, EveryAttemptKeepsTheIdAndIsSignedForItsOwnTime,
    EventIdsThatCannotBeSentAreRefusedAndNothingIsSent, DeliverMayRunOnSeveralThreadsAtOnce);

}  // namespace toq::testing
