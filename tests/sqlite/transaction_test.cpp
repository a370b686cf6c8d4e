// SqliteDatabase's transactions (sqlite_database.cpp): a pure read works on a snapshot and does not
// wait for a writer; a unit of work that read and then writes after another connection committed
// runs again under the write lock, and decides on the latest committed row; a writer queued on the
// lock waits for the writers of its pool (LockReleases) and gives up at the busy timeout.

#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "adapter/sqlite/sqlite_database.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

using core::ErrorCode;

constexpr core::ListingId kListing{28};

core::Timestamp t0() {
  return core::Timestamp{std::chrono::milliseconds{1'700'000'000'000}};
}

void add_listing(sqlite::SqliteDatabase& db) {
  const core::Listing listing{kListing,
                              core::UserId{1},
                              core::UserId{2},
                              core::ListingKind::kResidential,
                              "PENDING_PHOTO_PROCESSING",
                              t0()};
  must(db.transact([&](core::UnitOfWork& u) { return u.listings().upsert(listing, t0()); }),
       "upsert");
}

core::NewBatch new_batch() {
  return {kListing, "", core::UserId{2}, t0()};
}

// The unit of work the write tests run: opens a batch unless it reads that the listing has one;
// `between` runs after the read, before the write.
core::Result<core::Batch> open_unless_open(core::UnitOfWork& u,
                                           const std::function<void()>& between = {}) {
  auto open = u.batches().find_open(kListing);
  if (!open) return std::unexpected(open.error());
  if (*open) return core::fail(ErrorCode::kOpenBatchExists, "decided on the row it read");
  if (between) between();
  return u.batches().create(new_batch(), t0());
}

// A thread whose write transaction (a new batch) holds the lock from `holding` until `release`
// (at most 30 s: a broken run still ends); the transaction must commit.
std::thread hold_write_lock(core::Database& db, std::promise<void>& holding,
                            std::shared_future<void> release) {
  return std::thread([&db, &holding, release] {
    auto r = db.run([&](core::UnitOfWork& u) -> core::Status {
      auto batch = u.batches().create(new_batch(), t0());
      if (!batch) return std::unexpected(batch.error());
      holding.set_value();
      release.wait_for(std::chrono::seconds(30));
      return {};
    });
    EXPECT_TRUE(r.has_value()) << r.error().message;
  });
}

TEST(SqliteTransactions, AReadDoesNotWaitForAWriter) {
  TempDir dir;
  // A short busy timeout: a read queued behind the writer's lock would fail with DATABASE_BUSY.
  auto db = must(sqlite::SqliteDatabase::open({dir / "db.sqlite", 200, true}));
  add_listing(*db);
  std::promise<void> written;
  std::promise<void> read;
  // Holds the write lock until the read is done.
  std::thread writer = hold_write_lock(*db, written, read.get_future().share());
  written.get_future().wait();
  auto seen = db->transact([](core::UnitOfWork& u) { return u.batches().find_open(kListing); });
  read.set_value();
  writer.join();
  ASSERT_TRUE(seen.has_value()) << seen.error().message;
  EXPECT_FALSE(seen->has_value()) << "the read saw an uncommitted batch";
  auto after = must(
      db->transact([](core::UnitOfWork& u) { return u.batches().find_open(kListing); }), "find");
  EXPECT_TRUE(after.has_value()) << "the writer's batch was committed";
}

