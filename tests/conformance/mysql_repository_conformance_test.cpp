// The repository conformance suites on the MySQL adapter, against the real MariaDB server the
// `mariadb` CTest fixture started (scripts/services.sh): a new database per test.

#include "adapter/mysql/mysql_database.hpp"
#include "conformance/repository_conformance.hpp"
#include "support/test_database.hpp"

namespace toq::testing {
namespace {

struct MariaDbFactory {
  static constexpr const char* kName = "mariadb";
  std::unique_ptr<ScratchMariaDb> scratch;
  std::unique_ptr<core::Database> make() {
    scratch = std::make_unique<ScratchMariaDb>();
    auto db = mysql::MysqlDatabase::open(scratch->options());
    if (!db) throw std::runtime_error(db.error().message);
    return std::move(*db);
  }
};

using Adapters = ::testing::Types<MariaDbFactory>;
TOQ_INSTANTIATE_REPOSITORY_CONFORMANCE(MariaDb, Adapters);

}  // namespace
}  // namespace toq::testing
