// What the MySQL adapter's run() promises when the server interferes with one transaction
// (adapter/mysql/README.md, "Retries" and "Server gone"; the Database contract in
// core/port/database.hpp), on the real MariaDB of the `mariadb` fixture, one scratch database per
// test. A second connection of the test plays the other party: it holds a row lock past
// innodb_lock_wait_timeout, or KILLs the unit's connection (`KILL <id>`, as an operator or a
// proxy would) between two of its statements or just before its COMMIT.
//
// Every unit here inserts a listing numbered after its run, so a run whose writes were kept by
// mistake leaves its own row behind.

#include <barrier>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapter/mysql/connection.hpp"
#include "adapter/mysql/mysql_database.hpp"
#include "support/result_matchers.hpp"
#include "support/test_database.hpp"

namespace toq::testing {
namespace {

using core::ErrorCode;
using Clock = std::chrono::steady_clock;

core::Timestamp at(std::int64_t ms) {
  return core::Timestamp{std::chrono::milliseconds{ms}};
}

// A one-shot signal between the unit's thread and the test's.
class Latch {
 public:
  void open() {
    {
      std::lock_guard lock(m_);
      open_ = true;
    }
    cv_.notify_all();
  }
  bool wait(std::chrono::seconds within) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, within, [&] { return open_; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
};

class TransactionFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    auto options = scratch_.options();
    options.connection.lock_wait_timeout_seconds = 1;
    options.connection.read_timeout = std::chrono::seconds{10};
    options.pool_size = 1;  // the unit's connection is the only one on the scratch database
    db_ = must(mysql::MysqlDatabase::open(options), "open");
    other_ = must(mysql::Connection::open(scratch_.options().connection), "second connection");
    // A RUNNING job held by "w1": the row the units below write.
    job_ = must(db_->transact([&](core::UnitOfWork& u) -> core::Result<core::JobId> {
      auto l = u.listings().upsert(listing(1), at(1));
      if (!l) return std::unexpected(l.error());
      auto b = u.batches().create({core::ListingId{1}, "", core::UserId{7}, at(9)}, at(1));
      if (!b) return std::unexpected(b.error());
      auto j = u.jobs().create(b->id, at(1), "");
      if (!j) return std::unexpected(j.error());
      auto s = u.jobs().start(j->id, "w1", at(1000), at(2));
      if (!s) return std::unexpected(s.error());
      return s->id;
    }));
  }

  static core::Listing listing(std::int64_t id) {
    return {core::ListingId{id},
            core::UserId{1},
            std::nullopt,
            core::ListingKind::kResidential,
            "PENDING_PHOTO_PROCESSING",
            at(1)};
  }

  // The listings of `from`..`to` that exist, read on the test's own connection.
  std::vector<std::int64_t> listings_between(std::int64_t from, std::int64_t to) {
    auto stmt = must(
        other_->prepare("SELECT id FROM listings WHERE id BETWEEN ? AND ? ORDER BY id"), "prepare");
    stmt.bind_all(from, to);
    auto rows = must(stmt.query(), "listings");
    std::vector<std::int64_t> ids;
    if (!rows.empty()) {
      do ids.push_back(rows.int64(0));
      while (rows.next());
    }
    (void)other_->rollback();  // end the read's transaction: the next read sees new commits
    return ids;
  }

  std::int64_t lease_of_job() {
    auto stmt = must(other_->prepare("SELECT lease_expires_at FROM jobs WHERE id = ?"), "prepare");
    stmt.bind(job_.value);
    auto rows = must(stmt.query(), "job");
    (void)other_->rollback();
    return rows.int64(0);
  }

