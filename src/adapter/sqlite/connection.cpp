#include "adapter/sqlite/connection.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace toq::sqlite {

using core::ErrorCode;

namespace {

// Held from a database file's creation by restrict_to_owner until SQLite has opened it.
std::mutex& opening_mutex() {
  static std::mutex opening;
  return opening;
}

// The database holds every listing's and user's ids: no other local user reads it. A missing file
// is created here 0600 before SQLite opens it (its -wal and -shm files take its mode); an existing
// one is only chmod'ed, never opened. Closing any descriptor of a file drops every POSIX lock the
// process holds on it, its SQLite connections' locks included (sqlite.org/howtocorrupt.html,
// 2.2): another process closing its last connection then finds the database unused, checkpoints
// and deletes the WAL that this process's connections go on writing to, and their commits are
// lost. O_EXCL creates only a file that did not exist, which no connection can have open yet;
// the caller holds opening_mutex() so no other thread opens it before this close.
Status restrict_to_owner(const std::filesystem::path& path) {
  if (path.empty() || path == ":memory:") return {};
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0) ::close(fd);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::filesystem::path file = path.string() + suffix;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || (st.st_mode & 0077U) == 0) continue;
    if (::chmod(file.c_str(), S_IRUSR | S_IWUSR) != 0) {
      return core::fail(
          ErrorCode::kDatabaseError,
          fmt::format("cannot make {} private (0600): {}", file.string(), std::strerror(errno)), {},
          "Run toq-media as the owner of its data directory.");
    }
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const ConnectionOptions& options,
                                                     std::shared_ptr<LockReleases> releases) {
  std::unique_lock opening(opening_mutex());
  if (auto ok = restrict_to_owner(options.path); !ok) return std::unexpected(ok.error());
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(options.path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  opening.unlock();
  std::unique_ptr<Connection> conn(new Connection(raw));  // owns raw even when open failed
  if (rc != SQLITE_OK) {
    return core::fail(ErrorCode::kDatabaseError,
                      fmt::format("cannot open SQLite database {}: {}", options.path.string(),
                                  raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)),
                      {}, "Check that the data directory exists and is writable.");
  }
  sqlite3_extended_result_codes(raw, 1);
  if (releases) {
    conn->releases_ = std::move(releases);
    conn->busy_timeout_ = std::chrono::milliseconds(options.busy_timeout_ms);
    sqlite3_busy_handler(raw, &Connection::wait_for_lock, conn.get());
  } else {
    sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  }
  // WAL lets readers run beside the writer; FULL sync makes an acknowledged commit survive power
  // loss, not only a process crash (a 202 for "complete" must not be forgotten).
  // Switching a new file to WAL takes a lock that SQLite does not wait for through the busy
  // handler, so processes opening the same fresh database at once retry here until the timeout.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
  for (int attempt = 1;; ++attempt) {
    auto s = conn->exec(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
        "PRAGMA trusted_schema=OFF;");
    if (s) break;
    if (s.error().code != ErrorCode::kDatabaseBusy || std::chrono::steady_clock::now() > deadline) {
      return std::unexpected(s.error());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(attempt, 50)));
  }
  return conn;
}

void LockReleases::released() {
  {
    const std::lock_guard lock(mutex_);
    ++count_;
  }
  changed_.notify_all();
}

void LockReleases::wait(std::chrono::microseconds most) {
  std::unique_lock lock(mutex_);
  const std::uint64_t seen = count_;
  changed_.wait_for(lock, most, [&] { return count_ != seen; });
}

// SQLite calls this with tries = 0 when a lock is first refused, then once per retry; returning 0
// gives up (SQLITE_BUSY), as sqlite3_busy_timeout's handler does at its timeout.
int Connection::wait_for_lock(void* self, int tries) {
  constexpr std::chrono::microseconds kMostPerWait{2000};
  auto& conn = *static_cast<Connection*>(self);
  const auto now = std::chrono::steady_clock::now();
  if (tries == 0) conn.busy_since_ = now;
  const auto left = conn.busy_since_ + conn.busy_timeout_ - now;
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  conn.releases_->wait(
      std::min(kMostPerWait, std::chrono::duration_cast<std::chrono::microseconds>(left)));
  return 1;
}

Connection::~Connection() {
  cache_.clear();  // statements must be finalized before the connection closes
}

Status Connection::exec(std::string_view sql) {
  char* msg = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &msg);
  if (rc == SQLITE_OK) return {};
  std::string detail = msg ? msg : sqlite3_errstr(rc);
  sqlite3_free(msg);
  auto err = error("exec", rc);
  err.message = fmt::format("SQLite exec failed: {} (in: {:.120})", detail, text);
  return std::unexpected(std::move(err));
}

Result<Statement> Connection::prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), key.data(), static_cast<int>(key.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) {
      auto err = error("prepare", rc);
      err.message += fmt::format(" (in: {:.160})", key);
      return std::unexpected(std::move(err));
    }
    it = cache_.emplace(std::move(key), std::unique_ptr<sqlite3_stmt, StmtFinalizer>(raw)).first;
  }
  return Statement(*this, it->second.get());
}

std::int64_t Connection::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_.get());
}
int Connection::changes() const {
  return sqlite3_changes(db_.get());
}
int Connection::extended_errcode() const {
  return sqlite3_extended_errcode(db_.get());
}

Error Connection::error(std::string_view what, int rc) const {
  const int primary = rc & 0xff;
  ErrorCode code = ErrorCode::kDatabaseError;
  std::string hint;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    code = ErrorCode::kDatabaseBusy;
    hint = "Try again in a moment.";
  } else if (primary == SQLITE_FULL) {
    // The disk holding the database is full: the same answer as a full object store.
    code = ErrorCode::kInsufficientStorage;
    hint = "The server's disk is full. Try again later; the operator has been told.";
  } else if (primary == SQLITE_IOERR) {
    // The disk under the database failed a read, write or sync (EIO): the transaction did not
    // commit, and the same request may well succeed once the disk answers again, like a MySQL
    // server that went away.
    code = ErrorCode::kDatabaseUnavailable;
    hint = "The server's database disk failed. Try again later; the operator has been told.";
  }
  return core::make_error(
      code,
      fmt::format("SQLite {} failed ({}): {}", what, sqlite3_errstr(rc), sqlite3_errmsg(db_.get())),
      {}, std::move(hint));
}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(conn_->error("step", rc));
}

Status Statement::run() {
  while (true) {
    auto r = step();
    if (!r) return std::unexpected(r.error());
    if (!*r) return {};
  }
}

bool Statement::is_null(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}
std::int64_t Statement::int64(int col) const {
  return sqlite3_column_int64(stmt_, col);
}
std::int32_t Statement::int32(int col) const {
  return sqlite3_column_int(stmt_, col);
}

std::string Statement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  const auto n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)};
}

std::optional<std::int64_t> Statement::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

std::optional<std::string> Statement::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

}  // namespace toq::sqlite
