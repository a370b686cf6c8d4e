// The "at most one" rules and the job-time invariants are held by the SQLite schema itself: writes
// that bypass the repositories (raw SQL) are refused too.

#include <gtest/gtest.h>

#include "adapter/sqlite/connection.hpp"
#include "adapter/sqlite/migrations.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

class SchemaRules : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = must(sqlite::Connection::open({dir_ / "db.sqlite", 1000}));
    must(sqlite::migrate(*conn_));
    must(conn_->exec(
        "INSERT INTO listings VALUES (1, 11, 7, 'RESIDENTIAL', 'PENDING_PHOTO_PROCESSING', 0);"
        "INSERT INTO batches (id, listing_id, status, created_by, created_at, updated_at, "
        "expires_at) VALUES (10, 1, 'READY', 7, 0, 0, 0);"));
  }
  bool exec_ok(const std::string& sql) { return conn_->exec(sql).has_value(); }

  TempDir dir_;
  std::unique_ptr<sqlite::Connection> conn_;
};

TEST_F(SchemaRules, SecondActiveJobForABatchIsRefused) {
  EXPECT_TRUE(
      exec_ok("INSERT INTO jobs (batch_id, run, status, created_at) VALUES (10, 1, 'QUEUED', 0)"));
  EXPECT_FALSE(
      exec_ok("INSERT INTO jobs (batch_id, run, status, created_at) VALUES (10, 2, 'QUEUED', 0)"));
  EXPECT_EQ(conn_->extended_errcode(), SQLITE_CONSTRAINT_UNIQUE);
  EXPECT_FALSE(
      exec_ok("INSERT INTO jobs (batch_id, run, status, created_at, started_at, attempt, "
              "lease_owner, lease_expires_at) VALUES (10, 3, 'RUNNING', 0, 1, 1, 'w', 2)"));
  // Finished jobs do not count.
  EXPECT_TRUE(
      exec_ok("INSERT INTO jobs (batch_id, run, status, created_at, started_at, attempt, "
              "completed_at, error_code) VALUES (10, 4, 'FAILED', 0, 1, 1, 2, 'INTERNAL_ERROR')"));
}

TEST_F(SchemaRules, SecondOpenBatchForAListingIsRefused) {
  EXPECT_TRUE(
      exec_ok("INSERT INTO batches (listing_id, status, created_by, created_at, updated_at, "
              "expires_at) VALUES (1, 'PENDING_UPLOAD', 7, 0, 0, 0)"));
  for (const char* status : {"PENDING_UPLOAD", "RECEIVED", "PROCESSING"}) {
    EXPECT_FALSE(exec_ok(std::string("INSERT INTO batches (listing_id, status, created_by, "
                                     "created_at, updated_at, expires_at) VALUES (1, '") +
                         status + "', 7, 0, 0, 0)"))
        << status;
  }
  EXPECT_TRUE(
      exec_ok("INSERT INTO batches (listing_id, status, created_by, created_at, updated_at, "
              "expires_at) VALUES (1, 'FAILED', 7, 0, 0, 0)"));
}

TEST_F(SchemaRules, FinishedOrRunningJobWithoutStartTimeIsRefused) {
  // The platform's incident: a job row without a start time. The schema makes it unrepresentable.
  EXPECT_FALSE(
      exec_ok("INSERT INTO jobs (batch_id, run, status, created_at, completed_at) "
              "VALUES (10, 1, 'SUCCEEDED', 0, 5)"));
  EXPECT_FALSE(
      exec_ok("INSERT INTO jobs (batch_id, run, status, created_at, lease_owner, "
              "lease_expires_at) VALUES (10, 1, 'RUNNING', 0, 'w', 9)"));
  EXPECT_FALSE(
      exec_ok("INSERT INTO jobs (batch_id, run, status, created_at, started_at, attempt) "
              "VALUES (10, 1, 'SUCCEEDED', 0, 1, 1)"))
      << "a finished job needs completed_at";
  EXPECT_TRUE(
      exec_ok("INSERT INTO jobs (batch_id, run, status, created_at, started_at, attempt, "
              "completed_at) VALUES (10, 1, 'SUCCEEDED', 0, 1, 1, 5)"));
}

TEST_F(SchemaRules, AssetFailureCodeIffFailedAndOpenBatchCannotBeDeleted) {
  EXPECT_FALSE(
      exec_ok("INSERT INTO assets (batch_id, client_id, media_type, filename, content_type, "
              "bytes, checksum_sha256, sequence, status, created_at, updated_at) VALUES "
              "(10, 'a', 'PHOTO_VERTICAL', 'x.jpg', 'image/jpeg', 1, 'c', 1, 'FAILED', 0, 0)"));
  EXPECT_FALSE(
      exec_ok("INSERT INTO assets (batch_id, client_id, media_type, filename, content_type, "
              "bytes, checksum_sha256, sequence, status, created_at, updated_at) VALUES "
              "(10, 'a', 'PHOTO_SQUARE', 'x.jpg', 'image/jpeg', 1, 'c', 1, 'UPLOADED', 0, 0)"));
  EXPECT_FALSE(
      exec_ok("INSERT INTO batches (listing_id, status, created_by, created_at, updated_at, "
              "expires_at, deleted_at) VALUES (1, 'PROCESSING', 7, 0, 0, 0, 1)"));
  EXPECT_FALSE(
      exec_ok("INSERT INTO batches (listing_id, status, created_by, created_at, updated_at, "
              "expires_at) VALUES (404, 'READY', 7, 0, 0, 0)"))
      << "foreign keys are on";
}

}  // namespace
}  // namespace toq::testing
