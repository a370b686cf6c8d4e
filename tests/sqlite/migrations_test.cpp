// Versioned migrations: applied once, idempotent, refused when the database is ahead, and safe when
// two processes migrate the same file at once.

#include "adapter/sqlite/migrations.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapter/sqlite/sqlite_database.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

TEST(Migrations, FreshDatabaseGetsEveryMigrationOnceThenNothing) {
  TempDir dir;
  auto conn = must(sqlite::Connection::open({dir / "db.sqlite", 1000}));
  auto first = must(sqlite::migrate(*conn));
  EXPECT_EQ(first.from_version, 0);
  EXPECT_EQ(first.to_version, sqlite::latest_schema_version());
  EXPECT_EQ(first.applied.size(), sqlite::migrations().size());
  auto second = must(sqlite::migrate(*conn));
  EXPECT_EQ(second.from_version, sqlite::latest_schema_version());
  EXPECT_TRUE(second.applied.empty());
}

TEST(Migrations, VersionsAreStrictlyIncreasingFromOne) {
  int expected = 1;
  for (const auto& m : sqlite::migrations()) EXPECT_EQ(m.version, expected++);
}

TEST(Migrations, DatabaseFromANewerReleaseIsRefused) {
  TempDir dir;
  {
    auto conn = must(sqlite::Connection::open({dir / "db.sqlite", 1000}));
    must(sqlite::migrate(*conn));
    must(conn->exec("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')"));
  }
  auto db = sqlite::SqliteDatabase::open({dir / "db.sqlite", 1000, true});
  ASSERT_TRUE(fails_with(db, core::ErrorCode::kSchemaTooNew));
  EXPECT_FALSE(db.error().hint.empty());
}

TEST(Migrations, WithoutAutoMigrateAnOldDatabaseAsksForMigrate) {
  TempDir dir;
  auto db = sqlite::SqliteDatabase::open({dir / "db.sqlite", 1000, false});
  ASSERT_TRUE(fails_with(db, core::ErrorCode::kDatabaseError));
  EXPECT_NE(db.error().hint.find("toq-media migrate"), std::string::npos);
}

TEST(Migrations, TwoProcessesMigratingAtOnceApplyEachStepOnce) {
  TempDir dir;
  const auto path = dir / "db.sqlite";
  int gate[2];
  ASSERT_EQ(pipe(gate), 0);
  std::vector<pid_t> children;
  for (int i = 0; i < 4; ++i) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(gate[1]);
      char c;
      (void)read(gate[0], &c, 1);  // released together when the parent closes the pipe
      auto conn = sqlite::Connection::open({path, 10000});
      if (!conn) _exit(3);
      auto report = sqlite::migrate(**conn);
      _exit(report ? 0 : 2);
    }
    children.push_back(pid);
  }
  close(gate[0]);
  close(gate[1]);
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  auto conn = must(sqlite::Connection::open({path, 1000}));
  auto stmt =
      must(conn->prepare("SELECT count(*), count(DISTINCT version) FROM schema_migrations"));
  ASSERT_TRUE(must(stmt.step()));
  EXPECT_EQ(stmt.int64(0), static_cast<std::int64_t>(sqlite::migrations().size()));
  EXPECT_EQ(stmt.int64(1), stmt.int64(0));
}

}  // namespace
}  // namespace toq::testing
