// DeliverWebhooks (core/service/deliver_webhooks.hpp) on the real SQLite outbox, through the real
// webhook sender, to webhook_receiver.py answering as each test's URL path says: what each answer
// does to the event (delivered once, parked for a day, retried with backoff and Retry-After).

#include "core/service/deliver_webhooks.hpp"

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "core/service/batch_event.hpp"

#include "adapter/sqlite/sqlite_database.hpp"
#include "adapter/webhook/webhook_secret.hpp"
#include "adapter/webhook/webhook_sender.hpp"
#include "receiver_process.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace toq::webhook {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

template <class T>
T must(core::Result<T> r) {
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(*r);
}

class DeliverWebhooksTest : public ::testing::Test {
 protected:
  DeliverWebhooksTest()
      : db_(must(sqlite::SqliteDatabase::open({dir_ / "outbox.db", 5000, true}))) {}

  // The receiver's signature check wants a timestamp near the real time: the clock starts there.
  static core::Timestamp real_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
  }

  std::int64_t add_event(const std::string& id, const std::string& traceparent = "") {
    const auto now = clock_.now();
    return must(db_->transact([&](core::UnitOfWork& uow) {
             return uow.outbox().add(
                 id, std::string(core::kBatchReadyEvent),
                 core::batch_event_payload(core::kBatchReadyEvent, core::ListingId{901},
                                           core::BatchId{42}, core::JobId{7}, now,
                                           "PENDING_OWNER_APPROVAL"),
                 traceparent, now);
           }))
        .id;
  }

  // The undelivered event `id` as the outbox holds it (due within two days, so parked ones too).
  std::optional<core::OutboxEvent> pending(std::int64_t id) {
    const auto all = must(db_->transact(
        [&](core::UnitOfWork& uow) { return uow.outbox().due(clock_.now() + hours(48), 100); }));
    for (const auto& e : all) {
      if (e.id == id) return e;
    }
    return std::nullopt;
  }

  int deliver_to(const std::string& url) {
    auto sender = must(HttpWebhookSender::create(WebhookSenderOptions{.url = url, .ca_file = {}},
                                                 must(WebhookSecret::parse(kSecret))));
    core::DeliverWebhooks delivery(
        *db_, sender, clock_,
        {.batch = 20, .random_bits = [] { return std::uint64_t{0}; }, .log = {}});
    return delivery.run_once();
  }

  toq::testing::TempDir dir_;
  toq::testing::ManualClock clock_{real_now()};
  std::unique_ptr<core::Database> db_;
  testing::ReceiverProcess receiver_{std::string{kSecret}, dir_ / "requests.jsonl"};
};

TEST_F(DeliverWebhooksTest, TwoHundredDeliversTheEventOnce) {
  const auto id = add_event("msg_job7_ready");
  EXPECT_EQ(deliver_to(receiver_.url("/status/200")), 1);
  ASSERT_EQ(receiver_.requests().size(), 1U);
  EXPECT_TRUE(receiver_.requests()[0].at("verified").get<bool>());
  EXPECT_EQ(receiver_.requests()[0].at("id"), "msg_job7_ready");
  EXPECT_FALSE(pending(id)) << "a delivered event is not pending any more";
  clock_.advance(hours(1));
  EXPECT_EQ(deliver_to(receiver_.url("/status/200")), 0);
  EXPECT_EQ(receiver_.requests().size(), 1U) << "never sent again";
}

TEST_F(DeliverWebhooksTest, TheEventsTraceparentIsSentAsAHeader) {
  const std::string trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  add_event("msg_job9_ready", trace);
  add_event("msg_job10_ready");
  EXPECT_EQ(deliver_to(receiver_.url("/status/200")), 2);
  const auto sent = receiver_.requests();
  ASSERT_EQ(sent.size(), 2U);
  EXPECT_EQ(sent[0].at("id"), "msg_job9_ready");
  EXPECT_EQ(sent[0].at("traceparent"), trace);
  EXPECT_TRUE(sent[0].at("verified").get<bool>()) << "the header is outside the signature";
  EXPECT_TRUE(sent[1].at("traceparent").is_null()) << "an event without a trace sends none";
}

TEST_F(DeliverWebhooksTest, GoneParksTheEventForADay) {
  const auto id = add_event("msg_job8_ready");
  const auto sent_at = clock_.now();
  EXPECT_EQ(deliver_to(receiver_.url("/status/410")), 0);
  const auto parked = pending(id);
  ASSERT_TRUE(parked);
  EXPECT_EQ(parked->attempts, 1);
  EXPECT_EQ(parked->next_attempt_at, sent_at + hours(24));
  EXPECT_NE(parked->last_error.find("410 Gone"), std::string::npos) << parked->last_error;
  clock_.advance(hours(23));
  EXPECT_EQ(deliver_to(receiver_.url("/status/200")), 0) << "not due before the day is over";
  EXPECT_EQ(receiver_.requests().size(), 1U);
}

TEST_F(DeliverWebhooksTest, AFailureIsRetriedAfterTheBackoffOrTheRetryAfterWhicheverIsLater) {
  const auto first = add_event("msg_job9_ready");
  const auto sent_at = clock_.now();
  EXPECT_EQ(deliver_to(receiver_.url("/status/500")), 0);
  auto retried = pending(first);
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->attempts, 1);
  // Attempt 1's ceiling is 5 s; with zero random bits the delay is its floor, ceiling / 2.
  EXPECT_EQ(retried->next_attempt_at, sent_at + seconds(2));
  EXPECT_NE(retried->last_error.find("status 500"), std::string::npos) << retried->last_error;

  clock_.advance(seconds(2));
  const auto again_at = clock_.now();
  EXPECT_EQ(deliver_to(receiver_.url("/status/503?retry_after=600")), 0);
  retried = pending(first);
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->attempts, 2);
  EXPECT_EQ(retried->next_attempt_at, again_at + seconds(600)) << "Retry-After is a minimum";

  clock_.advance(seconds(600));
  EXPECT_EQ(deliver_to(receiver_.url("/status/204")), 1);
  EXPECT_FALSE(pending(first));
}

TEST_F(DeliverWebhooksTest, AnUnreachableReceiverIsRetried) {
  const auto id = add_event("msg_job10_ready");
  const auto sent_at = clock_.now();
  EXPECT_EQ(deliver_to("http://127.0.0.1:9/hooks"), 0);  // discard port: nothing listens
  const auto retried = pending(id);
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->attempts, 1);
  EXPECT_EQ(retried->next_attempt_at, sent_at + seconds(2));
  EXPECT_FALSE(retried->last_error.empty());
}

}  // namespace
}  // namespace toq::webhook
