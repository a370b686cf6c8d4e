#pragma once
// Conformance of a job's work items (WorkItemRepository): the contract in
// src/core/port/work_item_repository.hpp. Instantiated for every adapter of core::Database (see
// repository_conformance.hpp).

#include <algorithm>
#include <barrier>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "conformance/repository_fixture.hpp"

namespace toq::testing {

template <class Factory>
class WorkItemRepositoryConformance : public RepositoryFixture<Factory> {
 protected:
  // A RUNNING job of a new batch of `photos` photos on listing `listing_id`, and its assets.
  std::pair<core::Job, std::vector<core::Asset>> running_job(std::int64_t listing_id, int photos) {
    this->listing(listing_id);
    auto b = this->batch(listing_id);
    std::vector<core::FileDeclaration> files;
    for (int i = 1; i <= photos; ++i) files.push_back(photo("f" + std::to_string(i), i));
    auto assets = must(
        this->tx([&](core::UnitOfWork& u) { return u.assets().add(b.id, files, at(1)); }), "add");
    auto job = must(this->tx([&](core::UnitOfWork& u) -> core::Result<core::Job> {
      auto j = u.jobs().create(b.id, at(2), "");
      if (!j) return j;
      return u.jobs().start(j->id, "planner", at(600), at(2));
    }),
                    "job");
    return {job, assets};
  }

  std::vector<core::PlannedItem> plan_of(const std::vector<core::Asset>& assets,
                                         std::set<std::int64_t> heavy = {}) {
    std::vector<core::PlannedItem> items;
    for (const auto& a : assets) items.push_back({a.id, heavy.contains(a.id.value)});
    return items;
  }

  // How many of the job's items are not DONE.
  std::size_t open_items(core::JobId job) {
    auto items =
        must(this->tx([&](core::UnitOfWork& u) { return u.items().list_by_job(job); }), "list");
    return static_cast<std::size_t>(std::count_if(items.begin(), items.end(), [](const auto& i) {
      return i.status != core::WorkItemStatus::kDone;
    }));
  }

  core::Result<std::optional<core::WorkItem>> claim(std::string_view owner, int lease_until,
                                                    int now, std::optional<core::JobId> job = {}) {
    return this->tx([&](core::UnitOfWork& u) {
      return u.items().claim_next(owner, at(lease_until), at(now), job);
    });
  }
};

TYPED_TEST_SUITE_P(WorkItemRepositoryConformance);

TYPED_TEST_P(WorkItemRepositoryConformance, PlanAddsOnlyMissingItemsAndClaimsHeavyFirst) {
  auto [job, assets] = this->running_job(28, 3);
  const auto plan = this->plan_of(assets, {assets[2].id.value});
  EXPECT_EQ(
      must(this->tx([&](core::UnitOfWork& u) { return u.items().plan(job.id, plan, at(5)); })), 3);
  // Planning again (a worker that took the job over) adds nothing and resets nothing.
  auto first = must(this->claim("w1", 65, 5));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->asset_id, assets[2].id) << "the heavy item first";
  EXPECT_TRUE(first->heavy);
  EXPECT_EQ(first->status, core::WorkItemStatus::kRunning);
  EXPECT_EQ(first->attempt, 1);
  EXPECT_EQ(first->lease_owner, "w1");
  EXPECT_EQ(first->lease_expires_at, at(65));
  EXPECT_EQ(first->claimed_at, at(5));
  EXPECT_EQ(
      must(this->tx([&](core::UnitOfWork& u) { return u.items().plan(job.id, plan, at(6)); })), 0);
  auto items = must(this->tx([&](core::UnitOfWork& u) { return u.items().list_by_job(job.id); }));
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].asset_id, assets[0].id) << "asset order";
  EXPECT_EQ(items[0].status, core::WorkItemStatus::kQueued);
  EXPECT_EQ(items[0].available_at, at(5));
  EXPECT_EQ(items[0].created_at, at(5));
  EXPECT_EQ(items[2], *first) << "planning again left the claimed item alone";
  // Then the light ones in asset order.
  auto second = must(this->claim("w2", 65, 7));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->asset_id, assets[0].id);
  auto third = must(this->claim("w2", 65, 7, job.id));
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->asset_id, assets[1].id);
  EXPECT_FALSE(must(this->claim("w3", 65, 8)).has_value()) << "every item is held";
  EXPECT_EQ(this->open_items(job.id), 3U);
}

