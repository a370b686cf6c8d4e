#include "adapter/sqlite/migrations.hpp"

#include <fmt/format.h>

namespace toq::sqlite {
namespace {

// Times are INTEGER milliseconds since the Unix epoch (UTC). The two "at most one" rules of the
// architecture are partial unique indexes, so no interleaving of writers can break them.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE listings (
  id              INTEGER PRIMARY KEY,  -- the platform's listingIdentityId
  owner_id        INTEGER NOT NULL,
  photographer_id INTEGER,
  kind            TEXT    NOT NULL CHECK (kind IN ('RESIDENTIAL', 'DEVELOPMENT')),
  status          TEXT    NOT NULL CHECK (length(status) BETWEEN 1 AND 64),
  updated_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE batches (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  listing_id  INTEGER NOT NULL REFERENCES listings (id),
  reference   TEXT    NOT NULL DEFAULT '',
  status      TEXT    NOT NULL
              CHECK (status IN ('PENDING_UPLOAD', 'RECEIVED', 'PROCESSING', 'READY', 'FAILED')),
  created_by  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  deleted_at  INTEGER,
  CHECK (deleted_at IS NULL OR status IN ('READY', 'FAILED'))
) STRICT;
CREATE UNIQUE INDEX batches_one_open_per_listing ON batches (listing_id)
  WHERE status IN ('PENDING_UPLOAD', 'RECEIVED', 'PROCESSING');
CREATE INDEX batches_by_listing ON batches (listing_id, id);

CREATE TABLE jobs (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id         INTEGER NOT NULL REFERENCES batches (id),
  run              INTEGER NOT NULL CHECK (run >= 1),
  attempt          INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  status           TEXT    NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
  created_at       INTEGER NOT NULL,
  started_at       INTEGER,
  completed_at     INTEGER,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  error_code       TEXT,
  error_message    TEXT    NOT NULL DEFAULT '',
  UNIQUE (batch_id, run),
  -- a job that has run, or finished, always has its start time (the "no start time" incident)
  CHECK (status = 'QUEUED' OR (started_at IS NOT NULL AND attempt >= 1)),
  CHECK ((status IN ('SUCCEEDED', 'FAILED')) = (completed_at IS NOT NULL)),
  CHECK (status <> 'RUNNING' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
  CHECK ((status = 'FAILED') = (error_code IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX jobs_one_active_per_batch ON jobs (batch_id)
  WHERE status IN ('QUEUED', 'RUNNING');
CREATE INDEX jobs_queued ON jobs (status, id);

CREATE TABLE assets (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id            INTEGER NOT NULL REFERENCES batches (id),
  client_id           TEXT    NOT NULL,
  media_type          TEXT    NOT NULL CHECK (media_type IN ('PHOTO_VERTICAL', 'PHOTO_HORIZONTAL',
                        'VIDEO_VERTICAL', 'VIDEO_HORIZONTAL', 'PROJECT_DOC', 'PROJECT_RENDER')),
  filename            TEXT    NOT NULL,
  content_type        TEXT    NOT NULL,
  bytes               INTEGER NOT NULL CHECK (bytes > 0),
  checksum_sha256     TEXT    NOT NULL,
  title               TEXT    NOT NULL DEFAULT '',
  sequence            INTEGER NOT NULL CHECK (sequence >= 1),
  status              TEXT    NOT NULL
                      CHECK (status IN ('PENDING_UPLOAD', 'UPLOADED', 'PROCESSING', 'READY', 'FAILED')),
  multipart_upload_id TEXT,
  width               INTEGER,
  height              INTEGER,
  duration_ms         INTEGER,
  format              TEXT,
  codec               TEXT,
  rotation            INTEGER,
  hdr                 INTEGER NOT NULL DEFAULT 0 CHECK (hdr IN (0, 1)),
  has_audio           INTEGER NOT NULL DEFAULT 0 CHECK (has_audio IN (0, 1)),
  error_code          TEXT,
  error_message       TEXT,
  error_hint          TEXT,
  job_id              INTEGER REFERENCES jobs (id),
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  UNIQUE (batch_id, client_id),
  UNIQUE (batch_id, media_type, sequence),
  CHECK ((status = 'FAILED') = (error_code IS NOT NULL)),
  CHECK (status NOT IN ('PROCESSING', 'READY') OR job_id IS NOT NULL)
) STRICT;
CREATE INDEX assets_by_batch ON assets (batch_id, id);

CREATE TABLE renditions (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  asset_id    INTEGER NOT NULL REFERENCES assets (id),
  job_id      INTEGER NOT NULL REFERENCES jobs (id),
  name        TEXT    NOT NULL,
  format      TEXT    NOT NULL,
  width       INTEGER NOT NULL CHECK (width >= 0),
  height      INTEGER NOT NULL CHECK (height >= 0),
  bytes       INTEGER NOT NULL CHECK (bytes >= 0),
  key         TEXT    NOT NULL UNIQUE,
  sha256_hex  TEXT    NOT NULL DEFAULT '',
  UNIQUE (asset_id, job_id, name, format)
) STRICT;
)sql";

// The ZIP of a job (JobRepository::record_archive). Column CHECKs only: SQLite cannot add a table
// CHECK to an existing table, so "all four set or none" is the adapter's single UPDATE.
constexpr std::string_view kJobArchive = R"sql(
ALTER TABLE jobs ADD COLUMN archive_key TEXT
  CHECK (archive_key IS NULL OR length(archive_key) BETWEEN 1 AND 1024);
ALTER TABLE jobs ADD COLUMN archive_bytes INTEGER
  CHECK (archive_bytes IS NULL OR archive_bytes >= 0);
ALTER TABLE jobs ADD COLUMN archive_sha256_hex TEXT
  CHECK (archive_sha256_hex IS NULL OR length(archive_sha256_hex) = 64);
ALTER TABLE jobs ADD COLUMN archive_recorded_at INTEGER;
)sql";

// The durable queue (JobRepository::claim_next / release) and the webhook outbox.
constexpr std::string_view kQueueAndOutbox = R"sql(
ALTER TABLE jobs ADD COLUMN available_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_due ON jobs (status, available_at, id);
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id        TEXT    NOT NULL UNIQUE CHECK (length(event_id) BETWEEN 1 AND 256),
  type            TEXT    NOT NULL,
  payload         TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  delivered_at    INTEGER,
  last_error      TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
)sql";

// The AWS mode's start outbox (ExecutionStartRepository): one row per job with the exact
// execution input, claimed by one relay at a time.
constexpr std::string_view kExecutionStarts = R"sql(
CREATE TABLE execution_starts (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id           INTEGER NOT NULL UNIQUE REFERENCES jobs (id),
  name             TEXT    NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 80),
  input            TEXT    NOT NULL,
  created_at       INTEGER NOT NULL,
  next_attempt_at  INTEGER NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  claimed_by       TEXT,
  claim_expires_at INTEGER,
  started_at       INTEGER,
  execution_arn    TEXT    NOT NULL DEFAULT '',
  last_error       TEXT    NOT NULL DEFAULT '',
  CHECK ((claimed_by IS NULL) = (claim_expires_at IS NULL))
) STRICT;
CREATE INDEX execution_starts_due ON execution_starts (next_attempt_at) WHERE started_at IS NULL;
)sql";

// Abandoned uploads (BatchRepository::list_expired_uploads / list_raw_removal_due /
// mark_raw_removed): when a closed batch's raw uploads were removed, and the index the expiry
// sweep scans.
constexpr std::string_view kUploadExpiry = R"sql(
ALTER TABLE batches ADD COLUMN raw_removed_at INTEGER;
CREATE INDEX batches_by_status ON batches (status, created_at, id);
)sql";

