#include "adapter/mysql/migrations.hpp"

#include <fmt/format.h>

namespace toq::mysql {
namespace {

// Times are BIGINT milliseconds since the Unix epoch (UTC), as in the SQLite schema. Every table
// is InnoDB in utf8mb4 with the utf8mb4_bin collation: exact, case-sensitive comparisons like
// SQLite's, and a collation both servers have (MySQL 8's default utf8mb4_0900_ai_ci and MariaDB's
// utf8mb4_general_ci would make 'a' equal 'A'). Constraint names carry their table's name: MySQL
// wants CHECK and foreign-key names unique in the whole schema.
//
// The two "at most one" rules: MySQL has no partial indexes, so each is a STORED generated
// column that holds the key while the row is open and NULL once it is closed, under a UNIQUE
// index (which admits any number of NULLs).
constexpr std::string_view kListings = R"sql(
CREATE TABLE listings (
  id              BIGINT      NOT NULL PRIMARY KEY,
  owner_id        BIGINT      NOT NULL,
  photographer_id BIGINT      NULL,
  kind            VARCHAR(16) NOT NULL,
  status          VARCHAR(64) NOT NULL,
  updated_at      BIGINT      NOT NULL,
  CONSTRAINT listings_kind CHECK (kind IN ('RESIDENTIAL', 'DEVELOPMENT')),
  CONSTRAINT listings_status CHECK (CHAR_LENGTH(status) BETWEEN 1 AND 64)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
)sql";

constexpr std::string_view kBatches = R"sql(
CREATE TABLE batches (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  listing_id      BIGINT       NOT NULL,
  reference       VARCHAR(255) NOT NULL DEFAULT '',
  status          VARCHAR(16)  NOT NULL,
  created_by      BIGINT       NOT NULL,
  created_at      BIGINT       NOT NULL,
  updated_at      BIGINT       NOT NULL,
  expires_at      BIGINT       NOT NULL,
  deleted_at      BIGINT       NULL,
  open_listing_id BIGINT GENERATED ALWAYS AS (
                    CASE WHEN status IN ('PENDING_UPLOAD', 'RECEIVED', 'PROCESSING')
                         THEN listing_id END) STORED,
  CONSTRAINT batches_listing FOREIGN KEY (listing_id) REFERENCES listings (id),
  CONSTRAINT batches_status
    CHECK (status IN ('PENDING_UPLOAD', 'RECEIVED', 'PROCESSING', 'READY', 'FAILED')),
  CONSTRAINT batches_deleted_closed CHECK (deleted_at IS NULL OR status IN ('READY', 'FAILED')),
  UNIQUE KEY batches_one_open_per_listing (open_listing_id),
  KEY batches_by_listing (listing_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
)sql";

// error_message has no DEFAULT: MySQL refuses a literal default on TEXT (MariaDB accepts it), so
// every INSERT names it.
constexpr std::string_view kJobs = R"sql(
CREATE TABLE jobs (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  batch_id         BIGINT       NOT NULL,
  run              INT          NOT NULL,
  attempt          INT          NOT NULL DEFAULT 0,
  status           VARCHAR(16)  NOT NULL,
  created_at       BIGINT       NOT NULL,
  started_at       BIGINT       NULL,
  completed_at     BIGINT       NULL,
  lease_owner      VARCHAR(255) NULL,
  lease_expires_at BIGINT       NULL,
  error_code       VARCHAR(64)  NULL,
  error_message    TEXT         NOT NULL,
  active_batch_id  BIGINT GENERATED ALWAYS AS (
                     CASE WHEN status IN ('QUEUED', 'RUNNING') THEN batch_id END) STORED,
  CONSTRAINT jobs_batch FOREIGN KEY (batch_id) REFERENCES batches (id),
  CONSTRAINT jobs_run CHECK (run >= 1),
  CONSTRAINT jobs_attempt CHECK (attempt >= 0),
  CONSTRAINT jobs_status CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
  -- a job that has run, or finished, always has its start time (the "no start time" incident)
  CONSTRAINT jobs_started CHECK (status = 'QUEUED' OR (started_at IS NOT NULL AND attempt >= 1)),
  CONSTRAINT jobs_completed
    CHECK ((status IN ('SUCCEEDED', 'FAILED')) = (completed_at IS NOT NULL)),
  CONSTRAINT jobs_leased
    CHECK (status <> 'RUNNING' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
  CONSTRAINT jobs_error CHECK ((status = 'FAILED') = (error_code IS NOT NULL)),
  UNIQUE KEY jobs_batch_run (batch_id, run),
  UNIQUE KEY jobs_one_active_per_batch (active_batch_id),
  KEY jobs_queued (status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
)sql";

constexpr std::string_view kAssets = R"sql(
CREATE TABLE assets (
  id                  BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  batch_id            BIGINT        NOT NULL,
  client_id           VARCHAR(64)   NOT NULL,
  media_type          VARCHAR(32)   NOT NULL,
  filename            VARCHAR(255)  NOT NULL,
  content_type        VARCHAR(255)  NOT NULL,
  bytes               BIGINT        NOT NULL,
  checksum_sha256     VARCHAR(128)  NOT NULL,
  title               VARCHAR(255)  NOT NULL DEFAULT '',
  sequence            BIGINT        NOT NULL,
  status              VARCHAR(16)   NOT NULL,
  multipart_upload_id VARCHAR(1024) NULL,
  width               INT           NULL,
  height              INT           NULL,
  duration_ms         BIGINT        NULL,
  format              VARCHAR(255)  NULL,
  codec               VARCHAR(64)   NULL,
  rotation            INT           NULL,
  hdr                 TINYINT       NOT NULL DEFAULT 0,
  has_audio           TINYINT       NOT NULL DEFAULT 0,
  error_code          VARCHAR(64)   NULL,
  error_message       TEXT          NULL,
  error_hint          TEXT          NULL,
  job_id              BIGINT        NULL,
  created_at          BIGINT        NOT NULL,
  updated_at          BIGINT        NOT NULL,
  CONSTRAINT assets_batch FOREIGN KEY (batch_id) REFERENCES batches (id),
  CONSTRAINT assets_job FOREIGN KEY (job_id) REFERENCES jobs (id),
  CONSTRAINT assets_media_type CHECK (media_type IN ('PHOTO_VERTICAL', 'PHOTO_HORIZONTAL',
    'VIDEO_VERTICAL', 'VIDEO_HORIZONTAL', 'PROJECT_DOC', 'PROJECT_RENDER')),
  CONSTRAINT assets_bytes CHECK (bytes > 0),
  CONSTRAINT assets_sequence CHECK (sequence >= 1),
  CONSTRAINT assets_status
    CHECK (status IN ('PENDING_UPLOAD', 'UPLOADED', 'PROCESSING', 'READY', 'FAILED')),
  CONSTRAINT assets_hdr CHECK (hdr IN (0, 1)),
  CONSTRAINT assets_has_audio CHECK (has_audio IN (0, 1)),
  CONSTRAINT assets_error CHECK ((status = 'FAILED') = (error_code IS NOT NULL)),
  CONSTRAINT assets_job_set CHECK (status NOT IN ('PROCESSING', 'READY') OR job_id IS NOT NULL),
  UNIQUE KEY assets_client_id (batch_id, client_id),
  UNIQUE KEY assets_sequence_unique (batch_id, media_type, sequence),
  KEY assets_by_batch (batch_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
)sql";

constexpr std::string_view kRenditions = R"sql(
CREATE TABLE renditions (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  asset_id   BIGINT       NOT NULL,
  job_id     BIGINT       NOT NULL,
  name       VARCHAR(64)  NOT NULL,
  format     VARCHAR(16)  NOT NULL,
  width      INT          NOT NULL,
  height     INT          NOT NULL,
  bytes      BIGINT       NOT NULL,
  `key`      VARCHAR(512) NOT NULL,
  sha256_hex VARCHAR(64)  NOT NULL DEFAULT '',
  CONSTRAINT renditions_asset FOREIGN KEY (asset_id) REFERENCES assets (id),
  CONSTRAINT renditions_job FOREIGN KEY (job_id) REFERENCES jobs (id),
  CONSTRAINT renditions_size CHECK (width >= 0 AND height >= 0 AND bytes >= 0),
  UNIQUE KEY renditions_key (`key`),
  UNIQUE KEY renditions_one_per_name (asset_id, job_id, name, format)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
)sql";

// The ZIP of a job: one ALTER, so it is applied whole or not at all; unlike SQLite, MySQL can add
// the table CHECK that all four are set or none.
constexpr std::string_view kJobArchive = R"sql(
ALTER TABLE jobs
  ADD COLUMN archive_key VARCHAR(1024) NULL,
  ADD COLUMN archive_bytes BIGINT NULL,
  ADD COLUMN archive_sha256_hex CHAR(64) NULL,
  ADD COLUMN archive_recorded_at BIGINT NULL,
  ADD CONSTRAINT jobs_archive_key CHECK (archive_key IS NULL OR CHAR_LENGTH(archive_key) >= 1),
  ADD CONSTRAINT jobs_archive_bytes CHECK (archive_bytes IS NULL OR archive_bytes >= 0),
  ADD CONSTRAINT jobs_archive_sha256
    CHECK (archive_sha256_hex IS NULL OR CHAR_LENGTH(archive_sha256_hex) = 64),
  ADD CONSTRAINT jobs_archive_whole
    CHECK ((archive_key IS NULL) = (archive_bytes IS NULL) AND
           (archive_key IS NULL) = (archive_sha256_hex IS NULL) AND
           (archive_key IS NULL) = (archive_recorded_at IS NULL))
)sql";

// The durable queue (JobRepository::claim_next scans jobs_queued in id order with SKIP LOCKED)
// and the webhook outbox.
constexpr std::string_view kJobAvailableAt = R"sql(
ALTER TABLE jobs ADD COLUMN available_at BIGINT NOT NULL DEFAULT 0
)sql";

constexpr std::string_view kOutbox = R"sql(
CREATE TABLE outbox (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id        VARCHAR(255) NOT NULL,
  type            VARCHAR(64)  NOT NULL,
  payload         MEDIUMTEXT   NOT NULL,
  created_at      BIGINT       NOT NULL,
  next_attempt_at BIGINT       NOT NULL,
  attempts        INT          NOT NULL DEFAULT 0,
  delivered_at    BIGINT       NULL,
  last_error      TEXT         NOT NULL,
  CONSTRAINT outbox_event_id CHECK (CHAR_LENGTH(event_id) >= 1),
  CONSTRAINT outbox_attempts CHECK (attempts >= 0),
  UNIQUE KEY outbox_event (event_id),
  KEY outbox_due (delivered_at, next_attempt_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
)sql";

// The AWS mode's start outbox (the SQLite schema's version 5). input is MEDIUMTEXT: a full batch's
// execution input is about 210 KB, past TEXT's 64 KiB.
constexpr std::string_view kExecutionStarts = R"sql(
CREATE TABLE execution_starts (
  id               BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  job_id           BIGINT        NOT NULL,
  name             VARCHAR(80)   NOT NULL,
  input            MEDIUMTEXT    NOT NULL,
  created_at       BIGINT        NOT NULL,
  next_attempt_at  BIGINT        NOT NULL,
  attempts         INT           NOT NULL DEFAULT 0,
  claimed_by       VARCHAR(255)  NULL,
  claim_expires_at BIGINT        NULL,
  started_at       BIGINT        NULL,
  execution_arn    VARCHAR(2048) NOT NULL,
  last_error       TEXT          NOT NULL,
  CONSTRAINT execution_starts_job FOREIGN KEY (job_id) REFERENCES jobs (id),
  CONSTRAINT execution_starts_name_length CHECK (CHAR_LENGTH(name) >= 1),
  CONSTRAINT execution_starts_attempts CHECK (attempts >= 0),
  CONSTRAINT execution_starts_claim CHECK ((claimed_by IS NULL) = (claim_expires_at IS NULL)),
  UNIQUE KEY execution_starts_one_per_job (job_id),
  UNIQUE KEY execution_starts_name (name),
  KEY execution_starts_due (started_at, next_attempt_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
)sql";

// Abandoned uploads (BatchRepository::list_expired_uploads / list_raw_removal_due /
// mark_raw_removed): when a closed batch's raw uploads were removed, and the index the expiry
// sweep scans. One ALTER, applied whole or not at all.
constexpr std::string_view kUploadExpiry = R"sql(
ALTER TABLE batches
  ADD COLUMN raw_removed_at BIGINT NULL,
  ADD KEY batches_by_status (status, created_at, id)
)sql";

// Batch history and housekeeping (BatchRepository::list_purge_due / mark_objects_removed,
// OutboxRepository::prune_delivered): when a deleted batch's objects were removed, and the
// indexes the housekeeping sweep scans. One ALTER per table, each applied whole or not at all.
constexpr std::string_view kBatchObjectsRemoved = R"sql(
ALTER TABLE batches
  ADD COLUMN objects_removed_at BIGINT NULL,
  ADD KEY batches_by_deleted (deleted_at, id)
)sql";
constexpr std::string_view kOutboxDelivered = R"sql(
ALTER TABLE outbox ADD KEY outbox_delivered (delivered_at, id)
)sql";

// W3C trace context (support/trace_context.hpp): the traceparent of the request that created a
// job, of the delivery of an outbox event, and of the run that failed an asset.
constexpr std::string_view kTraceContext = R"sql(
ALTER TABLE jobs ADD COLUMN traceparent VARCHAR(55) NOT NULL DEFAULT ''
)sql";
constexpr std::string_view kOutboxTraceContext = R"sql(
ALTER TABLE outbox ADD COLUMN traceparent VARCHAR(55) NOT NULL DEFAULT ''
)sql";
constexpr std::string_view kAssetTraceContext = R"sql(
ALTER TABLE assets ADD COLUMN error_traceparent VARCHAR(55) NULL
)sql";