TYPED_TEST_P(WorkItemRepositoryConformance, ClaimsTheOldestJobsItemsFirstAndOnlyThatJobWhenAsked) {
  auto [older, older_assets] = this->running_job(28, 1);
  auto [newer, newer_assets] = this->running_job(29, 2);
  must(this->tx([&](core::UnitOfWork& u) {
    return u.items().plan(newer.id, this->plan_of(newer_assets, {newer_assets[1].id.value}), at(5));
  }));
  must(this->tx([&](core::UnitOfWork& u) {
    return u.items().plan(older.id, this->plan_of(older_assets), at(6));
  }));
  EXPECT_FALSE(must(this->claim("w1", 65, 5, older.id)).has_value()) << "not due before at(6)";
  auto a = must(this->claim("w1", 65, 6));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->job_id, older.id) << "the older job first, even though its item is light";
  auto b = must(this->claim("w1", 65, 6, older.id));
  EXPECT_FALSE(b.has_value()) << "the older job has nothing more";
  auto c = must(this->claim("w1", 65, 6, newer.id));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->asset_id, newer_assets[1].id);
  EXPECT_TRUE(fails_with(
      this->tx([&](core::UnitOfWork& u) { return u.items().plan(core::JobId{987654}, {}, at(7)); }),
      ErrorCode::kJobNotFound));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.items().plan(older.id, {{core::AssetId{987654}, false}}, at(7));
  }),
                         ErrorCode::kAssetNotFound));
  EXPECT_TRUE(must(this->tx([&](core::UnitOfWork& u) {
                return u.items().list_by_job(core::JobId{987654});
              })).empty());
}

TYPED_TEST_P(WorkItemRepositoryConformance, ExpiredLeaseHandsTheItemOverAndCompletionIsIdempotent) {
  auto [job, assets] = this->running_job(28, 1);
  const auto asset = assets[0].id;
  must(this->tx(
      [&](core::UnitOfWork& u) { return u.items().plan(job.id, this->plan_of(assets), at(5)); }));
  ASSERT_TRUE(must(this->claim("w1", 30, 5)).has_value());
  EXPECT_FALSE(must(this->claim("w2", 60, 29)).has_value()) << "the lease holds until at(30)";
  auto extended = must(this->tx([&](core::UnitOfWork& u) {
    return u.items().heartbeat(job.id, asset, "w1", at(40), at(29));
  }));
  EXPECT_EQ(extended.lease_expires_at, at(40));
  EXPECT_FALSE(must(this->claim("w2", 60, 35)).has_value()) << "the heartbeat extended it";
  auto taken = must(this->claim("w2", 100, 41));
  ASSERT_TRUE(taken.has_value()) << "w1 died: its lease expired";
  EXPECT_EQ(taken->attempt, 2);
  EXPECT_EQ(taken->lease_owner, "w2");
  EXPECT_EQ(taken->claimed_at, at(41));
  for (auto* op : {"heartbeat", "complete", "release"}) {
    auto r = this->tx([&](core::UnitOfWork& u) -> core::Result<core::WorkItem> {
      if (std::string_view(op) == "heartbeat")
        return u.items().heartbeat(job.id, asset, "w1", at(200), at(42));
      if (std::string_view(op) == "complete")
        return u.items().complete(job.id, asset, "w1", at(42));
      return u.items().release(job.id, asset, "w1", at(42), "x", at(42));
    });
    EXPECT_TRUE(fails_with(r, ErrorCode::kStaleState)) << op << ": w1 lost the lease";
  }
  auto done = must(this->tx(
      [&](core::UnitOfWork& u) { return u.items().complete(job.id, asset, "w2", at(50)); }));
  EXPECT_EQ(done.status, core::WorkItemStatus::kDone);
  EXPECT_EQ(done.done_at, at(50));
  EXPECT_EQ(done.lease_owner, "w2") << "who did it";
  EXPECT_FALSE(done.lease_expires_at.has_value());
  // Completing again returns it unchanged, whoever asks; a DONE item is never claimed.
  EXPECT_EQ(must(this->tx([&](core::UnitOfWork& u) {
              return u.items().complete(job.id, asset, "w2", at(60));
            })),
            done);
  EXPECT_EQ(must(this->tx([&](core::UnitOfWork& u) {
              return u.items().complete(job.id, asset, "w1", at(61));
            })),
            done);
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.items().heartbeat(job.id, asset, "w2", at(200), at(62));
  }),
                         ErrorCode::kStaleState));
  EXPECT_FALSE(must(this->claim("w3", 2000, 1000)).has_value());
  EXPECT_EQ(this->open_items(job.id), 0U);
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.items().complete(job.id, core::AssetId{987654}, "w2", at(63));
  }),
                         ErrorCode::kJobNotFound));
}