  // Whether the session runs a statement (the unit's, once it is past its first write: the
  // heartbeat waiting for the row the test holds). INNODB_TRX would need the PROCESS privilege.
  bool running_a_statement(std::int64_t session) {
    auto stmt = must(other_->prepare("SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                                     "WHERE ID = ? AND COMMAND IN ('Query', 'Execute')"),
                     "prepare");
    stmt.bind(session);
    auto rows = must(stmt.query(), "processlist");
    return rows.int64(0) > 0;
  }

  // The server's ids of the sessions on the scratch database besides the test's own.
  std::vector<std::int64_t> sessions_on_scratch() {
    auto stmt = must(other_->prepare("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? "
                                     "AND ID <> CONNECTION_ID()"),
                     "prepare");
    stmt.bind(scratch_.name());
    auto rows = must(stmt.query(), "processlist");
    (void)other_->rollback();
    std::vector<std::int64_t> ids;
    if (!rows.empty()) {
      do ids.push_back(rows.int64(0));
      while (rows.next());
    }
    return ids;
  }

  // The server's id of the unit's connection: the pool's only one.
  std::int64_t unit_connection_id() {
    const auto ids = sessions_on_scratch();
    EXPECT_EQ(ids.size(), 1U) << "sessions on " << scratch_.name();
    return ids.empty() ? 0 : ids.front();
  }

  void kill(std::int64_t connection_id) {
    // An id the server gave: formatted into KILL, which takes no parameter.
    must(other_->execute(fmt::format("KILL {}", connection_id)), "KILL");
  }

  // A thread that KILLs the unit's connection once `ready` opens, then opens `killed`.
  std::thread killer_of_the_unit(Latch& ready, Latch& killed) {
    return std::thread([this, &ready, &killed] {
      if (ready.wait(std::chrono::seconds{20})) {
        kill(unit_connection_id());
      } else {
        ADD_FAILURE() << "the unit never got there";
      }
      killed.open();
    });
  }

  ScratchMariaDb scratch_;
  std::unique_ptr<mysql::MysqlDatabase> db_;
  std::unique_ptr<mysql::Connection> other_;
  core::JobId job_{0};
};

// innodb_lock_wait_timeout (1 s here) on the job's row while another transaction holds it for
// 2.5 s. MariaDB rolls back only the waiting statement (innodb_rollback_on_timeout=OFF), and the
// unit swallows the error and returns success: the adapter still rolls the whole run back and
// runs the unit again, so only the run that got the lock leaves its listing and its lease.
TEST_F(TransactionFaults, LockWaitTimeoutSwallowedByTheUnitStillRerunsItAndKeepsOnlyTheLastRun) {
  auto hold = must(other_->prepare("UPDATE jobs SET attempt = attempt WHERE id = ?"), "prepare");
  hold.bind(job_.value);
  must(hold.run(), "lock the job's row");
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds{2500});
    (void)other_->rollback();
  });
  int runs = 0;
  int timed_out = 0;
  auto r = db_->run([&](core::UnitOfWork& u) -> core::Status {
    ++runs;
    if (auto l = u.listings().upsert(listing(100 + runs), at(3)); !l)
      return std::unexpected(l.error());
    auto h = u.jobs().heartbeat(job_, "w1", at(2000 + runs), at(3));
    if (!h && h.error().code == ErrorCode::kDatabaseBusy) ++timed_out;
    return {};  // whatever happened
  });
  release.join();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_GE(timed_out, 1) << "the lock was never waited for";
  EXPECT_EQ(runs, timed_out + 1);
  EXPECT_EQ(listings_between(101, 199), std::vector<std::int64_t>{100 + runs})
      << "a run that met the lock-wait timeout was committed";
  EXPECT_EQ(lease_of_job(), 2000 + runs);
}