// The assets of a running job as work items (WorkItemRepository): claimed one at a time by any
// worker under a lease of their own. claim_rank orders a job's items (heavy ones first);
// work_items_due is the claim's scan (FORCE INDEX, SKIP LOCKED).
constexpr std::string_view kWorkItems = R"sql(
CREATE TABLE work_items (
  job_id           BIGINT       NOT NULL,
  asset_id         BIGINT       NOT NULL,
  heavy            TINYINT      NOT NULL,
  claim_rank       TINYINT      NOT NULL,
  status           VARCHAR(16)  NOT NULL,
  attempt          INT          NOT NULL DEFAULT 0,
  available_at     BIGINT       NOT NULL,
  lease_owner      VARCHAR(255) NULL,
  lease_expires_at BIGINT       NULL,
  claimed_at       BIGINT       NULL,
  done_at          BIGINT       NULL,
  error_message    TEXT         NOT NULL,
  created_at       BIGINT       NOT NULL,
  PRIMARY KEY (job_id, asset_id),
  CONSTRAINT work_items_job FOREIGN KEY (job_id) REFERENCES jobs (id),
  CONSTRAINT work_items_asset FOREIGN KEY (asset_id) REFERENCES assets (id),
  CONSTRAINT work_items_heavy CHECK (heavy IN (0, 1) AND claim_rank = 1 - heavy),
  CONSTRAINT work_items_status CHECK (status IN ('QUEUED', 'RUNNING', 'DONE')),
  CONSTRAINT work_items_attempt CHECK (attempt >= 0),
  CONSTRAINT work_items_lease CHECK ((status = 'RUNNING') = (lease_expires_at IS NOT NULL)),
  CONSTRAINT work_items_held
    CHECK (status <> 'RUNNING' OR (lease_owner IS NOT NULL AND claimed_at IS NOT NULL)),
  CONSTRAINT work_items_done CHECK ((status = 'DONE') = (done_at IS NOT NULL)),
  KEY work_items_due (status, job_id, claim_rank, asset_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
)sql";

const std::vector<Migration> kMigrations = {
    {1, "initial_schema", {kListings, kBatches, kJobs, kAssets, kRenditions}},
    {2, "job_archive", {kJobArchive}},
    {3, "queue_and_outbox", {kJobAvailableAt, kOutbox}},
    {4, "upload_expiry", {kUploadExpiry}},
    {5, "execution_starts", {kExecutionStarts}},
    {6, "housekeeping", {kBatchObjectsRemoved, kOutboxDelivered}},
    {7, "trace_context", {kTraceContext, kOutboxTraceContext, kAssetTraceContext}},
    {8, "work_items", {kWorkItems}},
};

constexpr std::string_view kBookkeeping = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INT          NOT NULL PRIMARY KEY,
  name       VARCHAR(128) NOT NULL,
  applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
)sql";

