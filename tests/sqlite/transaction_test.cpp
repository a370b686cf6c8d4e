// SqliteDatabase's transactions (sqlite_database.cpp): a pure read works on a snapshot and does not
// wait for a writer; a unit of work that read and then writes after another connection committed
// runs again under the write lock, and decides on the latest committed row.

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

TEST(SqliteTransactions, AReadDoesNotWaitForAWriter) {
  TempDir dir;
  // A short busy timeout: a read queued behind the writer's lock would fail with DATABASE_BUSY.
  auto db = must(sqlite::SqliteDatabase::open({dir / "db.sqlite", 200, true}));
  add_listing(*db);
  std::promise<void> written;
  std::promise<void> read;
  auto read_done = read.get_future();
  std::thread writer([&] {
    auto r = db->run([&](core::UnitOfWork& u) -> core::Status {
      auto batch = u.batches().create(new_batch(), t0());
      if (!batch) return std::unexpected(batch.error());
      written.set_value();
      // Holds the write lock until the read is done (the cap only keeps a broken run finite).
      read_done.wait_for(std::chrono::seconds(30));
      return {};
    });
    EXPECT_TRUE(r.has_value()) << r.error().message;
  });
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

}  // namespace
}  // namespace toq::testing