// An operator's `KILL QUERY` stops the unit's statement while it waits for the job's row (a
// statement time limit ends the same way): the server rolls back that statement only. The unit
// swallows the 1317; the adapter rolls the whole run back and runs it again, so only the rerun is
// kept, where before the 1317 was a permanent DATABASE_ERROR (a 500) and nothing was retried.
TEST_F(TransactionFaults, QueryKilledWhileWaitingIsRolledBackAndRerun) {
  // Read before the lock is taken: reading it ends the test connection's transaction.
  const std::int64_t unit_id = unit_connection_id();
  auto hold = must(other_->prepare("UPDATE jobs SET attempt = attempt WHERE id = ?"), "prepare");
  hold.bind(job_.value);
  must(hold.run(), "lock the job's row");
  Latch waiting, killed;
  std::thread killer([&] {
    if (!waiting.wait(std::chrono::seconds{20})) ADD_FAILURE() << "the unit never got there";
    // Inside its 1 s lock wait.
    const auto until = Clock::now() + std::chrono::seconds{5};
    while (!running_a_statement(unit_id) && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    must(other_->execute(fmt::format("KILL QUERY {}", unit_id)), "KILL QUERY");
    (void)other_->rollback();  // the lock goes; the rerun gets the row
    killed.open();
  });
  int runs = 0;
  std::optional<core::ErrorCode> first_error;
  auto r = db_->run([&](core::UnitOfWork& u) -> core::Status {
    ++runs;
    if (auto l = u.listings().upsert(listing(700 + runs), at(3)); !l)
      return std::unexpected(l.error());
    if (runs == 1) waiting.open();
    auto h = u.jobs().heartbeat(job_, "w1", at(3000 + runs), at(3));
    if (!h && !first_error) first_error = h.error().code;
    if (runs == 1) (void)killed.wait(std::chrono::seconds{20});
    return {};  // whatever happened
  });
  killer.join();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(first_error.has_value()) << "the first run's statement was not stopped";
  EXPECT_EQ(*first_error, ErrorCode::kDatabaseBusy);
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(listings_between(701, 799), std::vector<std::int64_t>{700 + runs})
      << "the run whose statement was killed was committed";
  EXPECT_EQ(lease_of_job(), 3000 + runs);
}

// A real deadlock: the unit holds the job's row and waits for a listing the other transaction
// holds, which then asks for the job's row. InnoDB rolls back the lighter one, the unit (the
// other wrote 50 rows), and the unit swallows the 1213. Nothing of its first run is kept; it
// runs again after the other committed, and both transactions' writes are there.
TEST_F(TransactionFaults, DeadlockVictimSwallowingTheErrorIsRolledBackAndRerun) {
  Latch other_holds, unit_holds;
  std::optional<core::Status> other_done;
  std::thread other([&] {
    for (std::int64_t id = 600; id < 650; ++id) {
      auto ins = must(other_->prepare("INSERT INTO listings (id, owner_id, photographer_id, kind, "
                                      "status, updated_at) VALUES (?, 1, NULL, 'RESIDENTIAL', "
                                      "'PENDING_PHOTO_PROCESSING', 1)"),
                      "prepare");
      ins.bind(id);
      must(ins.run(), "insert");
    }
    auto lock_listing =
        must(other_->prepare("UPDATE listings SET status = status WHERE id = 1"), "prepare");
    must(lock_listing.run(), "lock listing 1");
    other_holds.open();
    EXPECT_TRUE(unit_holds.wait(std::chrono::seconds{20}));
    std::this_thread::sleep_for(std::chrono::milliseconds{300});  // the unit waits on listing 1
    auto lock_job =
        must(other_->prepare("UPDATE jobs SET attempt = attempt WHERE id = ?"), "prepare");
    lock_job.bind(job_.value);
    auto locked = lock_job.run();
    other_done = locked ? other_->commit() : core::Status(std::unexpected(locked.error()));
    if (!*other_done) (void)other_->rollback();
  });
  ASSERT_TRUE(other_holds.wait(std::chrono::seconds{20}));
  int runs = 0;
  int deadlocked = 0;
  auto r = db_->run([&](core::UnitOfWork& u) -> core::Status {
    ++runs;
    if (auto l = u.listings().upsert(listing(500 + runs), at(3)); !l) {
      return std::unexpected(l.error());
    }
    if (auto h = u.jobs().heartbeat(job_, "w1", at(4000 + runs), at(3)); !h) {
      return std::unexpected(h.error());
    }
    if (runs == 1) unit_holds.open();
    auto l = u.listings().upsert(listing(1), at(5));
    if (!l && l.error().code == ErrorCode::kDatabaseBusy) ++deadlocked;
    return {};  // whatever happened
  });
  other.join();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(other_done.has_value());
  ASSERT_TRUE(other_done->has_value())
      << "InnoDB chose the other transaction as the victim: " << other_done->error().message;
  EXPECT_EQ(deadlocked, 1);
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(listings_between(501, 599), std::vector<std::int64_t>{502})
      << "the deadlock victim's first run was committed";
  EXPECT_EQ(listings_between(600, 649).size(), 50U);
  EXPECT_EQ(lease_of_job(), 4002);
}

// The unit's connection is KILLed between two of its statements. The server rolls its
// transaction back; the adapter sees the connection gone and runs the unit once more on a new
// one: the first run's insert is not kept, the second run's writes are, and the pool goes on.
TEST_F(TransactionFaults, ConnectionKilledMidUnitRerunsItOnANewConnectionKeepingOnlyTheRerun) {
  Latch first_wrote, killed;
  std::thread killer = killer_of_the_unit(first_wrote, killed);
  int runs = 0;
  std::optional<ErrorCode> first_heartbeat;
  auto r = db_->run([&](core::UnitOfWork& u) -> core::Status {
    ++runs;
    if (auto l = u.listings().upsert(listing(200 + runs), at(3)); !l) {
      return std::unexpected(l.error());
    }
    if (runs == 1) {
      first_wrote.open();
      killed.wait(std::chrono::seconds{20});
    }
    auto h = u.jobs().heartbeat(job_, "w1", at(3000 + runs), at(3));
    if (!h) {
      if (runs == 1) first_heartbeat = h.error().code;
      return std::unexpected(h.error());
    }
    return {};
  });
  killer.join();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(first_heartbeat, ErrorCode::kDatabaseUnavailable);
  EXPECT_EQ(listings_between(201, 299), std::vector<std::int64_t>{202});
  EXPECT_EQ(lease_of_job(), 3002);
  // The same MysqlDatabase writes on.
  EXPECT_TRUE(db_->run([&](core::UnitOfWork& u) -> core::Status {
                   auto l = u.listings().upsert(listing(299), at(4));
                   if (!l) return std::unexpected(l.error());
                   return {};
                 })
                  .has_value());
}

// Killed after the unit's last statement, before its COMMIT reached the server: the adapter
// cannot tell this from a COMMIT lost on the way back, so it answers DATABASE_UNAVAILABLE saying
// the transaction may have committed, and does not run the unit again (a caller that retries
// must be idempotent). The server rolled it back: nothing of it is kept.
TEST_F(TransactionFaults, ConnectionKilledBeforeCommitIsUnavailableInDoubtAndNotRerun) {
  Latch wrote, killed;
  std::thread killer = killer_of_the_unit(wrote, killed);
  int runs = 0;
  auto r = db_->run([&](core::UnitOfWork& u) -> core::Status {
    ++runs;
    if (auto l = u.listings().upsert(listing(300 + runs), at(3)); !l) {
      return std::unexpected(l.error());
    }
    wrote.open();
    killed.wait(std::chrono::seconds{20});
    return {};
  });
  killer.join();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDatabaseUnavailable) << r.error().message;
  EXPECT_NE(r.error().message.find("may have committed"), std::string::npos) << r.error().message;
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(listings_between(301, 399).empty());
}

