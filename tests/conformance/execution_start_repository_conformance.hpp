#pragma once
// Conformance of the AWS mode's start outbox (ExecutionStartRepository): the contract in
// src/core/port/execution_start_repository.hpp. Instantiated for every adapter of core::Database
// (see repository_conformance.hpp).

#include <barrier>
#include <set>
#include <thread>
#include <vector>

#include "conformance/repository_fixture.hpp"

namespace toq::testing {

template <class Factory>
class ExecutionStartRepositoryConformance : public RepositoryFixture<Factory> {
 protected:
  core::Job job_for(std::int64_t listing_id) {
    this->listing(listing_id);
    auto b = this->batch(listing_id);
    return must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(2), ""); }));
  }
};

TYPED_TEST_SUITE_P(ExecutionStartRepositoryConformance);

TYPED_TEST_P(ExecutionStartRepositoryConformance, OneRowPerJobHoldingTheExactInput) {
  auto job = this->job_for(28);
  // Non-ASCII, escapes and a size past 64 KiB: stored and read back byte for byte.
  std::string input = R"({"title":"Sala de estar ☀️ \"grande\"\n","x":")";
  input += std::string(70000, 'a') + "\"}";
  auto row = must(this->tx([&](core::UnitOfWork& u) {
    return u.starts().add(job.id, core::execution_name(job.id, 1), input, at(10));
  }));
  EXPECT_EQ(row.job_id, job.id);
  EXPECT_EQ(row.name, "job-" + std::to_string(job.id.value) + "-r1");
  EXPECT_EQ(row.input, input);
  EXPECT_EQ(row.created_at, at(10));
  EXPECT_EQ(row.next_attempt_at, at(10));
  EXPECT_EQ(row.attempts, 0);
  EXPECT_FALSE(row.claimed_by.has_value());
  EXPECT_FALSE(row.started_at.has_value());
  EXPECT_EQ(row.execution_arn, "");
  auto found = must(this->tx([&](core::UnitOfWork& u) { return u.starts().find_by_job(job.id); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, row);
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.starts().add(job.id, "job-other-r1", "{}", at(11));
  }),
                         ErrorCode::kConflict));
  auto other = this->job_for(29);
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.starts().add(other.id, row.name, "{}", at(11));  // the name is taken
  }),
                         ErrorCode::kConflict));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.starts().add(core::JobId{99999}, "job-99999-r1", "{}", at(11));
  }),
                         ErrorCode::kJobNotFound));
  EXPECT_FALSE(must(this->tx([&](core::UnitOfWork& u) {
                 return u.starts().find_by_job(other.id);
               })).has_value());
}

TYPED_TEST_P(ExecutionStartRepositoryConformance, ClaimLapsesRescheduleWaitsAndStartIsFinal) {
  auto j1 = this->job_for(28);
  auto j2 = this->job_for(29);
  auto r1 = must(this->tx([&](core::UnitOfWork& u) {
    return u.starts().add(j1.id, core::execution_name(j1.id, 1), "{\"a\":1}", at(10));
  }));
  auto r2 = must(this->tx([&](core::UnitOfWork& u) {
    return u.starts().add(j2.id, core::execution_name(j2.id, 1), "{\"a\":2}", at(11));
  }));
  // Not due before its time; then oldest first, up to the limit.
  EXPECT_TRUE(must(this->tx([&](core::UnitOfWork& u) {
                return u.starts().claim_due("relay-a", at(40), at(9), 10);
              })).empty());
  auto a = must(this->tx(
      [&](core::UnitOfWork& u) { return u.starts().claim_due("relay-a", at(40), at(12), 1); }));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].id, r1.id);
  EXPECT_EQ(a[0].claimed_by, "relay-a");
  EXPECT_EQ(a[0].claim_expires_at, at(40));
  // A held row is not handed out again until its claim lapses.
  auto b = must(this->tx(
      [&](core::UnitOfWork& u) { return u.starts().claim_due("relay-b", at(50), at(13), 10); }));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].id, r2.id);
  EXPECT_TRUE(must(this->tx([&](core::UnitOfWork& u) {
                return u.starts().claim_due("relay-c", at(60), at(40), 10);
              })).empty())
      << "claims last up to and including their expiry";
  auto c = must(this->tx(
      [&](core::UnitOfWork& u) { return u.starts().claim_due("relay-c", at(90), at(41), 10); }));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id, r1.id) << "relay-a's claim lapsed";
  EXPECT_EQ(c[0].claimed_by, "relay-c");
  // The relay that lost its claim cannot reschedule; the holder can, and the row waits.
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.starts().reschedule(r1.id, "relay-a", at(100), "late", at(42));
  }),
                         ErrorCode::kStaleState));
  auto later = must(this->tx([&](core::UnitOfWork& u) {
    return u.starts().reschedule(r1.id, "relay-c", at(100), "ThrottlingException", at(42));
  }));
  EXPECT_EQ(later.attempts, 1);
  EXPECT_EQ(later.next_attempt_at, at(100));
  EXPECT_EQ(later.last_error, "ThrottlingException");
  EXPECT_FALSE(later.claimed_by.has_value());
  EXPECT_FALSE(later.claim_expires_at.has_value());
  EXPECT_EQ(later.input, "{\"a\":1}");
  EXPECT_TRUE(must(this->tx([&](core::UnitOfWork& u) {
                return u.starts().claim_due("relay-d", at(200), at(99), 10);
              })).size() == 1u)
      << "only r2 (its claim lapsed at 50); r1 waits until 100";
  // Any caller may record the accepted start; it is final and idempotent.
  auto started = must(this->tx([&](core::UnitOfWork& u) {
    return u.starts().mark_started(r1.id, "arn:aws:states:x:1:execution:m:n", at(101));
  }));
  EXPECT_EQ(started.started_at, at(101));
  EXPECT_EQ(started.execution_arn, "arn:aws:states:x:1:execution:m:n");
  EXPECT_FALSE(started.claimed_by.has_value());
  auto again = must(this->tx(
      [&](core::UnitOfWork& u) { return u.starts().mark_started(r1.id, "other", at(150)); }));
  EXPECT_EQ(again, started) << "a started row stays as it was";
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.starts().reschedule(r1.id, "relay-c", at(300), "x", at(151));
  }),
                         ErrorCode::kStaleState));
  EXPECT_TRUE(must(this->tx([&](core::UnitOfWork& u) {
                return u.starts().claim_due("relay-e", at(500), at(400), 10);
              })).size() == 1u)
      << "a started row is never claimed again (only r2 is left)";
  EXPECT_TRUE(fails_with(
      this->tx([&](core::UnitOfWork& u) { return u.starts().mark_started(987654, "", at(1)); }),
      ErrorCode::kInvalidRequest));
}

