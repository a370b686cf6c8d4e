#pragma once
// The SQLite adapter of the Database port: a pool of connections to one database file, each
// transaction on its own connection. A transaction begins deferred, so a pure read works on a WAL
// snapshot and never waits for a writer; one that writes after reading and cannot upgrade its
// snapshot at once runs again under BEGIN IMMEDIATE, so that writers queue on SQLite's lock (up
// to the busy timeout) instead of failing half-way (sqlite_database.cpp).

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "core/port/database.hpp"

#include "adapter/sqlite/connection.hpp"
#include "adapter/sqlite/migrations.hpp"

namespace toq::sqlite {

struct SqliteOptions {
  std::filesystem::path path;
  int busy_timeout_ms = 5000;
  // Apply pending migrations on open (the embedded default). When false, a database behind this
  // binary's schema is refused with a hint to run `toq-media migrate`.
  bool auto_migrate = true;
};

class SqliteDatabase final : public core::Database {
 public:
  // Opens the database, creating the file and its directory when missing. DATABASE_ERROR when it
  // cannot, SCHEMA_TOO_NEW when a newer toq-media migrated it.
  static Result<std::unique_ptr<SqliteDatabase>> open(const SqliteOptions& options);

  // Creates the file when missing and applies every pending migration (`toq-media migrate`).
  static Result<MigrationReport> migrate_file(const SqliteOptions& options);

  Status run(const std::function<Status(core::UnitOfWork&)>& work) override;

  // PRAGMA integrity_check and foreign_key_check; ok or DATABASE_ERROR with what they reported.
  Status check_integrity();
  const std::filesystem::path& path() const { return options_.path; }

 private:
  explicit SqliteDatabase(SqliteOptions options) : options_(std::move(options)) {}
  Result<std::unique_ptr<Connection>> acquire();
  void release(std::unique_ptr<Connection> conn);

  SqliteOptions options_;
  // Wakes this database's writers waiting for the lock when one of its write transactions ends.
  std::shared_ptr<LockReleases> releases_ = std::make_shared<LockReleases>();
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace toq::sqlite