TEST(SqliteTransactions, AWriteAfterAStaleReadRunsAgainOnTheLatestRow) {
  TempDir dir;
  const auto path = dir / "db.sqlite";
  auto db = must(sqlite::SqliteDatabase::open({path, 5000, true}));
  // Another pool on the same file: its own connections, as another process would have.
  auto other = must(sqlite::SqliteDatabase::open({path, 200, true}));
  add_listing(*db);
  int runs = 0;
  auto r = db->transact([&](core::UnitOfWork& u) {
    ++runs;
    return open_unless_open(u, [&] {
      if (runs > 1) return;
      // Committed after this unit of work's snapshot, before its write.
      must(other->transact(
               [](core::UnitOfWork& o) { return o.batches().create(new_batch(), t0()); }),
           "the other connection's batch");
    });
  });
  EXPECT_EQ(runs, 2);
  ASSERT_TRUE(fails_with(r, ErrorCode::kOpenBatchExists));
  // The second run read the other connection's batch (the unique index did not decide).
  EXPECT_EQ(r.error().message, "decided on the row it read");
  EXPECT_TRUE(db->check_integrity().has_value());
}

TEST(SqliteTransactions, AWriteAfterAFreshReadCommitsInOneRun) {
  TempDir dir;
  auto db = must(sqlite::SqliteDatabase::open({dir / "db.sqlite", 5000, true}));
  add_listing(*db);
  int runs = 0;
  auto r = db->transact([&](core::UnitOfWork& u) {
    ++runs;
    return open_unless_open(u);
  });
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(runs, 1);
  auto open = must(
      db->transact([](core::UnitOfWork& u) { return u.batches().find_open(kListing); }), "find");
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->id, r->id);
}

TEST(SqliteTransactions, AWriterQueuedBehindAnotherRunsAfterItsCommitOnItsRow) {
  TempDir dir;
  auto db = must(sqlite::SqliteDatabase::open({dir / "db.sqlite", 60000, true}));
  add_listing(*db);
  std::promise<void> holding;
  std::promise<void> go;
  std::thread first = hold_write_lock(*db, holding, go.get_future().share());
  holding.get_future().wait();
  int runs = 0;
  auto second = std::async(std::launch::async, [&] {
    return db->transact([&](core::UnitOfWork& u) {
      ++runs;
      return open_unless_open(u);
    });
  });
  // The second writer is queued on the lock (its first run read no batch and could not upgrade).
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  go.set_value();
  first.join();
  auto r = second.get();
  EXPECT_EQ(runs, 2);
  ASSERT_TRUE(fails_with(r, ErrorCode::kOpenBatchExists));
  EXPECT_EQ(r.error().message, "decided on the row it read");
}

TEST(SqliteTransactions, AWriterGivesUpAtTheBusyTimeout) {
  TempDir dir;
  const auto path = dir / "db.sqlite";
  auto db = must(sqlite::SqliteDatabase::open({path, 200, true}));
  // Another pool on the same file holds the lock, as another process would: it never wakes us.
  auto other = must(sqlite::SqliteDatabase::open({path, 5000, true}));
  add_listing(*db);
  std::promise<void> holding;
  std::promise<void> done;
  std::thread holder = hold_write_lock(*other, holding, done.get_future().share());
  holding.get_future().wait();
  const auto start = std::chrono::steady_clock::now();
  auto r = db->transact([](core::UnitOfWork& u) { return u.batches().create(new_batch(), t0()); });
  const auto waited = std::chrono::steady_clock::now() - start;
  done.set_value();
  holder.join();
  EXPECT_TRUE(fails_with(r, ErrorCode::kDatabaseBusy));
  EXPECT_GE(waited, std::chrono::milliseconds(200));
}

TEST(SqliteLockReleases, AWaitEndsWhenAWriteTransactionEnds) {
  sqlite::LockReleases releases;
  const auto start = std::chrono::steady_clock::now();
  auto waiter =
      std::async(std::launch::async, [&] { releases.wait(std::chrono::microseconds(60'000'000)); });
  // A release before the wait began is not seen: release until the waiter returns.
  while (waiter.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) {
    releases.released();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST(SqliteLockReleases, AWaitWithoutAReleaseEndsAtItsBound) {
  sqlite::LockReleases releases;
  const auto start = std::chrono::steady_clock::now();
  releases.wait(std::chrono::microseconds(20'000));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(20));
}

}  // namespace
}  // namespace toq::testing