// Batch history and housekeeping (BatchRepository::list_purge_due / mark_objects_removed,
// OutboxRepository::prune_delivered): when a deleted batch's objects were removed, and the
// indexes the housekeeping sweep scans.
constexpr std::string_view kHousekeeping = R"sql(
ALTER TABLE batches ADD COLUMN objects_removed_at INTEGER;
CREATE INDEX batches_deleted ON batches (deleted_at, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX outbox_delivered ON outbox (delivered_at, id) WHERE delivered_at IS NOT NULL;
)sql";

// W3C trace context (support/trace_context.hpp): the traceparent of the request that created a
// job, of the delivery of an outbox event, and of the run that failed an asset.
constexpr std::string_view kTraceContext = R"sql(
ALTER TABLE jobs ADD COLUMN traceparent TEXT NOT NULL DEFAULT ''
  CHECK (traceparent = '' OR length(traceparent) = 55);
ALTER TABLE outbox ADD COLUMN traceparent TEXT NOT NULL DEFAULT ''
  CHECK (traceparent = '' OR length(traceparent) = 55);
ALTER TABLE assets ADD COLUMN error_traceparent TEXT;
)sql";

// The assets of a running job as work items (WorkItemRepository): claimed one at a time by any
// worker under a lease of their own. claim_rank orders a job's items (heavy ones first);
// work_items_due is the claim's scan.
constexpr std::string_view kWorkItems = R"sql(
CREATE TABLE work_items (
  job_id           INTEGER NOT NULL REFERENCES jobs (id),
  asset_id         INTEGER NOT NULL REFERENCES assets (id),
  heavy            INTEGER NOT NULL CHECK (heavy IN (0, 1)),
  claim_rank       INTEGER NOT NULL CHECK (claim_rank = 1 - heavy),
  status           TEXT    NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'DONE')),
  attempt          INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  available_at     INTEGER NOT NULL,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  claimed_at       INTEGER,
  done_at          INTEGER,
  error_message    TEXT    NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  PRIMARY KEY (job_id, asset_id),
  CHECK ((status = 'RUNNING') = (lease_expires_at IS NOT NULL)),
  CHECK (status <> 'RUNNING' OR (lease_owner IS NOT NULL AND claimed_at IS NOT NULL)),
  CHECK ((status = 'DONE') = (done_at IS NOT NULL))
) STRICT;
CREATE INDEX work_items_due ON work_items (status, job_id, claim_rank, asset_id);
)sql";

