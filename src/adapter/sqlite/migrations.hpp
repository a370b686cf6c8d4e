#pragma once
// Versioned schema migrations for the SQLite adapter. Each migration runs in its own write
// transaction and re-reads the applied version inside it, so two processes migrating at once apply
// each step exactly once. A database migrated by a newer toq-media is refused (SCHEMA_TOO_NEW)
// rather than written to with an older understanding of the schema.

#include <string>
#include <string_view>
#include <vector>

#include "adapter/sqlite/connection.hpp"

namespace toq::sqlite {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
  // A migration that drops and creates tables again (SQLite cannot alter a CHECK) runs with
  // foreign keys off, and PRAGMA foreign_key_check must find nothing before its commit.
  bool rebuilds_tables = false;
};

// Every migration, in version order (1, 2, ...). Never edit one that has shipped; add another.
const std::vector<Migration>& migrations();
int latest_schema_version();

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
  std::vector<std::string> applied;  // "1 initial_schema", ...
};

// Applies every pending migration. SCHEMA_TOO_NEW when the database is ahead of this binary.
Result<MigrationReport> migrate(Connection& conn);
// The pending migrations up to `version` only (a database as an older release left it, for tests).
Result<MigrationReport> migrate_to(Connection& conn, int version);
// The highest applied version (0 for an empty database).
Result<int> schema_version(Connection& conn);

}  // namespace toq::sqlite