// "Already exists" for a table, column, index, foreign key or CHECK constraint (MySQL 8 names
// a duplicate CHECK 3822; MariaDB reports it as a duplicate key name, 1061).
bool already_exists(unsigned error_number) {
  return error_number == 1050 || error_number == 1060 || error_number == 1061 ||
         error_number == 1826 || error_number == 3822;
}

class NamedLock {
 public:
  explicit NamedLock(Connection& conn) : conn_(conn) {}
  Status take(int seconds) {
    auto stmt = conn_.prepare("SELECT GET_LOCK('toq_media_schema', ?)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(std::int64_t{seconds});
    auto rows = stmt->query();
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty() || rows->opt_int64(0) != 1) {
      return core::fail(core::ErrorCode::kDatabaseBusy,
                        fmt::format("another toq-media held the schema lock for {} s", seconds), {},
                        "Another process is migrating the database; try again when it is done.");
    }
    held_ = true;
    return {};
  }
  ~NamedLock() {
    if (!held_ || conn_.broken()) return;
    if (auto stmt = conn_.prepare("SELECT RELEASE_LOCK('toq_media_schema')")) (void)stmt->query();
  }
  NamedLock(const NamedLock&) = delete;
  NamedLock& operator=(const NamedLock&) = delete;

 private:
  Connection& conn_;
  bool held_ = false;
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
      "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND "
      "table_name = 'schema_migrations'");
  if (!exists) return std::unexpected(exists.error());
  auto found = exists->query();
  if (!found) return std::unexpected(found.error());
  if (found->int64(0) == 0) return 0;
  auto q = conn.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!q) return std::unexpected(q.error());
  auto rows = q->query();
  if (!rows) return std::unexpected(rows.error());
  auto committed = conn.commit();  // end the read: DDL follows
  if (!committed) return std::unexpected(committed.error());
  return rows->int32(0);
}

Result<MigrationReport> migrate(Connection& conn, int lock_seconds) {
  NamedLock lock(conn);
  if (auto s = lock.take(lock_seconds); !s) return std::unexpected(s.error());
  MigrationReport report;
  if (auto s = conn.execute(kBookkeeping); !s) return std::unexpected(s.error());
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
    if (m.version <= *start) continue;
    for (const auto sql : m.statements) {
      auto s = conn.execute(sql);
      if (!s && !already_exists(conn.last_error_number())) {
        auto err = s.error();
        err.message = fmt::format("migration {} {} failed: {}", m.version, m.name, err.message);
        return std::unexpected(std::move(err));
      }
    }
    auto ins = conn.prepare("INSERT INTO schema_migrations (version, name) VALUES (?, ?)");
    if (!ins) return std::unexpected(ins.error());
    ins->bind_all(std::int64_t{m.version}, m.name);
    if (auto r = ins->run(); !r) return std::unexpected(r.error());
    if (auto c = conn.commit(); !c) return std::unexpected(c.error());
    report.applied.push_back(fmt::format("{} {}", m.version, m.name));
    report.to_version = m.version;
  }
  return report;
}

}  // namespace toq::mysql