// The same rules with every CHECK's IN list of more than two values written as = / OR: SQLite
// evaluates such a list through a temporary b-tree built for each row inserted or updated (two per
// asset row, so two hundred per create of 100 files), and lists of up to two values as
// comparisons already. SQLite cannot alter a CHECK, so batches, jobs, assets and work_items are
// rebuilt as lang_altertable.html#otheralter says (migrate() turns foreign keys off around it
// and checks them before the commit): every row, rowid and AUTOINCREMENT counter is kept, and
// the indexes are created again with their text as it was. The columns stay in the order the
// ALTER TABLEs gave them. The partial indexes keep their IN lists (one b-tree per batch insert).
constexpr std::string_view kChecksWithoutInLists = R"sql(
CREATE TABLE new_batches (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  listing_id  INTEGER NOT NULL REFERENCES listings (id),
  reference   TEXT    NOT NULL DEFAULT '',
  status      TEXT    NOT NULL
              CHECK (status = 'PENDING_UPLOAD' OR status = 'RECEIVED' OR status = 'PROCESSING' OR
                     status = 'READY' OR status = 'FAILED'),
  created_by  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  deleted_at  INTEGER,
  raw_removed_at INTEGER,
  objects_removed_at INTEGER,
  CHECK (deleted_at IS NULL OR status IN ('READY', 'FAILED'))
) STRICT;