TYPED_TEST_P(ExecutionStartRepositoryConformance, ThreadsClaimingNeverShareARow) {
  constexpr int kRows = 12;
  for (int i = 0; i < kRows; ++i) {
    auto job = this->job_for(100 + i);
    must(this->tx([&](core::UnitOfWork& u) {
      return u.starts().add(job.id, core::execution_name(job.id, 1), "{}", at(10));
    }));
  }
  constexpr int kThreads = 6;
  std::barrier start(kThreads);
  std::vector<std::vector<std::int64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int round = 0; round < 20; ++round) {
        auto rows = this->tx([&](core::UnitOfWork& u) {
          return u.starts().claim_due("relay-" + std::to_string(t), at(1000), at(20), 2);
        });
        if (!rows) continue;  // DATABASE_BUSY: nothing was claimed, try again
        for (const auto& r : *rows) got[static_cast<std::size_t>(t)].push_back(r.id);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::int64_t> seen;
  std::size_t total = 0;
  for (const auto& ids : got) {
    total += ids.size();
    seen.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kRows)) << "every row claimed exactly once";
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kRows));
}

// pending_stats(): rows not started yet, whether due, waiting or claimed; the oldest's creation.
TYPED_TEST_P(ExecutionStartRepositoryConformance, PendingStatsCountRowsNotStartedYet) {
  auto none = must(this->tx([&](core::UnitOfWork& u) { return u.starts().pending_stats(); }));
  EXPECT_EQ(none, core::OutboxStats{});
  auto j1 = this->job_for(28);
  auto j2 = this->job_for(29);
  auto j3 = this->job_for(30);
  auto r1 = must(this->tx([&](core::UnitOfWork& u) {
    return u.starts().add(j1.id, core::execution_name(j1.id, 1), "{}", at(10));
  }));
  must(this->tx([&](core::UnitOfWork& u) {
    return u.starts().add(j2.id, core::execution_name(j2.id, 1), "{}", at(20));
  }));
  auto r3 = must(this->tx([&](core::UnitOfWork& u) {
    return u.starts().add(j3.id, core::execution_name(j3.id, 1), "{}", at(30));
  }));
  must(this->tx(
      [&](core::UnitOfWork& u) { return u.starts().claim_due("relay-a", at(90), at(31), 10); }));
  must(this->tx([&](core::UnitOfWork& u) {
    return u.starts().reschedule(r3.id, "relay-a", at(500), "ThrottlingException", at(32));
  }));
  auto all = must(this->tx([&](core::UnitOfWork& u) { return u.starts().pending_stats(); }));
  EXPECT_EQ(all.pending, 3);
  EXPECT_EQ(all.oldest_pending_at, at(10));
  must(
      this->tx([&](core::UnitOfWork& u) { return u.starts().mark_started(r1.id, "arn", at(33)); }));
  auto left = must(this->tx([&](core::UnitOfWork& u) { return u.starts().pending_stats(); }));
  EXPECT_EQ(left.pending, 2);
  EXPECT_EQ(left.oldest_pending_at, at(20));
}

REGISTER_TYPED_TEST_SUITE_P(ExecutionStartRepositoryConformance, OneRowPerJobHoldingTheExactInput,
                            ClaimLapsesRescheduleWaitsAndStartIsFinal,
                            ThreadsClaimingNeverShareARow, PendingStatsCountRowsNotStartedYet);

}  // namespace toq::testing
