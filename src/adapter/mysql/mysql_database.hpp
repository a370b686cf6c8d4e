#pragma once
// The MySQL / MariaDB adapter of the Database port (README.md beside this file lists where the
// two servers differ and how this adapter deals with it).
//
// - A pool of at most pool_size connections, opened on demand. A connection idle for longer than
//   health_check_after, or idle since before another connection was found lost, answers a ping
//   before it is handed out; one that fails it, or that lost its server during a unit of work, is
//   closed and replaced by a new one: after a server restart, a failover or sessions killed by
//   the server the pool recovers by itself, without a restart of this process, and the rerun
//   after a lost connection never lands on another dead one.
// - run(work): one transaction on one connection, READ COMMITTED. A deadlock (1213) or lock-wait
//   timeout (1205) aborts the transaction; it is rolled back and `work` runs again from the start,
//   at most max_attempts times with a short jittered backoff, then DATABASE_BUSY. A connection
//   lost before COMMIT was sent is a rolled-back transaction too: `work` runs again once on a new
//   connection; when none can be had, DATABASE_UNAVAILABLE. A connection lost while COMMIT was in
//   flight is DATABASE_UNAVAILABLE without a retry (the commit may or may not have happened).
// - Waiting for a free connection is bounded by read_timeout (then DATABASE_BUSY); every network
//   wait by connect_timeout / read_timeout / write_timeout: a call never hangs.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "core/port/database.hpp"

#include "adapter/mysql/connection.hpp"
#include "adapter/mysql/migrations.hpp"

namespace toq::mysql {

struct MysqlOptions {
  ConnectOptions connection;
  int pool_size = 16;
  int max_attempts = 8;  // runs of one unit of work through deadlocks and lock-wait timeouts
  std::chrono::milliseconds health_check_after{5000};
  // Apply pending migrations on open. When false, a database behind this binary's schema is
  // refused with a hint to run `toq-media migrate`.
  bool auto_migrate = true;
};

class MysqlDatabase final : public core::Database {
 public:
  // Connects (one connection, kept in the pool) and checks or applies the schema.
  // DATABASE_UNAVAILABLE when the server cannot be reached; DATABASE_ERROR for credentials or an
  // unknown database; SCHEMA_TOO_NEW when a newer toq-media migrated it.
  static Result<std::unique_ptr<MysqlDatabase>> open(const MysqlOptions& options);
  // Applies every pending migration (`toq-media migrate`).
  static Result<MigrationReport> migrate_database(const MysqlOptions& options);

  Status run(const std::function<Status(core::UnitOfWork&)>& work) override;

  // A connection that answers a ping (readiness).
  Status check();
  // Connections open now (in use and idle), for tests of the pool.
  int open_connections();

  ~MysqlDatabase() override;

 private:
  explicit MysqlDatabase(MysqlOptions options) : options_(std::move(options)) {}
  Result<std::unique_ptr<Connection>> acquire();
  void release(std::unique_ptr<Connection> conn);
  void discard();

  MysqlOptions options_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // connections in use or idle
  // When a connection was last found lost: idle ones used before then are pinged before reuse.
  std::chrono::steady_clock::time_point lost_at_{};
};

}  // namespace toq::mysql
