#pragma once
// RAII over MariaDB Connector/C (MYSQL, MYSQL_STMT, MYSQL_RES), with every library failure turned
// into a toq::core::Error here. Every statement is a prepared statement: values travel as bound
// parameters, never inside the SQL text. A Connection is used by one thread at a time (the pool
// in MysqlDatabase hands it out).
//
// A connection runs with autocommit off, READ COMMITTED, utf8mb4, a strict sql_mode and
// CLIENT_FOUND_ROWS (affected rows = rows matched, so a compare-and-set that rewrites equal
// values still counts). Failures are classified as they happen:
// - the server is gone (refused, lost, killed, shut down, a read or write timeout): the
//   connection is marked broken and never reused; DATABASE_UNAVAILABLE;
// - a deadlock (1213) or lock-wait timeout (1205): the transaction is marked aborted (InnoDB rolled
//   back all of it, or the statement); DATABASE_BUSY, and MysqlDatabase retries the whole unit;
// - anything else: DATABASE_ERROR naming the statement and the server's message.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <mysql.h>

#include "core/model/error.hpp"

namespace toq::mysql {

using core::Error;
using core::Result;
using core::Status;

struct ConnectOptions {
  std::string host;  // TCP host; ignored when socket is set
  int port = 3306;
  std::string user;
  std::string password;
  std::string database;
  std::string socket;  // Unix socket path; set = connect through it
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};
  int lock_wait_timeout_seconds = 10;  // innodb_lock_wait_timeout: below read_timeout
};

// What a server error means for the caller, from its error number.
enum class ErrorKind : std::uint8_t {
  kOther,
  kDuplicateKey,  // 1062
  kForeignKey,    // 1452, 1216: the referenced row does not exist
  kRetryable,     // 1213 deadlock, 1205 lock-wait timeout, 1317 KILL QUERY, 1969/3024 statement
                  // time limit: retry the whole transaction
  kGone,          // the server is unreachable or the connection was lost
};
ErrorKind classify(unsigned error_number);

class Connection;

// Rows of a result, fetched whole (results here are small). Values are text as the server sent
// them (numbers in decimal); NULL is nullopt. The accessors are those of sql/row_mapping.hpp.
class Rows {
 public:
  std::size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  // The current row (0 first); next() moves on, false past the last.
  bool next() { return ++current_ < rows_.size(); }
  void rewind() { current_ = 0; }

  bool is_null(int col) const { return !cell(col).has_value(); }
  std::int64_t int64(int col) const;
  std::int32_t int32(int col) const { return static_cast<std::int32_t>(int64(col)); }
  std::string text(int col) const { return cell(col).value_or(std::string()); }
  std::optional<std::int64_t> opt_int64(int col) const;
  std::optional<std::string> opt_text(int col) const { return cell(col); }

 private:
  friend class Statement;
  const std::optional<std::string>& cell(int col) const {
    return rows_.at(current_).at(static_cast<std::size_t>(col));
  }
  std::vector<std::vector<std::optional<std::string>>> rows_;
  std::size_t current_ = 0;
};

// A borrowed, cached prepared statement. Parameters are bound in the order of the `?` marks.
class Statement {
 public:
  Statement(Connection& conn, MYSQL_STMT* stmt, std::string_view sql)
      : conn_(&conn), stmt_(stmt), sql_(sql) {}

  Statement& bind(std::int64_t value);
  Statement& bind(std::int32_t value) { return bind(std::int64_t{value}); }
  Statement& bind(bool value) { return bind(std::int64_t{value ? 1 : 0}); }
  Statement& bind(std::string_view value);
  Statement& bind(const std::string& value) { return bind(std::string_view(value)); }
  Statement& bind(const char* value) { return bind(std::string_view(value)); }
  Statement& bind_null();
  template <class T>
  Statement& bind(const std::optional<T>& value) {
    return value ? bind(*value) : bind_null();
  }
  template <class... Args>
  Statement& bind_all(const Args&... args) {
    (bind(args), ...);
    return *this;
  }

  // Executes a statement that returns no rows; the rows it matched (CLIENT_FOUND_ROWS).
  Result<std::uint64_t> run();
  // Executes a query and fetches every row.
  Result<Rows> query();
  // The AUTO_INCREMENT id of the row the last run() inserted.
  std::int64_t insert_id() const;

 private:
  struct Param {
    enum class Kind : std::uint8_t { kNull, kInt, kText } kind = Kind::kNull;
    long long number = 0;
    std::string text;
    unsigned long length = 0;
  };
  Status execute();

  Connection* conn_;
  MYSQL_STMT* stmt_;
  std::string_view sql_;
  std::vector<Param> params_;
};

class Connection {
 public:
  // Connects and sets up the session. DATABASE_UNAVAILABLE when the server cannot be reached
  // within connect_timeout; DATABASE_ERROR for refused credentials, an unknown database or a
  // server too old (MariaDB < 10.6, MySQL < 8.0.16: no SKIP LOCKED or no enforced CHECK).
  static Result<std::unique_ptr<Connection>> open(const ConnectOptions& options);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // A prepared statement from this connection's cache.
  Result<Statement> prepare(std::string_view sql);
  // Prepares and runs a statement without parameters or rows (DDL, SET).
  Status execute(std::string_view sql);

  Status commit();
  Status rollback();
  // A round trip to the server; false (and broken) when it does not answer.
  bool ping();

  // The server's error number of the last failure (0 when none), and its kind.
  unsigned last_error_number() const { return last_errno_; }
  ErrorKind last_error_kind() const { return classify(last_errno_); }
  // The connection was lost: never hand it out again.
  bool broken() const { return broken_; }
  // The server aborted the current transaction (deadlock, lock-wait timeout): it must not be
  // committed; MysqlDatabase rolls back and runs the unit again.
  bool transaction_aborted() const { return aborted_; }
  void clear_transaction_state() { aborted_ = false; }

  std::chrono::steady_clock::time_point last_used() const { return last_used_; }
  void touch() { last_used_ = std::chrono::steady_clock::now(); }

  // Records a failure of the library (mysql_errno / mysql_stmt_errno) and builds its Error.
  Error fail(std::string_view what, unsigned error_number, std::string_view message);

 private:
  friend class Statement;
  struct MysqlCloser {
    void operator()(MYSQL* m) const noexcept { mysql_close(m); }
  };
  struct StmtCloser {
    void operator()(MYSQL_STMT* s) const noexcept { mysql_stmt_close(s); }
  };
  explicit Connection(MYSQL* handle) : handle_(handle) {}
  Error from_handle(std::string_view what);

  std::unique_ptr<MYSQL, MysqlCloser> handle_;
  std::unordered_map<std::string, std::unique_ptr<MYSQL_STMT, StmtCloser>> cache_;
  unsigned last_errno_ = 0;
  bool broken_ = false;
  bool aborted_ = false;
  std::chrono::steady_clock::time_point last_used_ = std::chrono::steady_clock::now();
};

}  // namespace toq::mysql
