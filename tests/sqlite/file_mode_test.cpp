// The SQLite database and its -wal and -shm files are the owner's alone (0600): they hold every
// listing's and user's ids. A new database is created so, and one an older toq-media left
// readable to others is narrowed when it is opened.

#include <filesystem>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "adapter/sqlite/sqlite_database.hpp"
#include "support/result_matchers.hpp"
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

}  // namespace
}  // namespace toq::testing
