// The repository conformance suite on the SQLite adapter.

#include "adapter/sqlite/sqlite_database.hpp"
#include "conformance/repository_conformance.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

struct SqliteFactory {
  static constexpr const char* kName = "sqlite";
  TempDir dir;
  int count = 0;
  std::unique_ptr<core::Database> make() {
    auto db = sqlite::SqliteDatabase::open(
        {dir / ("db" + std::to_string(++count) + ".sqlite"), 5000, true});
    if (!db) throw std::runtime_error(db.error().message);
    return std::move(*db);
  }
};

using Adapters = ::testing::Types<SqliteFactory>;
TOQ_INSTANTIATE_REPOSITORY_CONFORMANCE(Sqlite, Adapters);

}  // namespace
}  // namespace toq::testing
