#include "adapter/sqlite/sqlite_database.hpp"

#include <exception>
#include <system_error>

#include <fmt/format.h>

#include "adapter/sql/unit_of_work.hpp"
#include "adapter/sqlite/migrations.hpp"
#include "adapter/sqlite/sqlite_asset_repository.hpp"
#include "adapter/sqlite/sqlite_batch_repository.hpp"
#include "adapter/sqlite/sqlite_execution_start_repository.hpp"
#include "adapter/sqlite/sqlite_job_repository.hpp"
#include "adapter/sqlite/sqlite_listing_repository.hpp"
#include "adapter/sqlite/sqlite_outbox_repository.hpp"
#include "adapter/sqlite/sqlite_work_item_repository.hpp"

namespace toq::sqlite {

using core::ErrorCode;

namespace {

using SqliteUnitOfWork =
    sql::RepositoriesOn<Connection, SqliteListingRepository, SqliteBatchRepository,
                        SqliteAssetRepository, SqliteJobRepository, SqliteOutboxRepository,
                        SqliteExecutionStartRepository, SqliteWorkItemRepository>;

// A connection whose transaction state is unknown (a failed ROLLBACK) is not put back in the pool.
bool in_transaction(const Connection& conn) {
  return sqlite3_get_autocommit(conn.handle()) == 0;
}

// BEGIN, COMMIT and ROLLBACK as statements from the connection's cache: sqlite3_exec would parse
// them again for every transaction.
Status run_cached(Connection& c, const char* sql) {
  auto statement = c.prepare(sql);
  if (!statement) return std::unexpected(statement.error());
  return statement->run();
}

// One try of SqliteDatabase::run's transaction on `c`, begun with `begin`: committed when `work`
// succeeds, rolled back otherwise. `state`: the transaction's sqlite3_txn_state when `work`
// returned (SQLITE_TXN_READ: it had read, and not written).
Status attempt(Connection& c, const char* begin,
               const std::function<Status(core::UnitOfWork&)>& work, LockReleases& releases,
               int& state) {
  if (auto begun = run_cached(c, begin); !begun) return begun;
  Status result;
  try {
    SqliteUnitOfWork uow(c);
    result = work(uow);
  } catch (const std::exception& e) {
    result = core::fail(ErrorCode::kInternal,
                        fmt::format("exception inside a transaction: {}", e.what()));
  } catch (...) {
    result = core::fail(ErrorCode::kInternal, "unknown exception inside a transaction");
  }
  state = sqlite3_txn_state(c.handle(), "main");
  if (result) {
    if (auto commit = run_cached(c, "COMMIT"); !commit) result = commit;
  }
  if (!result && in_transaction(c)) (void)run_cached(c, "ROLLBACK");
  if (state == SQLITE_TXN_WRITE) releases.released();
  return result;
}

}  // namespace

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::open(const SqliteOptions& options) {
  if (options.path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(options.path.parent_path(), ec);
    if (ec) {
      return core::fail(
          ErrorCode::kDatabaseError,
          fmt::format("cannot create {}: {}", options.path.parent_path().string(), ec.message()),
          {}, "Check the data directory's permissions.");
    }
  }
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(options));
  auto conn = db->acquire();
  if (!conn) return std::unexpected(conn.error());
  auto version = schema_version(**conn);
  if (!version) return std::unexpected(version.error());
  if (*version > latest_schema_version() || options.auto_migrate) {
    auto report = migrate(**conn);
    if (!report) return std::unexpected(report.error());
  } else if (*version < latest_schema_version()) {
    return core::fail(ErrorCode::kDatabaseError,
                      fmt::format("database {} is at schema version {}, this toq-media needs {}",
                                  options.path.string(), *version, latest_schema_version()),
                      {}, "Run `toq-media migrate` first.");
  }
  db->release(std::move(*conn));
  return db;
}

Result<MigrationReport> SqliteDatabase::migrate_file(const SqliteOptions& options) {
  SqliteOptions manual = options;
  manual.auto_migrate = false;
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(manual));
  if (options.path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(options.path.parent_path(), ec);
  }
  auto conn = db->acquire();
  if (!conn) return std::unexpected(conn.error());
  return migrate(**conn);
}

Result<std::unique_ptr<Connection>> SqliteDatabase::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
  }
  return Connection::open({options_.path, options_.busy_timeout_ms}, releases_);
}

void SqliteDatabase::release(std::unique_ptr<Connection> conn) {
  if (in_transaction(*conn)) return;  // closing it rolls back whatever is left
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(conn));
}

// Every transaction begins deferred. A pure read (the status, downloads and listing routes) then
// takes a WAL snapshot at its first read and never the write lock: readers wait neither for a
// writer nor for each other in SQLite's busy handler, which sleeps 1, 2, 5, 10 ... ms between
// tries. A transaction whose first statement writes takes the write lock there, waiting through
// the busy handler as BEGIN IMMEDIATE would. One that reads and then writes must upgrade its
// snapshot to the write lock, and SQLite refuses that at once instead of waiting (SQLITE_BUSY, or
// SQLITE_BUSY_SNAPSHOT when another connection committed since the snapshot: sqlite.org/wal.html,
// "Sometimes Queries Return SQLITE_BUSY In WAL Mode"): the work then runs again from the start
// under BEGIN IMMEDIATE, which holds the write lock before the first read. So a compare-and-set is
// always decided on the latest committed row, as with BEGIN IMMEDIATE alone.
Status SqliteDatabase::run(const std::function<Status(core::UnitOfWork&)>& work) {
  auto conn = acquire();
  if (!conn) return std::unexpected(conn.error());
  Connection& c = **conn;
  int state = SQLITE_TXN_NONE;
  Status result = attempt(c, "BEGIN", work, *releases_, state);
  // Busy with a snapshot and no write lock: an upgrade was refused. (A first statement that writes
  // has already waited out the busy timeout: its DATABASE_BUSY stands.)
  if (!result && result.error().code == ErrorCode::kDatabaseBusy && state == SQLITE_TXN_READ) {
    result = attempt(c, "BEGIN IMMEDIATE", work, *releases_, state);
  }
  release(std::move(*conn));
  return result;
}

Status SqliteDatabase::check_integrity() {
  auto conn = acquire();
  if (!conn) return std::unexpected(conn.error());
  std::string problems;
  {
    auto stmt = (*conn)->prepare("PRAGMA integrity_check");
    if (!stmt) return std::unexpected(stmt.error());
    while (true) {
      auto row = stmt->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      if (auto text = stmt->text(0); text != "ok") problems += text + "; ";
    }
  }
  {
    auto stmt = (*conn)->prepare("PRAGMA foreign_key_check");
    if (!stmt) return std::unexpected(stmt.error());
    while (true) {
      auto row = stmt->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      problems += fmt::format("foreign key broken in {} row {}; ", stmt->text(0), stmt->int64(1));
    }
  }
  release(std::move(*conn));
  if (problems.empty()) return {};
  return core::fail(ErrorCode::kDatabaseError, "integrity check failed: " + problems);
}

}  // namespace toq::sqlite
