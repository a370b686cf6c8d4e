#pragma once
// Versioned schema migrations for the MySQL adapter, with the SQLite adapter's version numbers
// (1 initial_schema, 2 job_archive, 3 queue_and_outbox) in MySQL's dialect, on InnoDB.
//
// MySQL and MariaDB commit every DDL statement on its own, so a migration cannot be one
// transaction as it is on SQLite. Instead:
// - migrators take the named lock GET_LOCK('toq_media_schema') first, so replicas starting at once
//   apply each migration exactly once;
// - each migration is a list of statements, each of which either completes or leaves nothing
//   (one CREATE TABLE, or one ALTER TABLE carrying all of a migration's column changes);
// - a migration interrupted half-way (the process killed between two statements) is run again
//   from its first statement, and "already exists" for its own table, column, index or
//   constraint (1050, 1060, 1061, 1826, 3822) counts as done;
// - the version is recorded in schema_migrations after its last statement.
// A database migrated by a newer toq-media is refused (SCHEMA_TOO_NEW).

#include <string>
#include <string_view>
#include <vector>

#include "adapter/mysql/connection.hpp"

namespace toq::mysql {

struct Migration {
  int version;
  std::string_view name;
  std::vector<std::string_view> statements;
};

const std::vector<Migration>& migrations();
int latest_schema_version();

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
  std::vector<std::string> applied;  // "1 initial_schema", ...
};

// Applies every pending migration. SCHEMA_TOO_NEW when the database is ahead of this binary;
// DATABASE_BUSY when another migrator held the lock for lock_seconds.
Result<MigrationReport> migrate(Connection& conn, int lock_seconds = 120);
// The highest applied version (0 for an empty database).
Result<int> schema_version(Connection& conn);

}  // namespace toq::mysql