// Every pooled connection is KILLed while idle (a failover, a proxy or an operator closing the
// sessions): the pool cannot know until it uses one. The first unit after that meets a dead
// connection, and its rerun must run on a live one (the header's "runs again once on a new
// connection"), not on the next dead connection of the pool: the server answers, so the unit
// succeeds.
TEST_F(TransactionFaults, EveryIdleConnectionKilledTheNextUnitStillSucceedsOnItsRerun) {
  auto options = scratch_.options();
  options.pool_size = 3;
  auto db = must(mysql::MysqlDatabase::open(options), "open");
  {
    // Three units at once: the pool opens three connections, idle afterwards.
    std::barrier all_in(3);
    std::vector<std::thread> units;
    for (int i = 0; i < 3; ++i) {
      units.emplace_back([&, i] {
        EXPECT_TRUE(db->run([&](core::UnitOfWork& u) -> core::Status {
                        auto l = u.listings().upsert(listing(400 + i), at(3));
                        all_in.arrive_and_wait();
                        if (!l) return std::unexpected(l.error());
                        return {};
                      }).has_value());
      });
    }
    for (auto& t : units) t.join();
  }
  ASSERT_EQ(db->open_connections(), 3);
  const auto sessions = sessions_on_scratch();
  // The fixture's own database holds one more idle connection on the same scratch database.
  ASSERT_EQ(sessions.size(), 4U);
  for (const auto id : sessions) kill(id);

  int runs = 0;
  auto r = db->run([&](core::UnitOfWork& u) -> core::Status {
    ++runs;
    auto l = u.listings().upsert(listing(410), at(4));
    if (!l) return std::unexpected(l.error());
    return {};
  });
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(listings_between(410, 410), std::vector<std::int64_t>{410});
}

}  // namespace
}  // namespace toq::testing
