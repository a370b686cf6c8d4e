#pragma once
// The database a test runs on, chosen by TOQ_TEST_DATABASE: "sqlite" (default) or "mysql".
//
// mysql: the MariaDB server the `mariadb` CTest fixture started with scripts/services.sh into
// TOQ_SERVICES_DIR (its env.sh holds the address and the account); each TestDatabase is a new,
// empty database `toq_t<pid>_<n>` on it, migrated, and dropped again at the end. Without that
// server (a test binary run by hand) it fails with the command that starts one.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "core/port/database.hpp"

#include "adapter/mysql/mysql_database.hpp"
#include "adapter/sqlite/sqlite_database.hpp"

namespace toq::testing {

// The `export NAME='value'` lines of a services.sh env file.
inline std::map<std::string, std::string> read_env_file(const std::filesystem::path& file) {
  std::ifstream in{file};
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("export ")) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
      value = value.substr(1, value.size() - 2);
    }
    out[line.substr(7, eq - 7)] = value;
  }
  return out;
}

inline std::filesystem::path services_dir() {
  if (const char* dir = std::getenv("TOQ_SERVICES_DIR"); dir && *dir) return dir;
  return TOQ_SERVICES_DIR;
}

// Connection options for database `name` on the services' MariaDB.
inline mysql::MysqlOptions mariadb_options(const std::string& name) {
  const auto file = services_dir() / "env.sh";
  if (!std::filesystem::exists(file)) {
    throw std::runtime_error("no MariaDB for the tests: " + file.string() +
                             " is missing; start one with `scripts/services.sh start " +
                             services_dir().string() + " mariadb` (ctest's fixture does)");
  }
  const auto env = read_env_file(file);
  mysql::MysqlOptions options;
  options.connection.host = env.at("TOQ_MEDIA_DATABASE_MYSQL_HOST");
  options.connection.port = std::stoi(env.at("TOQ_MEDIA_DATABASE_MYSQL_PORT"));
  options.connection.user = env.at("TOQ_MEDIA_DATABASE_MYSQL_USER");
  options.connection.password = env.at("TOQ_MEDIA_DATABASE_MYSQL_PASSWORD");
  options.connection.database = name;
  return options;
}

inline bool testing_on_mysql() {
  const char* which = std::getenv("TOQ_TEST_DATABASE");
  return which != nullptr && std::string(which) == "mysql";
}

// An empty database on the services' MariaDB, dropped when this goes away.
class ScratchMariaDb {
 public:
  ScratchMariaDb() {
    static int counter = 0;
    name_ = "toq_t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    admin("CREATE DATABASE " + name_ + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
  }
  ~ScratchMariaDb() {
    try {
      admin("DROP DATABASE IF EXISTS " + name_);
    } catch (...) {  // the server may be gone at the end of a failed test
    }
  }
  ScratchMariaDb(const ScratchMariaDb&) = delete;
  ScratchMariaDb& operator=(const ScratchMariaDb&) = delete;

  const std::string& name() const { return name_; }
  mysql::MysqlOptions options() const { return mariadb_options(name_); }

 private:
  // The scratch name is the test's own (no client text): formatted into the DDL, which takes no
  // parameters for identifiers.
  void admin(const std::string& sql) const {
    auto conn = mysql::Connection::open(mariadb_options("toq_media").connection);
    if (!conn) throw std::runtime_error(conn.error().message);
    if (auto s = (*conn)->execute(sql); !s) throw std::runtime_error(s.error().message);
  }
  std::string name_;
};

// A fresh, migrated database of the kind TOQ_TEST_DATABASE names (SQLite in `dir`).
class TestDatabase {
 public:
  explicit TestDatabase(const std::filesystem::path& dir, std::string_view file = "db.sqlite") {
    if (testing_on_mysql()) {
      scratch_ = std::make_unique<ScratchMariaDb>();
      auto db = mysql::MysqlDatabase::open(scratch_->options());
      if (!db) throw std::runtime_error(db.error().message);
      db_ = std::move(*db);
    } else {
      auto db = sqlite::SqliteDatabase::open({dir / std::string(file), 5000, true});
      if (!db) throw std::runtime_error(db.error().message);
      db_ = std::move(*db);
    }
  }
  core::Database& operator*() const { return *db_; }
  core::Database* operator->() const { return db_.get(); }
  core::Database* get() const { return db_.get(); }
  std::string_view kind() const { return scratch_ ? "mysql" : "sqlite"; }

 private:
  std::unique_ptr<ScratchMariaDb> scratch_;  // outlives db_: destroyed after it
  std::unique_ptr<core::Database> db_;
};

}  // namespace toq::testing