TYPED_TEST_P(WorkItemRepositoryConformance, ReleasedItemWaitsAndCloseOpenEndsTheRest) {
  auto [job, assets] = this->running_job(28, 3);
  must(this->tx(
      [&](core::UnitOfWork& u) { return u.items().plan(job.id, this->plan_of(assets), at(5)); }));
  auto held = *must(this->claim("w1", 65, 5));
  auto released = must(this->tx([&](core::UnitOfWork& u) {
    return u.items().release(job.id, held.asset_id, "w1", at(20), "disk full", at(6));
  }));
  EXPECT_EQ(released.status, core::WorkItemStatus::kQueued);
  EXPECT_EQ(released.available_at, at(20));
  EXPECT_EQ(released.error_message, "disk full");
  EXPECT_EQ(released.attempt, 1);
  EXPECT_FALSE(released.lease_owner.has_value());
  EXPECT_FALSE(released.lease_expires_at.has_value());
  // Not due before at(20): the next claims take the other two.
  auto next = *must(this->claim("w1", 65, 7));
  EXPECT_NE(next.asset_id, held.asset_id);
  auto last = *must(this->claim("w1", 65, 7));
  EXPECT_NE(last.asset_id, held.asset_id);
  EXPECT_FALSE(must(this->claim("w1", 65, 19)).has_value());
  auto again = must(this->claim("w1", 65, 20));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->asset_id, held.asset_id);
  EXPECT_EQ(again->attempt, 2);
  must(this->tx([&](core::UnitOfWork& u) {
    return u.items().complete(job.id, next.asset_id, "w1", at(21));
  }));
  EXPECT_EQ(this->open_items(job.id), 2U);
  EXPECT_EQ(
      must(this->tx([&](core::UnitOfWork& u) { return u.items().close_open(job.id, at(22)); })), 2);
  for (const auto& item :
       must(this->tx([&](core::UnitOfWork& u) { return u.items().list_by_job(job.id); }))) {
    EXPECT_EQ(item.status, core::WorkItemStatus::kDone);
    EXPECT_FALSE(item.lease_expires_at.has_value());
  }
  EXPECT_EQ(this->open_items(job.id), 0U);
  EXPECT_FALSE(must(this->claim("w2", 2000, 1000)).has_value());
}

// Threads (each its own transaction, as worker processes would) claim until nothing is left:
// every item is claimed exactly once.
TYPED_TEST_P(WorkItemRepositoryConformance, RacingClaimersNeverGetTheSameItem) {
  auto [job, assets] = this->running_job(28, 40);
  must(this->tx(
      [&](core::UnitOfWork& u) { return u.items().plan(job.id, this->plan_of(assets), at(5)); }));
  constexpr int kThreads = 8;
  std::barrier start(kThreads);
  std::vector<std::vector<std::int64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const auto owner = "w" + std::to_string(i);
      start.arrive_and_wait();
      for (;;) {
        auto r = this->claim(owner, 600, 10);
        if (!r && r.error().code == ErrorCode::kDatabaseBusy) continue;  // nothing was written
        if (!r || !*r) break;
        got[static_cast<std::size_t>(i)].push_back((*r)->asset_id.value);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<std::int64_t> all;
  for (const auto& g : got) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), assets.size()) << "every item claimed once";
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "an item claimed twice";
  for (const auto& item :
       must(this->tx([&](core::UnitOfWork& u) { return u.items().list_by_job(job.id); }))) {
    EXPECT_EQ(item.attempt, 1);
    EXPECT_EQ(item.status, core::WorkItemStatus::kRunning);
  }
}

REGISTER_TYPED_TEST_SUITE_P(WorkItemRepositoryConformance,
                            PlanAddsOnlyMissingItemsAndClaimsHeavyFirst,
                            ClaimsTheOldestJobsItemsFirstAndOnlyThatJobWhenAsked,
                            ExpiredLeaseHandsTheItemOverAndCompletionIsIdempotent,
                            ReleasedItemWaitsAndCloseOpenEndsTheRest,
                            RacingClaimersNeverGetTheSameItem);

}  // namespace toq::testing
