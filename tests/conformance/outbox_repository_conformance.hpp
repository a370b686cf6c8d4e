#pragma once
// Conformance of the webhook outbox (OutboxRepository): the contract in
// src/core/port/outbox_repository.hpp. Instantiated for every adapter of core::Database (see
// repository_conformance.hpp).

#include "conformance/repository_fixture.hpp"

namespace toq::testing {

template <class Factory>
class OutboxRepositoryConformance : public RepositoryFixture<Factory> {};

TYPED_TEST_SUITE_P(OutboxRepositoryConformance);

TYPED_TEST_P(OutboxRepositoryConformance, OutboxDeliversOnceAndReschedules) {
  auto e1 = must(this->tx([&](core::UnitOfWork& u) {
    return u.outbox().add("msg_job1_ready", "media.batch.ready", R"({"a":1})", "", at(10));
  }));
  EXPECT_EQ(e1.attempts, 0);
  EXPECT_EQ(e1.next_attempt_at, at(10));
  EXPECT_FALSE(e1.delivered_at.has_value());
  auto dup = this->tx([&](core::UnitOfWork& u) {
    return u.outbox().add("msg_job1_ready", "media.batch.ready", "{}", "", at(11));
  });
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  auto e2 = must(this->tx([&](core::UnitOfWork& u) {
    return u.outbox().add("msg_job2_failed", "media.batch.failed", "{}", "", at(12));
  }));
  auto due = must(this->tx([&](core::UnitOfWork& u) { return u.outbox().due(at(12), 10); }));
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].id, e1.id);
  EXPECT_EQ(due[0].payload, R"({"a":1})");
  auto later = must(this->tx([&](core::UnitOfWork& u) {
    return u.outbox().reschedule(e1.id, at(50), "status 500", at(13));
  }));
  EXPECT_EQ(later.attempts, 1);
  EXPECT_EQ(later.last_error, "status 500");
  due = must(this->tx([&](core::UnitOfWork& u) { return u.outbox().due(at(49), 10); }));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, e2.id);
  auto done =
      must(this->tx([&](core::UnitOfWork& u) { return u.outbox().mark_delivered(e2.id, at(14)); }));
  EXPECT_EQ(done.delivered_at, at(14));
  auto again =
      must(this->tx([&](core::UnitOfWork& u) { return u.outbox().mark_delivered(e2.id, at(99)); }));
  EXPECT_EQ(again.delivered_at, at(14)) << "delivered stays as it was";
  due = must(this->tx([&](core::UnitOfWork& u) { return u.outbox().due(at(1000), 10); }));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, e1.id);
  auto missing =
      this->tx([&](core::UnitOfWork& u) { return u.outbox().mark_delivered(999, at(1)); });
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidRequest);
}

TYPED_TEST_P(OutboxRepositoryConformance, PendingStatsCountUndeliveredEventsWithTheOldest) {
  auto empty = must(this->tx([&](core::UnitOfWork& u) { return u.outbox().pending_stats(); }));
  EXPECT_EQ(empty, core::OutboxStats{});
  auto e1 = must(this->tx([&](core::UnitOfWork& u) {
    return u.outbox().add("msg_1", "media.batch.ready", "{}", "", at(10));
  }));
  must(this->tx([&](core::UnitOfWork& u) {
    return u.outbox().add("msg_2", "media.batch.ready", "{}", "", at(20));
  }));
  auto e3 = must(this->tx([&](core::UnitOfWork& u) {
    return u.outbox().add("msg_3", "media.batch.failed", "{}", "", at(30));
  }));
  // Rescheduled into the future: not due, still pending.
  must(this->tx([&](core::UnitOfWork& u) {
    return u.outbox().reschedule(e3.id, at(500), "status 500", at(31));
  }));
  auto stats = must(this->tx([&](core::UnitOfWork& u) { return u.outbox().pending_stats(); }));
  EXPECT_EQ(stats.pending, 3);
  EXPECT_EQ(stats.oldest_pending_at, at(10));
  must(this->tx([&](core::UnitOfWork& u) { return u.outbox().mark_delivered(e1.id, at(40)); }));
  stats = must(this->tx([&](core::UnitOfWork& u) { return u.outbox().pending_stats(); }));
  EXPECT_EQ(stats.pending, 2);
  EXPECT_EQ(stats.oldest_pending_at, at(20));
}

TYPED_TEST_P(OutboxRepositoryConformance, PruneDeletesDeliveredEventsPastTheCutoffOnly) {
  auto add = [&](const char* id, int second) {
    return must(this->tx([&](core::UnitOfWork& u) {
      return u.outbox().add(id, "media.batch.ready", "{}", "", at(second));
    }));
  };
  auto deliver = [&](const core::OutboxEvent& e, int second) {
    must(
        this->tx([&](core::UnitOfWork& u) { return u.outbox().mark_delivered(e.id, at(second)); }));
  };
  auto prune = [&](int second, int limit) {
    return must(this->tx(
        [&](core::UnitOfWork& u) { return u.outbox().prune_delivered(at(second), limit); }));
  };
  auto e1 = add("e1", 1);
  auto e2 = add("e2", 1);
  add("e3", 1);  // never delivered
  deliver(e1, 5);
  deliver(e2, 20);
  EXPECT_EQ(prune(4, 10), 0);
  EXPECT_EQ(prune(10, 10), 1);
  EXPECT_EQ(prune(30, 10), 1);
  EXPECT_EQ(prune(1000, 10), 0);
  auto stats = must(this->tx([&](core::UnitOfWork& u) { return u.outbox().pending_stats(); }));
  EXPECT_EQ(stats.pending, 1);
  auto due = must(this->tx([&](core::UnitOfWork& u) { return u.outbox().due(at(1000), 10); }));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].event_id, "e3");
  // The limit bounds one call.
  deliver(add("e4", 40), 41);
  deliver(add("e5", 40), 42);
  EXPECT_EQ(prune(50, 1), 1);
  EXPECT_EQ(prune(50, 1), 1);
  EXPECT_EQ(prune(50, 1), 0);
}

REGISTER_TYPED_TEST_SUITE_P(OutboxRepositoryConformance, OutboxDeliversOnceAndReschedules,
                            PendingStatsCountUndeliveredEventsWithTheOldest,
                            PruneDeletesDeliveredEventsPastTheCutoffOnly);

}  // namespace toq::testing
