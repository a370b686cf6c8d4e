#include "adapter/mysql/mysql_database.hpp"

#include <exception>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "adapter/mysql/mysql_asset_repository.hpp"
#include "adapter/mysql/mysql_batch_repository.hpp"
#include "adapter/mysql/mysql_execution_start_repository.hpp"
#include "adapter/mysql/mysql_job_repository.hpp"
#include "adapter/mysql/mysql_listing_repository.hpp"
#include "adapter/mysql/mysql_outbox_repository.hpp"
#include "adapter/mysql/mysql_work_item_repository.hpp"
#include "adapter/sql/unit_of_work.hpp"

namespace toq::mysql {

using core::ErrorCode;

namespace {

using MysqlUnitOfWork =
    sql::RepositoriesOn<Connection, MysqlListingRepository, MysqlBatchRepository,
                        MysqlAssetRepository, MysqlJobRepository, MysqlOutboxRepository,
                        MysqlExecutionStartRepository, MysqlWorkItemRepository>;

// 5, 10, 20 ... ms (capped at 320), with jitter so that the losers of a deadlock do not meet again.
void back_off(int attempt) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  const int base = 5 << std::min(attempt, 6);
  std::this_thread::sleep_for(
      std::chrono::milliseconds(std::uniform_int_distribution<int>(base / 2, base)(rng)));
}

Status run_work(Connection& conn, const std::function<Status(core::UnitOfWork&)>& work) {
  try {
    MysqlUnitOfWork uow(conn);
    return work(uow);
  } catch (const std::exception& e) {
    return core::fail(ErrorCode::kInternal,
                      fmt::format("exception inside a transaction: {}", e.what()));
  } catch (...) {
    return core::fail(ErrorCode::kInternal, "unknown exception inside a transaction");
  }
}

}  // namespace

Result<std::unique_ptr<MysqlDatabase>> MysqlDatabase::open(const MysqlOptions& options) {
  std::unique_ptr<MysqlDatabase> db(new MysqlDatabase(options));
  auto conn = db->acquire();
  if (!conn) return std::unexpected(conn.error());
  auto version = schema_version(**conn);
  if (!version) return std::unexpected(version.error());
  if (*version > latest_schema_version() || options.auto_migrate) {
    auto report = migrate(**conn);
    if (!report) return std::unexpected(report.error());
  } else if (*version < latest_schema_version()) {
    return core::fail(ErrorCode::kDatabaseError,
                      fmt::format("MySQL database '{}' is at schema version {}, this toq-media "
                                  "needs {}",
                                  options.connection.database, *version, latest_schema_version()),
                      {}, "Run `toq-media migrate` first.");
  }
  db->release(std::move(*conn));
  return db;
}

Result<MigrationReport> MysqlDatabase::migrate_database(const MysqlOptions& options) {
  auto conn = Connection::open(options.connection);
  if (!conn) return std::unexpected(conn.error());
  return migrate(**conn);
}

MysqlDatabase::~MysqlDatabase() = default;

Result<std::unique_ptr<Connection>> MysqlDatabase::acquire() {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + options_.connection.read_timeout;
  for (;;) {
    while (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      // Idle too long, or idle since before a connection was seen lost: the server (or a proxy,
      // or a failover) may have closed this one too, so it answers a ping before it is used.
      const bool stale =
          std::chrono::steady_clock::now() - conn->last_used() > options_.health_check_after ||
          conn->last_used() <= lost_at_;
      if (!stale) return conn;
      lock.unlock();
      const bool alive = conn->ping();
      lock.lock();
      if (alive) return conn;
      --open_;  // closed with `conn`
    }
    if (open_ < options_.pool_size) {
      ++open_;
      lock.unlock();
      auto conn = Connection::open(options_.connection);
      if (!conn) discard();
      return conn;
    }
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.pool_size) {
      return core::fail(ErrorCode::kDatabaseBusy,
                        fmt::format("no free database connection within {} s (pool of {})",
                                    options_.connection.read_timeout.count(), options_.pool_size),
                        {}, "Try again in a moment; raise database.mysql.poolSize if it lasts.");
    }
  }
}

void MysqlDatabase::release(std::unique_ptr<Connection> conn) {
  if (conn->broken()) {
    conn.reset();
    {
      std::lock_guard lock(mutex_);
      lost_at_ = std::chrono::steady_clock::now();
    }
    discard();
    return;
  }
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(conn));
  }
  freed_.notify_one();
}

void MysqlDatabase::discard() {
  {
    std::lock_guard lock(mutex_);
    --open_;
  }
  freed_.notify_one();
}

Status MysqlDatabase::run(const std::function<Status(core::UnitOfWork&)>& work) {
  bool reconnected = false;
  for (int attempt = 1;; ++attempt) {
    auto acquired = acquire();
    if (!acquired) return std::unexpected(acquired.error());
    auto conn = std::move(*acquired);
    conn->clear_transaction_state();
    Status result = run_work(*conn, work);

    if (conn->broken()) {
      // The server rolled the transaction back when the connection dropped: nothing was kept.
      release(std::move(conn));
      if (!reconnected) {
        reconnected = true;
        continue;
      }
      if (result) {
        return core::fail(ErrorCode::kDatabaseUnavailable,
                          "the database connection was lost during the transaction");
      }
      return result;
    }
    if (conn->transaction_aborted()) {
      // Deadlock or lock-wait timeout: whatever `work` made of it, nothing of it may commit.
      const auto error = result ? core::make_error(ErrorCode::kDatabaseBusy,
                                                   "the transaction was aborted by the server")
                                : result.error();
      (void)conn->rollback();
      release(std::move(conn));
      if (attempt >= options_.max_attempts) {
        auto err = error;
        err.code = ErrorCode::kDatabaseBusy;
        err.message = fmt::format("gave up after {} attempts: {}", attempt, err.message);
        err.hint = "Try again in a moment.";
        return std::unexpected(std::move(err));
      }
      back_off(attempt);
      continue;
    }
    if (result) {
      if (auto committed = conn->commit(); !committed) {
        result = committed;
        if (conn->broken()) {
          result.error().message += " (while committing: the transaction may have committed)";
        } else if (conn->transaction_aborted() && attempt < options_.max_attempts) {
          (void)conn->rollback();
          release(std::move(conn));
          back_off(attempt);
          continue;
        }
      }
    }
    if (!result && !conn->broken()) (void)conn->rollback();
    release(std::move(conn));
    return result;
  }
}

Status MysqlDatabase::check() {
  auto conn = acquire();
  if (!conn) return std::unexpected(conn.error());
  const bool alive = (*conn)->ping();
  auto error = alive ? Status{}
                     : core::fail(ErrorCode::kDatabaseUnavailable, "the database does not answer");
  release(std::move(*conn));
  return error;
}

int MysqlDatabase::open_connections() {
  std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace toq::mysql