CREATE TABLE new_jobs (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id         INTEGER NOT NULL REFERENCES batches (id),
  run              INTEGER NOT NULL CHECK (run >= 1),
  attempt          INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  status           TEXT    NOT NULL CHECK (status = 'QUEUED' OR status = 'RUNNING' OR
                                           status = 'SUCCEEDED' OR status = 'FAILED'),
  created_at       INTEGER NOT NULL,
  started_at       INTEGER,
  completed_at     INTEGER,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  error_code       TEXT,
  error_message    TEXT    NOT NULL DEFAULT '',
  archive_key      TEXT    CHECK (archive_key IS NULL OR length(archive_key) BETWEEN 1 AND 1024),
  archive_bytes    INTEGER CHECK (archive_bytes IS NULL OR archive_bytes >= 0),
  archive_sha256_hex TEXT
                   CHECK (archive_sha256_hex IS NULL OR length(archive_sha256_hex) = 64),
  archive_recorded_at INTEGER,
  available_at     INTEGER NOT NULL DEFAULT 0,
  traceparent      TEXT    NOT NULL DEFAULT ''
                   CHECK (traceparent = '' OR length(traceparent) = 55),
  UNIQUE (batch_id, run),
  CHECK (status = 'QUEUED' OR (started_at IS NOT NULL AND attempt >= 1)),
  CHECK ((status IN ('SUCCEEDED', 'FAILED')) = (completed_at IS NOT NULL)),
  CHECK (status <> 'RUNNING' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
  CHECK ((status = 'FAILED') = (error_code IS NOT NULL))
) STRICT;

CREATE TABLE new_assets (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id            INTEGER NOT NULL REFERENCES batches (id),
  client_id           TEXT    NOT NULL,
  media_type          TEXT    NOT NULL
                      CHECK (media_type = 'PHOTO_VERTICAL' OR media_type = 'PHOTO_HORIZONTAL' OR
                             media_type = 'VIDEO_VERTICAL' OR media_type = 'VIDEO_HORIZONTAL' OR
                             media_type = 'PROJECT_DOC' OR media_type = 'PROJECT_RENDER'),
  filename            TEXT    NOT NULL,
  content_type        TEXT    NOT NULL,
  bytes               INTEGER NOT NULL CHECK (bytes > 0),
  checksum_sha256     TEXT    NOT NULL,
  title               TEXT    NOT NULL DEFAULT '',
  sequence            INTEGER NOT NULL CHECK (sequence >= 1),
  status              TEXT    NOT NULL
                      CHECK (status = 'PENDING_UPLOAD' OR status = 'UPLOADED' OR
                             status = 'PROCESSING' OR status = 'READY' OR status = 'FAILED'),
  multipart_upload_id TEXT,
  width               INTEGER,
  height              INTEGER,
  duration_ms         INTEGER,
  format              TEXT,
  codec               TEXT,
  rotation            INTEGER,
  hdr                 INTEGER NOT NULL DEFAULT 0 CHECK (hdr IN (0, 1)),
  has_audio           INTEGER NOT NULL DEFAULT 0 CHECK (has_audio IN (0, 1)),
  error_code          TEXT,
  error_message       TEXT,
  error_hint          TEXT,
  job_id              INTEGER REFERENCES jobs (id),
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  error_traceparent   TEXT,
  UNIQUE (batch_id, client_id),
  UNIQUE (batch_id, media_type, sequence),
  CHECK ((status = 'FAILED') = (error_code IS NOT NULL)),
  CHECK (status NOT IN ('PROCESSING', 'READY') OR job_id IS NOT NULL)
) STRICT;

CREATE TABLE new_work_items (
  job_id           INTEGER NOT NULL REFERENCES jobs (id),
  asset_id         INTEGER NOT NULL REFERENCES assets (id),
  heavy            INTEGER NOT NULL CHECK (heavy IN (0, 1)),
  claim_rank       INTEGER NOT NULL CHECK (claim_rank = 1 - heavy),
  status           TEXT    NOT NULL CHECK (status = 'QUEUED' OR status = 'RUNNING' OR
                                           status = 'DONE'),
  attempt          INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  available_at     INTEGER NOT NULL,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  claimed_at       INTEGER,
  done_at          INTEGER,
  error_message    TEXT    NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  PRIMARY KEY (job_id, asset_id),
  CHECK ((status = 'RUNNING') = (lease_expires_at IS NOT NULL)),
  CHECK (status <> 'RUNNING' OR (lease_owner IS NOT NULL AND claimed_at IS NOT NULL)),
  CHECK ((status = 'DONE') = (done_at IS NOT NULL))
) STRICT;

INSERT INTO new_batches (id, listing_id, reference, status, created_by, created_at, updated_at,
                         expires_at, deleted_at, raw_removed_at, objects_removed_at)
  SELECT id, listing_id, reference, status, created_by, created_at, updated_at, expires_at,
         deleted_at, raw_removed_at, objects_removed_at FROM batches;
INSERT INTO new_jobs (id, batch_id, run, attempt, status, created_at, started_at, completed_at,
                      lease_owner, lease_expires_at, error_code, error_message, archive_key,
                      archive_bytes, archive_sha256_hex, archive_recorded_at, available_at,
                      traceparent)
  SELECT id, batch_id, run, attempt, status, created_at, started_at, completed_at, lease_owner,
         lease_expires_at, error_code, error_message, archive_key, archive_bytes,
         archive_sha256_hex, archive_recorded_at, available_at, traceparent FROM jobs;
INSERT INTO new_assets (id, batch_id, client_id, media_type, filename, content_type, bytes,
                        checksum_sha256, title, sequence, status, multipart_upload_id, width,
                        height, duration_ms, format, codec, rotation, hdr, has_audio, error_code,
                        error_message, error_hint, job_id, created_at, updated_at,
                        error_traceparent)
  SELECT id, batch_id, client_id, media_type, filename, content_type, bytes, checksum_sha256,
         title, sequence, status, multipart_upload_id, width, height, duration_ms, format, codec,
         rotation, hdr, has_audio, error_code, error_message, error_hint, job_id, created_at,
         updated_at, error_traceparent FROM assets;
INSERT INTO new_work_items (rowid, job_id, asset_id, heavy, claim_rank, status, attempt,
                            available_at, lease_owner, lease_expires_at, claimed_at, done_at,
                            error_message, created_at)
  SELECT rowid, job_id, asset_id, heavy, claim_rank, status, attempt, available_at, lease_owner,
         lease_expires_at, claimed_at, done_at, error_message, created_at FROM work_items;

-- AUTOINCREMENT never gives an id again, even one whose row was deleted: the counters carry over
-- (DROP TABLE removes the old table's, ALTER TABLE ... RENAME renames the new one's).
DELETE FROM sqlite_sequence WHERE name IN ('new_batches', 'new_jobs', 'new_assets');
INSERT INTO sqlite_sequence (name, seq)
  SELECT 'new_' || name, seq FROM sqlite_sequence WHERE name IN ('batches', 'jobs', 'assets');

DROP TABLE work_items;
DROP TABLE assets;
DROP TABLE jobs;
DROP TABLE batches;
ALTER TABLE new_batches RENAME TO batches;
ALTER TABLE new_jobs RENAME TO jobs;
ALTER TABLE new_assets RENAME TO assets;
ALTER TABLE new_work_items RENAME TO work_items;

CREATE UNIQUE INDEX batches_one_open_per_listing ON batches (listing_id)
  WHERE status IN ('PENDING_UPLOAD', 'RECEIVED', 'PROCESSING');
CREATE INDEX batches_by_listing ON batches (listing_id, id);
CREATE UNIQUE INDEX jobs_one_active_per_batch ON jobs (batch_id)
  WHERE status IN ('QUEUED', 'RUNNING');
CREATE INDEX jobs_queued ON jobs (status, id);
CREATE INDEX assets_by_batch ON assets (batch_id, id);
CREATE INDEX jobs_due ON jobs (status, available_at, id);
CREATE INDEX batches_by_status ON batches (status, created_at, id);
CREATE INDEX batches_deleted ON batches (deleted_at, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX work_items_due ON work_items (status, job_id, claim_rank, asset_id);
)sql";

const std::vector<Migration> kMigrations = {
    {1, "initial_schema", kInitialSchema},
    {2, "job_archive", kJobArchive},
    {3, "queue_and_outbox", kQueueAndOutbox},
    {4, "upload_expiry", kUploadExpiry},
    {5, "execution_starts", kExecutionStarts},
    {6, "housekeeping", kHousekeeping},
    {7, "trace_context", kTraceContext},
    {8, "work_items", kWorkItems},
    {9, "checks_without_in_lists", kChecksWithoutInLists, true},
};

constexpr std::string_view kBookkeeping = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
)sql";

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back on error.
template <class F>
Status in_write_transaction(Connection& conn, F&& body) {
  if (auto s = conn.exec("BEGIN IMMEDIATE"); !s) return s;
  auto s = body();
  if (!s) {
    (void)conn.exec("ROLLBACK");
    return s;
  }
  if (auto c = conn.exec("COMMIT"); !c) {
    (void)conn.exec("ROLLBACK");
    return c;
  }
  return {};
}

