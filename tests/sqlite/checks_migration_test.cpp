// Migration 9 (checks_without_in_lists) rebuilds batches, jobs, assets and work_items with their
// CHECKs' IN lists written as = / OR. A database at version 8 keeps every row, rowid,
// AUTOINCREMENT counter, column, index and foreign key; the rebuilt tables refuse and accept the
// same values as before; and an insert no longer builds a temporary b-tree per CHECK.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapter/sqlite/connection.hpp"
#include "adapter/sqlite/migrations.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

constexpr int kBefore = 8;  // the last version with the IN lists
constexpr const char* kTrace = "'00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'";

// Rows in every table, with every column set somewhere, gaps left by deleted rows (so the
// AUTOINCREMENT counters are ahead of the largest id) and rows of the tables that are not rebuilt
// but refer to rebuilt ones (renditions, execution_starts).
const std::string kRows = std::string(R"sql(
INSERT INTO listings VALUES (1, 11, 7, 'RESIDENTIAL', 'PENDING_PHOTO_PROCESSING', 0),
                            (2, 12, NULL, 'DEVELOPMENT', 'ACTIVE', 5);
INSERT INTO batches (id, listing_id, reference, status, created_by, created_at, updated_at,
                     expires_at, deleted_at, raw_removed_at, objects_removed_at)
  VALUES (10, 1, 'sessao', 'PROCESSING', 7, 100, 101, 200, NULL, NULL, NULL),
         (11, 2, '', 'READY', 7, 100, 102, 200, 300, 301, 302),
         (12, 2, '', 'FAILED', 7, 1, 1, 1, NULL, NULL, NULL);
DELETE FROM batches WHERE id = 12;
INSERT INTO jobs (id, batch_id, run, attempt, status, created_at, started_at, completed_at,
                  lease_owner, lease_expires_at, error_code, error_message, archive_key,
                  archive_bytes, archive_sha256_hex, archive_recorded_at, available_at,
                  traceparent)
  VALUES (5, 10, 1, 1, 'RUNNING', 100, 110, NULL, 'w-1', 500, NULL, '', NULL, NULL, NULL, NULL,
          120, )sql") + kTrace +
                          R"sql(),
         (6, 11, 1, 1, 'SUCCEEDED', 100, 110, 150, NULL, NULL, NULL, '', 'zips/11.zip', 2048,
          'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 151, 0, ''),
         (7, 11, 2, 0, 'QUEUED', 1, NULL, NULL, NULL, NULL, NULL, '', NULL, NULL, NULL, NULL, 0,
          '');
DELETE FROM jobs WHERE id = 7;
INSERT INTO assets (id, batch_id, client_id, media_type, filename, content_type, bytes,
                    checksum_sha256, title, sequence, status, multipart_upload_id, width, height,
                    duration_ms, format, codec, rotation, hdr, has_audio, error_code,
                    error_message, error_hint, job_id, created_at, updated_at, error_traceparent)
  VALUES (20, 10, 'f-1', 'PHOTO_HORIZONTAL', 'a.jpg', 'image/jpeg', 1000, 'c1', 'Sala', 1,
          'PROCESSING', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, 5, 100,
          110, NULL),
         (21, 10, 'f-2', 'VIDEO_VERTICAL', 'b.mp4', 'video/mp4', 5000, 'c2', '', 1, 'FAILED',
          'mp-1', 1080, 1920, 12000, 'mp4', 'hevc', 90, 1, 1, 'MEDIA_CORRUPT', 'bad', 'hint', 5,
          100, 120, )sql" +
                          kTrace + R"sql(),
         (22, 11, 'f-1', 'PROJECT_DOC', 'c.pdf', 'application/pdf', 10, 'c3', '', 1, 'READY',
          NULL, 10, 20, NULL, 'pdf', NULL, 0, 0, 0, NULL, NULL, NULL, 6, 1, 2, NULL),
         (23, 11, 'f-2', 'PROJECT_RENDER', 'd.png', 'image/png', 10, 'c4', '', 1, 'UPLOADED',
          NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL, 1, 2, NULL);
DELETE FROM assets WHERE id = 23;
INSERT INTO renditions (id, asset_id, job_id, name, format, width, height, bytes, key, sha256_hex)
  VALUES (30, 22, 6, 'thumb', 'webp', 320, 240, 999, 'k/22/thumb.webp', 'ab');
INSERT INTO work_items (job_id, asset_id, heavy, claim_rank, status, attempt, available_at,
                        lease_owner, lease_expires_at, claimed_at, done_at, error_message,
                        created_at)
  VALUES (5, 21, 1, 0, 'DONE', 2, 0, NULL, NULL, NULL, 130, 'failed once', 110),
         (5, 20, 0, 1, 'RUNNING', 1, 0, 'w-1', 600, 115, NULL, '', 110);
INSERT INTO outbox (event_id, type, payload, created_at, next_attempt_at)
  VALUES ('ev-1', 'media.batch.ready', '{}', 1, 2);
INSERT INTO execution_starts (job_id, name, input, created_at, next_attempt_at)
  VALUES (6, 'exec-6', '{}', 1, 2);
)sql";

// Every row of a query, each value with its storage class ("i12|tREADY|n"): a value that changed
// type in the copy shows.
std::vector<std::string> rows(sqlite::Connection& conn, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(conn.handle(), sql.c_str(), -1, &raw, nullptr), SQLITE_OK)
      << sqlite3_errmsg(conn.handle()) << " in " << sql;
  const std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw, &sqlite3_finalize);
  std::vector<std::string> out;
  while (raw != nullptr && sqlite3_step(raw) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(raw); ++i) {
      if (i > 0) row += '|';
      const int type = sqlite3_column_type(raw, i);
      row += "?iftbn"[type <= SQLITE_NULL ? type : 0];
      if (type == SQLITE_NULL) continue;
      const auto* text = sqlite3_column_text(raw, i);
      row.append(reinterpret_cast<const char*>(text),
                 static_cast<std::size_t>(sqlite3_column_bytes(raw, i)));
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<std::string> names(sqlite::Connection& conn, const std::string& type) {
  auto out = rows(conn, "SELECT name FROM sqlite_master WHERE type = '" + type + "' ORDER BY name");
  for (auto& name : out) name.erase(0, 1);  // the storage class
  return out;
}

// Every table's rows (rowid and values, typed), including sqlite_sequence.
std::vector<std::string> contents(sqlite::Connection& conn) {
  std::vector<std::string> out;
  for (const auto& table : names(conn, "table")) {
    if (table == "schema_migrations") continue;
    out.push_back("table " + table);
    // sqlite_sequence's rowids are its own business: its rows by name.
    const std::string query = table == "sqlite_sequence"
                                  ? "SELECT name, seq FROM sqlite_sequence ORDER BY name"
                                  : "SELECT rowid, * FROM " + table + " ORDER BY rowid";
    for (auto& row : rows(conn, query)) {
      out.push_back(std::move(row));
    }
  }
  return out;
}

// Everything of the schema but the tables' own text: columns (type, NOT NULL, default, key),
// foreign keys, and every index (its text, its columns, unique, partial) and trigger and view.
std::vector<std::string> shape(sqlite::Connection& conn) {
  std::vector<std::string> out =
      rows(conn,
           "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type <> 'table' "
           "ORDER BY name");
  for (const auto& table : names(conn, "table")) {
    for (const char* pragma : {"table_xinfo", "foreign_key_list", "index_list"}) {
      for (auto& row : rows(conn, std::string("SELECT * FROM pragma_") + pragma + "('" + table +
                                      "') ORDER BY 1, 2")) {
        out.push_back(table + " " + pragma + " " + row);
      }
    }
  }
  for (const auto& index : names(conn, "index")) {
    for (auto& row : rows(conn, "SELECT * FROM pragma_index_xinfo('" + index + "')")) {
      out.push_back(index + " " + row);
    }
  }
  return out;
}

// The number of temporary b-trees the statement's program opens.
int ephemeral_tables(sqlite::Connection& conn, const std::string& sql) {
  int n = 0;
  for (const auto& row : rows(conn, "EXPLAIN " + sql)) {
    if (row.find("|tOpenEphemeral|") != std::string::npos) ++n;
  }
  return n;
}

class ChecksMigration : public ::testing::Test {
 protected:
  std::unique_ptr<sqlite::Connection> at_version(int version) {
    auto conn =
        must(sqlite::Connection::open({dir_ / (std::to_string(version) + ".sqlite"), 1000}));
    auto report = must(sqlite::migrate_to(*conn, version));
    EXPECT_EQ(report.to_version, version);
    must(conn->exec(kRows));
    return conn;
  }

  TempDir dir_;
};

TEST_F(ChecksMigration, AVersion8DatabaseKeepsEveryRowIndexAndKey) {
  auto conn = at_version(kBefore);
  const auto rows_before = contents(*conn);
  const auto shape_before = shape(*conn);
  ASSERT_GT(rows_before.size(), 20U);
  EXPECT_EQ(rows(*conn, "SELECT seq FROM sqlite_sequence WHERE name = 'assets'"),
            std::vector<std::string>{"i23"});

  const auto report = must(sqlite::migrate(*conn));
  EXPECT_EQ(report.from_version, kBefore);
  EXPECT_EQ(report.to_version, sqlite::latest_schema_version());
  EXPECT_EQ(report.applied, std::vector<std::string>{"9 checks_without_in_lists"});

  EXPECT_EQ(contents(*conn), rows_before);
  EXPECT_EQ(shape(*conn), shape_before);
  EXPECT_EQ(rows(*conn, "PRAGMA integrity_check"), std::vector<std::string>{"tok"});
  EXPECT_TRUE(rows(*conn, "PRAGMA foreign_key_check").empty());
  EXPECT_EQ(rows(*conn, "PRAGMA foreign_keys"), std::vector<std::string>{"i1"})
      << "foreign keys are back on for the connection's next user";
  for (const auto& table : {"batches", "jobs", "assets", "work_items"}) {
    const auto sql =
        rows(*conn, std::string("SELECT sql FROM sqlite_master WHERE name = '") + table + "'");
    ASSERT_EQ(sql.size(), 1U);
    EXPECT_EQ(sql[0].find("IN ('PENDING_UPLOAD', 'RECEIVED', 'PROCESSING', 'READY'"),
              std::string::npos);
    EXPECT_EQ(sql[0].find("new_"), std::string::npos) << sql[0];
  }

  // A deleted row's id is not given again, and foreign keys hold on the rebuilt tables.
  must(conn->exec(
      "INSERT INTO assets (batch_id, client_id, media_type, filename, content_type, bytes, "
      "checksum_sha256, sequence, status, created_at, updated_at) VALUES (10, 'f-9', "
      "'PHOTO_VERTICAL', 'x.jpg', 'image/jpeg', 1, 'c', 9, 'PENDING_UPLOAD', 0, 0)"));
  EXPECT_EQ(conn->last_insert_rowid(), 24);
  EXPECT_FALSE(
      conn->exec("INSERT INTO assets (batch_id, client_id, media_type, filename, "
                 "content_type, bytes, checksum_sha256, sequence, status, created_at, "
                 "updated_at) VALUES (404, 'f-9', 'PHOTO_VERTICAL', 'x.jpg', "
                 "'image/jpeg', 1, 'c', 9, 'PENDING_UPLOAD', 0, 0)"));
  EXPECT_EQ(conn->extended_errcode(), SQLITE_CONSTRAINT_FOREIGNKEY);
  EXPECT_FALSE(conn->exec("DELETE FROM jobs WHERE id = 6")) << "renditions and starts refer to it";
  EXPECT_EQ(conn->extended_errcode(), SQLITE_CONSTRAINT_FOREIGNKEY);
}

TEST_F(ChecksMigration, AFreshDatabaseGetsTheSameSchemaAsAMigratedOne) {
  auto migrated = at_version(kBefore);
  must(sqlite::migrate(*migrated));
  auto fresh = must(sqlite::Connection::open({dir_ / "fresh.sqlite", 1000}));
  must(sqlite::migrate(*fresh));
  const std::string schema = "SELECT type, name, sql FROM sqlite_master ORDER BY name";
  EXPECT_EQ(rows(*fresh, schema), rows(*migrated, schema));
}

TEST_F(ChecksMigration, ARowReferringToAMissingOneStopsItAndChangesNothing) {
  auto conn = at_version(kBefore);
  must(conn->exec(
      "PRAGMA foreign_keys=OFF; INSERT INTO work_items (job_id, asset_id, heavy, claim_rank, "
      "status, available_at, created_at) VALUES (99, 22, 0, 1, 'QUEUED', 0, 0); "
      "PRAGMA foreign_keys=ON;"));
  const auto rows_before = contents(*conn);
  const auto shape_before = shape(*conn);
  const auto failed = sqlite::migrate(*conn);
  ASSERT_TRUE(fails_with(failed, core::ErrorCode::kDatabaseError));
  EXPECT_NE(failed.error().message.find("work_items"), std::string::npos) << failed.error().message;
  EXPECT_EQ(must(sqlite::schema_version(*conn)), kBefore);
  EXPECT_EQ(contents(*conn), rows_before);
  EXPECT_EQ(shape(*conn), shape_before);
  EXPECT_EQ(rows(*conn, "PRAGMA foreign_keys"), std::vector<std::string>{"i1"});
}

TEST_F(ChecksMigration, WritesNoLongerBuildATemporaryBTreePerCheck) {
  const std::string insert_asset =
      "INSERT INTO assets (batch_id, client_id, media_type, filename, content_type, bytes, "
      "checksum_sha256, sequence, status, created_at, updated_at) VALUES (10, 'f-9', "
      "'PHOTO_VERTICAL', 'x.jpg', 'image/jpeg', 1, 'c', 9, 'PENDING_UPLOAD', 0, 0)";
  const std::string update_asset = "UPDATE assets SET status = 'UPLOADED' WHERE id = 20";
  const std::string insert_job =
      "INSERT INTO jobs (batch_id, run, status, created_at) VALUES (11, 3, 'QUEUED', 0)";
  const std::string insert_item =
      "INSERT INTO work_items (job_id, asset_id, heavy, claim_rank, status, available_at, "
      "created_at) VALUES (5, 22, 0, 1, 'QUEUED', 0, 0)";
  const std::string insert_batch =
      "INSERT INTO batches (listing_id, status, created_by, created_at, updated_at, expires_at) "
      "VALUES (2, 'PENDING_UPLOAD', 7, 0, 0, 0)";
  auto before = at_version(kBefore);
  EXPECT_EQ(ephemeral_tables(*before, insert_asset), 2) << "media_type and status";
  EXPECT_EQ(ephemeral_tables(*before, insert_batch), 2) << "status and the open-batch index";
  auto after = at_version(sqlite::latest_schema_version());
  EXPECT_EQ(ephemeral_tables(*after, insert_asset), 0);
  EXPECT_EQ(ephemeral_tables(*after, update_asset), 0);
  EXPECT_EQ(ephemeral_tables(*after, insert_job), 0);
  EXPECT_EQ(ephemeral_tables(*after, insert_item), 0);
  // The partial index batches_one_open_per_listing keeps its IN list.
  EXPECT_EQ(ephemeral_tables(*after, insert_batch), 1);
}

// One write changed in one value from a valid row: whether the schema takes it.
struct Write {
  std::string what;
  std::string sql;
  bool accepted;
  std::string column;  // the CHECK that refuses it names this column
};

std::string asset(const std::string& media_type, const std::string& status, int hdr = 0,
                  int has_audio = 0) {
  return "INSERT INTO assets (batch_id, client_id, media_type, filename, content_type, bytes, "
         "checksum_sha256, sequence, status, hdr, has_audio, error_code, job_id, created_at, "
         "updated_at) VALUES (10, 'n-1', '" +
         media_type + "', 'x', 'image/jpeg', 1, 'c', 7, '" + status + "', " + std::to_string(hdr) +
         ", " + std::to_string(has_audio) + ", " + (status == "FAILED" ? "'E'" : "NULL") +
         ", 5, 0, 0)";
}

std::string batch(const std::string& status) {
  return "INSERT INTO batches (listing_id, status, created_by, created_at, updated_at, "
         "expires_at) VALUES (2, '" +
         status + "', 7, 0, 0, 0)";
}

std::string job(const std::string& status) {
  const bool finished = status == "SUCCEEDED" || status == "FAILED";
  return "INSERT INTO jobs (batch_id, run, attempt, status, created_at, started_at, completed_at, "
         "lease_owner, lease_expires_at, error_code) VALUES (11, 3, 1, '" +
         status + "', 0, 1, " + (finished ? "2" : "NULL") + ", 'w', 9, " +
         (status == "FAILED" ? "'E'" : "NULL") + ")";
}

std::string work_item(const std::string& status, int heavy = 0) {
  const bool running = status == "RUNNING";
  return "INSERT INTO work_items (job_id, asset_id, heavy, claim_rank, status, available_at, "
         "lease_owner, lease_expires_at, claimed_at, done_at, created_at) VALUES (5, 22, " +
         std::to_string(heavy) + ", " + std::to_string(1 - heavy) + ", '" + status + "', 0, " +
         (running ? "'w', 9, 1" : "NULL, NULL, NULL") + ", " + (status == "DONE" ? "3" : "NULL") +
         ", 0)";
}

std::vector<Write> writes() {
  std::vector<Write> out = {
      {"unknown media_type", asset("PHOTO_SQUARE", "UPLOADED"), false, "media_type"},
      {"media_type in lower case", asset("photo_vertical", "UPLOADED"), false, "media_type"},
      {"unknown asset status", asset("PHOTO_VERTICAL", "DELETED"), false, "status"},
      {"hdr = 2", asset("PHOTO_VERTICAL", "UPLOADED", 2), false, "hdr"},
      {"hdr = -1", asset("PHOTO_VERTICAL", "UPLOADED", -1), false, "hdr"},
      {"has_audio = 2", asset("PHOTO_VERTICAL", "UPLOADED", 0, 2), false, "has_audio"},
      {"hdr and has_audio = 1", asset("PHOTO_VERTICAL", "UPLOADED", 1, 1), true, ""},
      {"unknown batch status", batch("OPEN"), false, "status"},
      {"batch status with a trailing space", batch("READY "), false, "status"},
      {"unknown job status", job("PAUSED"), false, "status"},
      {"unknown work item status", work_item("FAILED"), false, "status"},
      {"work item heavy = 2", work_item("QUEUED", 2), false, "heavy"},
  };
  for (const char* type : {"PHOTO_VERTICAL", "PHOTO_HORIZONTAL", "VIDEO_VERTICAL",
                           "VIDEO_HORIZONTAL", "PROJECT_DOC", "PROJECT_RENDER"}) {
    out.push_back({std::string("media_type ") + type, asset(type, "UPLOADED"), true, ""});
  }
  for (const char* status : {"PENDING_UPLOAD", "UPLOADED", "PROCESSING", "READY", "FAILED"}) {
    out.push_back({std::string("asset ") + status, asset("PHOTO_VERTICAL", status), true, ""});
  }
  for (const char* status : {"PENDING_UPLOAD", "RECEIVED", "PROCESSING", "READY", "FAILED"}) {
    out.push_back({std::string("batch ") + status, batch(status), true, ""});
  }
  for (const char* status : {"QUEUED", "RUNNING", "SUCCEEDED", "FAILED"}) {
    out.push_back({std::string("job ") + status, job(status), true, ""});
  }
  for (const char* status : {"QUEUED", "RUNNING", "DONE"}) {
    out.push_back({std::string("work item ") + status, work_item(status), true, ""});
  }
  return out;
}

TEST_F(ChecksMigration, TheRebuiltTablesRefuseAndAcceptWhatTheOldOnesDid) {
  for (const int version : {kBefore, sqlite::latest_schema_version()}) {
    auto conn = at_version(version);
    for (const auto& w : writes()) {
      SCOPED_TRACE("version " + std::to_string(version) + ": " + w.what);
      must(conn->exec("BEGIN"));
      const auto done = conn->exec(w.sql);
      const int code = conn->extended_errcode();
      must(conn->exec("ROLLBACK"));
      if (w.accepted) {
        EXPECT_TRUE(done.has_value()) << done.error().message;
        continue;
      }
      ASSERT_FALSE(done.has_value());
      EXPECT_EQ(code, SQLITE_CONSTRAINT_CHECK) << done.error().message;
      EXPECT_NE(done.error().message.find("CHECK constraint failed: " + w.column),
                std::string::npos)
          << done.error().message;
    }
  }
}

}  // namespace
}  // namespace toq::testing
