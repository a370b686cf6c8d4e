#pragma once
// RAII over sqlite3 and sqlite3_stmt, with errors turned into toq::core::Error at this boundary:
// SQLITE_BUSY / LOCKED -> DATABASE_BUSY, SQLITE_FULL -> INSUFFICIENT_STORAGE, SQLITE_IOERR (the
// disk failed: EIO) -> DATABASE_UNAVAILABLE, anything else -> DATABASE_ERROR; the message carries
// SQLite's own text for the log.
// A Connection is used by one thread at a time (the pool in SqliteDatabase hands it out).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <sqlite3.h>

#include "core/model/error.hpp"

namespace toq::sqlite {

using core::Error;
using core::Result;
using core::Status;

// The write transactions of one process ending, as a count its waiting writers can wait on:
// SQLite's own busy handler sleeps 1, 2, 5, 10 ... 100 ms between tries of a lock, so a writer
// queued behind a commit of the same process slept on long after the lock was free.
class LockReleases {
 public:
  // A write transaction of this process committed or rolled back: wakes every waiter.
  void released();
  // Waits until released() is called or `most` has passed, whichever is first. A release just
  // before the wait began is not seen: `most` bounds what that costs (and how long a writer
  // waits for another process, which does not call released()).
  void wait(std::chrono::microseconds most);

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t count_ = 0;
};

struct ConnectionOptions {
  std::filesystem::path path;
  int busy_timeout_ms = 5000;
};

class Statement;

class Connection {
 public:
  // Opens (creating if needed) the database file, with WAL, synchronous=FULL, foreign keys on and
  // the busy timeout set. The file and its -wal and -shm are the owner's alone (0600): a new file
  // is created so, SQLite gives its -wal and -shm the database file's mode, and a file an older
  // toq-media left readable to others is narrowed. DATABASE_ERROR when the file cannot be opened
  // or its mode set.
  // With `releases`, a statement that finds the database locked waits on it (up to 2 ms a time,
  // within busy_timeout_ms in all) instead of SQLite's sleeps.
  static Result<std::unique_ptr<Connection>> open(const ConnectionOptions& options,
                                                  std::shared_ptr<LockReleases> releases = {});

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements that return no rows.
  Status exec(std::string_view sql);
  // A prepared statement from this connection's cache, reset and with bindings cleared.
  Result<Statement> prepare(std::string_view sql);

  std::int64_t last_insert_rowid() const;
  int changes() const;
  int extended_errcode() const;
  // DATABASE_BUSY for SQLITE_BUSY/LOCKED, DATABASE_ERROR otherwise; names `what` and sqlite's text.
  Error error(std::string_view what, int rc) const;
  sqlite3* handle() const { return db_.get(); }

 private:
  struct DbCloser {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
  };
  explicit Connection(sqlite3* db) : db_(db) {}
  // sqlite3_busy_handler's callback when open() was given releases.
  static int wait_for_lock(void* self, int tries);

  std::unique_ptr<sqlite3, DbCloser> db_;
  std::shared_ptr<LockReleases> releases_;
  std::chrono::milliseconds busy_timeout_{0};
  std::chrono::steady_clock::time_point busy_since_;
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, StmtFinalizer>> cache_;
};

// A borrowed, cached statement; resets itself when it goes out of scope. Bind indexes are 1-based.
class Statement {
 public:
  Statement(Connection& conn, sqlite3_stmt* stmt) : conn_(&conn), stmt_(stmt) {}
  Statement(Statement&& other) noexcept
      : conn_(other.conn_), stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::int32_t value) { return bind(index, std::int64_t{value}); }
  Statement& bind(int index, bool value) { return bind(index, std::int64_t{value ? 1 : 0}); }
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const std::string& value) {
    return bind(index, std::string_view(value));
  }
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind_null(int index);
  template <class T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }
  // Binds the arguments to ?1, ?2, ... in order.
  template <class... Args>
  Statement& bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }

  // true when a row is available, false when done; the error carries sqlite's message.
  Result<bool> step();
  // Steps to completion, ignoring rows.
  Status run();

  bool is_null(int col) const;
  std::int64_t int64(int col) const;
  std::int32_t int32(int col) const;
  std::string text(int col) const;
  std::optional<std::int64_t> opt_int64(int col) const;
  std::optional<std::string> opt_text(int col) const;

 private:
  Connection* conn_;
  sqlite3_stmt* stmt_;
};

}  // namespace toq::sqlite