// A row that refers to a missing one, as PRAGMA foreign_key_check reports it: DATABASE_ERROR.
Status check_foreign_keys(Connection& conn) {
  auto check = conn.prepare("PRAGMA foreign_key_check");
  if (!check) return std::unexpected(check.error());
  auto row = check->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return {};
  return core::fail(core::ErrorCode::kDatabaseError,
                    fmt::format("row {} of {} refers to a missing row of {}", check->int64(1),
                                check->text(0), check->text(2)));
}

// PRAGMA foreign_keys does nothing inside a transaction: a migration that rebuilds tables gets it
// turned off before its BEGIN and back on after its COMMIT or ROLLBACK (lang_altertable.html,
// steps 1 and 12), so dropping a table neither deletes nor checks the rows that refer to it.
class ForeignKeysOff {
 public:
  explicit ForeignKeysOff(Connection& conn) : conn_(conn) {}
  ForeignKeysOff(const ForeignKeysOff&) = delete;
  ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;
  ~ForeignKeysOff() {
    if (off_) (void)conn_.exec("PRAGMA foreign_keys=ON");
  }
  Status turn_off() {
    if (auto s = conn_.exec("PRAGMA foreign_keys=OFF"); !s) return s;
    off_ = true;
    return {};
  }

 private:
  Connection& conn_;
  bool off_ = false;
};

}  // namespace

