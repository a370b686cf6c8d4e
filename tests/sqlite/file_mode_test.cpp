// The SQLite database and its -wal and -shm files are the owner's alone (0600): they hold every
// listing's and user's ids. A new database is created so, and one an older toq-media left
// readable to others is narrowed when it is opened.

#include <filesystem>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "adapter/sqlite/connection.hpp"
#include "adapter/sqlite/sqlite_database.hpp"
#include "support/result_matchers.hpp"
#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

unsigned mode_of(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return 01000;  // missing: never equal to a mode below
  return st.st_mode & 0777U;
}

class FileModeTest : public ::testing::Test {
 protected:
  void SetUp() override { old_umask_ = ::umask(022); }
  void TearDown() override { ::umask(old_umask_); }

  void expect_private(const std::filesystem::path& db) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      EXPECT_EQ(mode_of(db.string() + suffix), 0600U) << db.string() << suffix;
    }
  }

  TempDir dir_;
  mode_t old_umask_ = 0;
};

TEST_F(FileModeTest, NewDatabaseFilesAreOwnerOnly) {
  const auto path = dir_ / "media.sqlite3";
  auto db = must(sqlite::SqliteDatabase::open({.path = path}));
  must(db->run([](core::UnitOfWork& uow) -> core::Status {
    auto r = uow.listings().find(core::ListingId{1});
    if (!r) return std::unexpected(r.error());
    return {};
  }));
  expect_private(path);
}

TEST_F(FileModeTest, ReadableDatabaseIsNarrowedWhenOpened) {
  const auto path = dir_ / "media.sqlite3";
  {
    auto db = must(sqlite::SqliteDatabase::open({.path = path}));
    for (const char* suffix : {"", "-wal", "-shm"}) {
      ::chmod((path.string() + suffix).c_str(), 0644);
    }
    ASSERT_EQ(mode_of(path), 0644U);
  }
  auto db = must(sqlite::SqliteDatabase::open({.path = path}));
  expect_private(path);
}

// Rows of t as another process sees them: the sqlite3 shell (exec'ed, so no SQLite state is
// shared, as a fork would) opens the database, counts, closes. Closing its only connection, SQLite
// checkpoints and deletes the WAL when no other process holds a lock on the database file.
int rows_seen_by_another_process(const std::filesystem::path& path) {
  const auto r =
      run_capture("sqlite3 -batch " + shell_quote(path.string()) + " 'SELECT count(*) FROM t'");
  return r.status == 0 ? std::stoi(r.output) : -1;
}

// Opening a second connection must not drop the locks of the first one. It did when the database
// file was opened and closed to set its mode: another process then took the database for unused,
// deleted the WAL, and the first connection's next commit went to that deleted file, lost to
// everyone else (two `serve` processes on one data dir each expired the same batches).
TEST_F(FileModeTest, OpeningAConnectionKeepsTheLocksOfTheOthers) {
  const auto path = dir_ / "media.sqlite3";
  auto first = must(sqlite::Connection::open({path, 1000}));
  must(first->exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);"));
  auto second = must(sqlite::Connection::open({path, 1000}));
  ASSERT_EQ(rows_seen_by_another_process(path), 1);
  must(first->exec("INSERT INTO t VALUES (2);"));
  EXPECT_EQ(rows_seen_by_another_process(path), 2)
      << "a commit of this process is invisible to another one: its WAL was deleted under it";
  EXPECT_TRUE(std::filesystem::exists(path.string() + "-wal"));
}

}  // namespace
}  // namespace toq::testing
