#include "app/wiring.hpp"

#include "adapter/sqlite/sqlite_database.hpp"

namespace toq::app {

core::Result<std::unique_ptr<core::Database>> open_database(const Config& config) {
  switch (config.database.driver) {
    case DatabaseDriver::kSqlite: {
      auto db = sqlite::SqliteDatabase::open(
          {config.database.sqlite.path, config.database.sqlite.busy_timeout_ms, true});
      if (!db) return std::unexpected(db.error());
      return std::unique_ptr<core::Database>(std::move(*db));
    }
    case DatabaseDriver::kMysql: break;
  }
  return core::fail(core::ErrorCode::kConfigInvalid,
                    "database.driver 'mysql' is not available in this build yet",
                    "The MySQL adapter is not part of this release.",
                    "Use database.driver: sqlite, or a release that includes the MySQL adapter.");
}

}  // namespace toq::app