const std::vector<Migration>& migrations() {
  return kMigrations;
}
int latest_schema_version() {
  return kMigrations.back().version;
}

Result<int> schema_version(Connection& conn) {
  auto exists = conn.prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (!exists) return std::unexpected(exists.error());
  if (auto r = exists->step(); !r) return std::unexpected(r.error());
  if (exists->int64(0) == 0) return 0;
  auto q = conn.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!q) return std::unexpected(q.error());
  if (auto r = q->step(); !r) return std::unexpected(r.error());
  return q->int32(0);
}

Result<MigrationReport> migrate(Connection& conn) {
  return migrate_to(conn, latest_schema_version());
}

Result<MigrationReport> migrate_to(Connection& conn, int version) {
  MigrationReport report;
  if (auto s = conn.exec(kBookkeeping); !s) return std::unexpected(s.error());
  auto start = schema_version(conn);
  if (!start) return std::unexpected(start.error());
  report.from_version = *start;
  report.to_version = *start;
  if (*start > latest_schema_version()) {
    return core::fail(core::ErrorCode::kSchemaTooNew,
                      fmt::format("the database is at schema version {}, this toq-media knows up "
                                  "to {}",
                                  *start, latest_schema_version()),
                      {}, "Run a toq-media release at least as new as the one that migrated it.");
  }
  for (const auto& m : kMigrations) {
    if (m.version > version) break;
    if (m.version <= *start) continue;  // applied: versions only grow
    ForeignKeysOff foreign_keys(conn);
    if (m.rebuilds_tables) {
      if (auto off = foreign_keys.turn_off(); !off) return std::unexpected(off.error());
    }
    bool applied_now = false;
    auto s = in_write_transaction(conn, [&]() -> Status {
      auto current = schema_version(conn);  // re-read under the write lock
      if (!current) return std::unexpected(current.error());
      if (*current >= m.version) return {};
      if (auto e = conn.exec(m.sql); !e) return e;
      if (m.rebuilds_tables) {
        if (auto fk = check_foreign_keys(conn); !fk) return fk;
      }
      auto ins = conn.prepare("INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)");
      if (!ins) return std::unexpected(ins.error());
      ins->bind_all(std::int64_t{m.version}, m.name);
      if (auto r = ins->run(); !r) return r;
      applied_now = true;
      return {};
    });
    if (!s) {
      auto err = s.error();
      err.message = fmt::format("migration {} {} failed: {}", m.version, m.name, err.message);
      return std::unexpected(std::move(err));
    }
    if (applied_now) report.applied.push_back(fmt::format("{} {}", m.version, m.name));
  }
  auto end = schema_version(conn);
  if (!end) return std::unexpected(end.error());
  report.to_version = *end;
  return report;
}

}  // namespace toq::sqlite
