#include "adapter/mysql/connection.hpp"

#include <charconv>
#include <mutex>

#include <errmsg.h>
#include <fmt/format.h>
#include <mysqld_error.h>

namespace toq::mysql {

using core::ErrorCode;

namespace {

// Connector/C needs its global state set up once, before threads use it.
void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

constexpr unsigned kConnectionKilled = 1927;  // MariaDB: ER_CONNECTION_KILLED
constexpr unsigned kClientTimeout = 4031;     // MySQL 8: ER_CLIENT_INTERACTION_TIMEOUT
constexpr unsigned kQueryTimeout = 3024;      // MySQL 8: ER_QUERY_TIMEOUT (max_execution_time)

// The session every connection runs in. Strict mode turns silent truncation into errors; the
// isolation level is set with the statement both servers accept (MariaDB 10.11 has no
// transaction_isolation variable, MySQL 8 no longer has tx_isolation).
constexpr std::string_view kSessionSetup[] = {
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY'",
};

}  // namespace

ErrorKind classify(unsigned error_number) {
  switch (error_number) {
    case ER_DUP_ENTRY: return ErrorKind::kDuplicateKey;
    case ER_NO_REFERENCED_ROW:
    case ER_NO_REFERENCED_ROW_2: return ErrorKind::kForeignKey;
    case ER_LOCK_DEADLOCK:
    case ER_LOCK_WAIT_TIMEOUT:
    // A statement stopped by `KILL QUERY` or by a statement time limit (MariaDB's
    // max_statement_time, MySQL's max_execution_time): the server rolled back that statement
    // only, and nothing is wrong with the request, so the whole unit is rolled back and run
    // again like after a lock-wait timeout, and is a 503 DATABASE_BUSY if it keeps happening.
    case ER_QUERY_INTERRUPTED:
    case ER_STATEMENT_TIMEOUT:
    case kQueryTimeout: return ErrorKind::kRetryable;
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case CR_UNKNOWN_HOST:
    case ER_SERVER_SHUTDOWN:
    case ER_CON_COUNT_ERROR:
    case kConnectionKilled:
    case kClientTimeout: return ErrorKind::kGone;
    default: return ErrorKind::kOther;
  }
}

std::int64_t Rows::int64(int col) const {
  return opt_int64(col).value_or(0);
}

std::optional<std::int64_t> Rows::opt_int64(int col) const {
  const auto& v = cell(col);
  if (!v) return std::nullopt;
  std::int64_t out = 0;
  std::from_chars(v->data(), v->data() + v->size(), out);
  return out;
}

Error Connection::fail(std::string_view what, unsigned error_number, std::string_view message) {
  last_errno_ = error_number;
  const auto kind = classify(error_number);
  if (kind == ErrorKind::kGone) broken_ = true;
  if (kind == ErrorKind::kRetryable) aborted_ = true;
  switch (kind) {
    case ErrorKind::kGone:
      return core::make_error(
          ErrorCode::kDatabaseUnavailable,
          fmt::format("MySQL {} failed: the server is unreachable ({}: {})", what, error_number,
                      message),
          {}, "Check that the database server is running and reachable; try again in a moment.");
    case ErrorKind::kRetryable:
      return core::make_error(ErrorCode::kDatabaseBusy,
                              fmt::format("MySQL {} failed: {} ({})", what, message, error_number),
                              {}, "Try again in a moment.");
    default:
      return core::make_error(ErrorCode::kDatabaseError,
                              fmt::format("MySQL {} failed: {} ({})", what, message, error_number));
  }
}

Error Connection::from_handle(std::string_view what) {
  return fail(what, mysql_errno(handle_.get()), mysql_error(handle_.get()));
}

Result<std::unique_ptr<Connection>> Connection::open(const ConnectOptions& options) {
  init_library();
  MYSQL* raw = mysql_init(nullptr);
  if (raw == nullptr) {
    return core::fail(ErrorCode::kInternal, "mysql_init failed: out of memory");
  }
  std::unique_ptr<Connection> conn(new Connection(raw));
  const auto seconds = [](std::chrono::seconds s) {
    return static_cast<unsigned>(std::max<std::int64_t>(1, s.count()));
  };
  const unsigned connect_timeout = seconds(options.connect_timeout);
  const unsigned read_timeout = seconds(options.read_timeout);
  const unsigned write_timeout = seconds(options.write_timeout);
  // An explicit protocol: the client library would otherwise take host "localhost" to mean the
  // default socket.
  const unsigned protocol = options.socket.empty() ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
  const my_bool no = 0;
  const unsigned no_infile = 0;
  mysql_options(raw, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_options(raw, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_options(raw, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_options(raw, MYSQL_OPT_PROTOCOL, &protocol);
  mysql_options(raw, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_options(raw, MYSQL_OPT_RECONNECT, &no);  // a silent reconnect would lose a transaction
  mysql_options(raw, MYSQL_OPT_LOCAL_INFILE, &no_infile);
  const char* host = options.socket.empty() ? options.host.c_str() : nullptr;
  const char* socket = options.socket.empty() ? nullptr : options.socket.c_str();
  if (mysql_real_connect(raw, host, options.user.c_str(), options.password.c_str(),
                         options.database.c_str(), static_cast<unsigned>(options.port), socket,
                         CLIENT_FOUND_ROWS) == nullptr) {
    const std::string where =
        options.socket.empty() ? fmt::format("{}:{}", options.host, options.port) : options.socket;
    auto err = conn->from_handle("connect");
    err.message = fmt::format("cannot connect to MySQL at {} as '{}' (database '{}'): {}", where,
                              options.user, options.database, mysql_error(raw));
    if (err.code == ErrorCode::kDatabaseUnavailable) {
      err.hint = fmt::format(
          "Check that the server runs and listens at {} (database.mysql.{}); the connection gave "
          "up after database.mysql.connectTimeoutSeconds ({} s).",
          where, options.socket.empty() ? "host / database.mysql.port" : "socket",
          options.connect_timeout.count());
    } else {
      err.hint =
          "Check database.mysql.user, database.mysql.password and database.mysql.database, and "
          "that the user may use that database.";
    }
    return std::unexpected(std::move(err));
  }
  const std::string_view info = mysql_get_server_info(raw);
  const unsigned long version = mysql_get_server_version(raw);
  const bool mariadb = info.find("MariaDB") != std::string_view::npos;
  if ((mariadb && version < 100600) || (!mariadb && version < 80016)) {
    return core::fail(ErrorCode::kDatabaseError,
                      fmt::format("the database server is {} {}: too old", info,
                                  mariadb ? "(MariaDB)" : "(MySQL)"),
                      {},
                      "toq-media needs MariaDB 10.6 or newer, or MySQL 8.0.16 or newer (SKIP "
                      "LOCKED and enforced CHECK constraints).");
  }
  if (mysql_autocommit(raw, 0) != 0) return std::unexpected(conn->from_handle("autocommit off"));
  for (const auto sql : kSessionSetup) {
    if (auto s = conn->execute(sql); !s) return std::unexpected(s.error());
  }
  auto lock_wait = conn->prepare("SET SESSION innodb_lock_wait_timeout = ?");
  if (!lock_wait) return std::unexpected(lock_wait.error());
  lock_wait->bind(std::int64_t{options.lock_wait_timeout_seconds});
  if (auto r = lock_wait->run(); !r) return std::unexpected(r.error());
  return conn;
}

Connection::~Connection() {
  cache_.clear();  // statements are closed before their connection
}

Result<Statement> Connection::prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    MYSQL_STMT* raw = mysql_stmt_init(handle_.get());
    if (raw == nullptr) return std::unexpected(from_handle("prepare"));
    std::unique_ptr<MYSQL_STMT, StmtCloser> stmt(raw);
    if (mysql_stmt_prepare(raw, key.data(), key.size()) != 0) {
      auto err = fail("prepare", mysql_stmt_errno(raw), mysql_stmt_error(raw));
      err.message += fmt::format(" (in: {:.160})", key);
      return std::unexpected(std::move(err));
    }
    const my_bool update_max_length = 0;
    mysql_stmt_attr_set(raw, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max_length);
    it = cache_.emplace(std::move(key), std::move(stmt)).first;
  }
  touch();
  return Statement(*this, it->second.get(), it->first);
}

Status Connection::execute(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt) return std::unexpected(stmt.error());
  auto r = stmt->run();
  if (!r) return std::unexpected(r.error());
  return {};
}

Status Connection::commit() {
  touch();
  if (mysql_commit(handle_.get()) != 0) return std::unexpected(from_handle("commit"));
  return {};
}

Status Connection::rollback() {
  touch();
  if (mysql_rollback(handle_.get()) != 0) return std::unexpected(from_handle("rollback"));
  aborted_ = false;
  return {};
}

bool Connection::ping() {
  if (mysql_ping(handle_.get()) != 0) {
    (void)from_handle("ping");
    broken_ = true;
    return false;
  }
  touch();
  return true;
}

Statement& Statement::bind(std::int64_t value) {
  Param p;
  p.kind = Param::Kind::kInt;
  p.number = value;
  params_.push_back(std::move(p));
  return *this;
}

Statement& Statement::bind(std::string_view value) {
  Param p;
  p.kind = Param::Kind::kText;
  p.text = std::string(value);
  params_.push_back(std::move(p));
  return *this;
}

Statement& Statement::bind_null() {
  params_.emplace_back();
  return *this;
}

Status Statement::execute() {
  std::vector<MYSQL_BIND> binds(params_.size());
  for (std::size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    auto& b = binds[i];
    switch (p.kind) {
      case Param::Kind::kNull: b.buffer_type = MYSQL_TYPE_NULL; break;
      case Param::Kind::kInt:
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &p.number;
        break;
      case Param::Kind::kText:
        p.length = p.text.size();
        b.buffer_type = MYSQL_TYPE_STRING;
        b.buffer = p.text.data();
        b.buffer_length = p.length;
        b.length = &p.length;
        break;
    }
  }
  conn_->touch();
  if (mysql_stmt_param_count(stmt_) != params_.size()) {
    return core::fail(ErrorCode::kInternal,
                      fmt::format("statement takes {} parameters, {} bound (in: {:.160})",
                                  mysql_stmt_param_count(stmt_), params_.size(), sql_));
  }
  if ((!binds.empty() && mysql_stmt_bind_param(stmt_, binds.data()) != 0) ||
      mysql_stmt_execute(stmt_) != 0) {
    auto err = conn_->fail("statement", mysql_stmt_errno(stmt_), mysql_stmt_error(stmt_));
    err.message += fmt::format(" (in: {:.160})", sql_);
    params_.clear();
    return std::unexpected(std::move(err));
  }
  params_.clear();
  return {};
}

Result<std::uint64_t> Statement::run() {
  if (auto s = execute(); !s) return std::unexpected(s.error());
  return static_cast<std::uint64_t>(mysql_stmt_affected_rows(stmt_));
}

std::int64_t Statement::insert_id() const {
  return static_cast<std::int64_t>(mysql_stmt_insert_id(stmt_));
}

Result<Rows> Statement::query() {
  if (auto s = execute(); !s) return std::unexpected(s.error());
  struct ResultCloser {
    void operator()(MYSQL_RES* r) const noexcept { mysql_free_result(r); }
  };
  struct FreeStatementResult {
    MYSQL_STMT* stmt;
    ~FreeStatementResult() { mysql_stmt_free_result(stmt); }
  };
  std::unique_ptr<MYSQL_RES, ResultCloser> meta(mysql_stmt_result_metadata(stmt_));
  if (!meta) {
    return core::fail(ErrorCode::kInternal,
                      fmt::format("statement returns no rows: {:.160}", sql_));
  }
  const FreeStatementResult guard{stmt_};
  if (mysql_stmt_store_result(stmt_) != 0) {
    return std::unexpected(conn_->fail("fetch", mysql_stmt_errno(stmt_), mysql_stmt_error(stmt_)));
  }
  const auto columns = static_cast<std::size_t>(mysql_num_fields(meta.get()));
  constexpr std::size_t kInline = 128;  // longer values are fetched again at their length
  std::vector<std::string> buffers(columns, std::string(kInline, '\0'));
  std::vector<unsigned long> lengths(columns, 0);
  std::vector<my_bool> nulls(columns, 0);
  std::vector<my_bool> truncated(columns, 0);
  std::vector<MYSQL_BIND> binds(columns);
  for (std::size_t i = 0; i < columns; ++i) {
    binds[i].buffer_type = MYSQL_TYPE_STRING;
    binds[i].buffer = buffers[i].data();
    binds[i].buffer_length = kInline;
    binds[i].length = &lengths[i];
    binds[i].is_null = &nulls[i];
    binds[i].error = &truncated[i];
  }
  if (columns > 0 && mysql_stmt_bind_result(stmt_, binds.data()) != 0) {
    return std::unexpected(
        conn_->fail("bind result", mysql_stmt_errno(stmt_), mysql_stmt_error(stmt_)));
  }
  Rows rows;
  for (;;) {
    const int rc = mysql_stmt_fetch(stmt_);
    if (rc == MYSQL_NO_DATA) break;
    if (rc != 0 && rc != MYSQL_DATA_TRUNCATED) {
      return std::unexpected(
          conn_->fail("fetch", mysql_stmt_errno(stmt_), mysql_stmt_error(stmt_)));
    }
    auto& row = rows.rows_.emplace_back(columns);
    for (std::size_t i = 0; i < columns; ++i) {
      if (nulls[i] != 0) continue;
      if (lengths[i] <= kInline) {
        row[i] = std::string(buffers[i].data(), lengths[i]);
        continue;
      }
      std::string whole(lengths[i], '\0');
      MYSQL_BIND one{};
      unsigned long got = 0;
      one.buffer_type = MYSQL_TYPE_STRING;
      one.buffer = whole.data();
      one.buffer_length = lengths[i];
      one.length = &got;
      if (mysql_stmt_fetch_column(stmt_, &one, static_cast<unsigned>(i), 0) != 0) {
        return std::unexpected(
            conn_->fail("fetch column", mysql_stmt_errno(stmt_), mysql_stmt_error(stmt_)));
      }
      row[i] = std::move(whole);
    }
  }
  return rows;
}

}  // namespace toq::mysql
