#include "adapter/sqlite/sqlite_job_repository.hpp"

#include <fmt/format.h>

#include "core/model/object_keys.hpp"

#include "adapter/sqlite/sql_util.hpp"

namespace toq::sqlite {

using core::ErrorCode;
using core::Job;
using core::JobStatus;

namespace {
constexpr std::string_view kColumns =
    "id, batch_id, run, attempt, status, created_at, started_at, completed_at, lease_owner, "
    "lease_expires_at, error_code, error_message, archive_key, archive_bytes, archive_sha256_hex, "
    "available_at";

std::string select_where(std::string_view where) {
  return fmt::format("SELECT {} FROM jobs WHERE {}", kColumns, where);
}

Job map_job(const Statement& s) {
  Job j;
  j.id = core::JobId{s.int64(0)};
  j.batch_id = core::BatchId{s.int64(1)};
  j.run = s.int32(2);
  j.attempt = s.int32(3);
  j.status = core::parse_job_status(s.text(4)).value_or(JobStatus::kFailed);
  j.created_at = from_ms(s.int64(5));
  j.started_at = opt_time(s, 6);
  j.completed_at = opt_time(s, 7);
  j.lease_owner = s.opt_text(8);
  j.lease_expires_at = opt_time(s, 9);
  if (auto code = s.opt_text(10)) j.error_code = core::parse_error_code(*code);
  j.error_message = s.text(11);
  if (auto key = s.opt_text(12)) {
    j.archive = core::ArchiveInfo{*key, s.opt_int64(13).value_or(0), s.opt_text(14).value_or("")};
  }
  j.available_at = from_ms(s.int64(15));
  return j;
}

bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

core::Error not_found(core::JobId id) {
  return core::make_error(ErrorCode::kJobNotFound, fmt::format("job {} not found", id.value));
}
}  // namespace

Result<Job> SqliteJobRepository::require(core::JobId id) {
  auto j = find(id);
  if (!j) return std::unexpected(j.error());
  if (!*j) return std::unexpected(not_found(id));
  return **j;
}

Result<Job> SqliteJobRepository::create(core::BatchId batch, core::Timestamp now) {
  // A plain INSERT: the partial unique index jobs_one_active_per_batch decides any race.
  auto stmt = conn_.prepare(
      "INSERT INTO jobs (batch_id, run, status, created_at) "
      "SELECT ?1, coalesce(max(run), 0) + 1, 'QUEUED', ?2 FROM jobs WHERE batch_id = ?1");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(batch.value, to_ms(now));
  if (auto r = stmt->run(); !r) {
    if (is_foreign_key_violation(conn_)) {
      return core::fail(ErrorCode::kBatchNotFound, fmt::format("batch {} not found", batch.value));
    }
    if (is_unique_violation(conn_)) {
      auto active = find_active(batch);
      if (active && *active) {
        auto err = core::make_error(
            ErrorCode::kJobAlreadyActive,
            fmt::format("batch {} already has active job {}", batch.value, (*active)->id.value),
            "The batch is already being processed.");
        err.details = core::ConflictDetails{"jobId", (*active)->id.value};
        return std::unexpected(std::move(err));
      }
    }
    return std::unexpected(r.error());
  }
  return require(core::JobId{conn_.last_insert_rowid()});
}

Result<std::optional<Job>> SqliteJobRepository::find(core::JobId id) {
  auto stmt = conn_.prepare(select_where("id = ?1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value);
  return query_one<Job>(*stmt, map_job);
}

Result<std::optional<Job>> SqliteJobRepository::find_active(core::BatchId batch) {
  auto stmt = conn_.prepare(select_where("batch_id = ?1 AND status IN ('QUEUED', 'RUNNING')"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(batch.value);
  return query_one<Job>(*stmt, map_job);
}

Result<std::optional<Job>> SqliteJobRepository::find_latest(core::BatchId batch) {
  auto stmt = conn_.prepare(select_where("batch_id = ?1 ORDER BY run DESC LIMIT 1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(batch.value);
  return query_one<Job>(*stmt, map_job);
}

Result<std::vector<Job>> SqliteJobRepository::list_by_batch(core::BatchId batch) {
  auto stmt = conn_.prepare(select_where("batch_id = ?1 ORDER BY run"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(batch.value);
  return query_all<Job>(*stmt, map_job);
}

Result<Job> SqliteJobRepository::move(core::JobId id, JobStatus from, JobStatus to,
                                      std::string_view set_clause,
                                      const std::function<void(Statement&)>& bind_extra) {
  if (auto legal = core::check_transition(from, to, id.value); !legal) {
    return std::unexpected(legal.error());
  }
  auto stmt = conn_.prepare(
      fmt::format("UPDATE jobs SET status = ?3, {} WHERE id = ?1 AND status = ?2", set_clause));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, core::to_string(from), core::to_string(to));
  bind_extra(*stmt);
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  const int changed = conn_.changes();
  auto current = require(id);
  if (!current) return current;
  if (changed == 0) {
    return core::fail(ErrorCode::kStaleState,
                      fmt::format("job {} is {}, expected {}", id.value,
                                  core::to_string(current->status), core::to_string(from)));
  }
  return current;
}

Result<Job> SqliteJobRepository::start(core::JobId id, std::string lease_owner,
                                       core::Timestamp lease_expires_at, core::Timestamp now) {
  return move(id, JobStatus::kQueued, JobStatus::kRunning,
              "started_at = ?4, attempt = attempt + 1, lease_owner = ?5, lease_expires_at = ?6",
              [&](Statement& s) {
                s.bind(4, to_ms(now)).bind(5, lease_owner).bind(6, to_ms(lease_expires_at));
              });
}

Result<Job> SqliteJobRepository::finish(core::JobId id, JobStatus outcome,
                                        std::optional<core::Error> error, core::Timestamp now) {
  if (outcome != JobStatus::kSucceeded && outcome != JobStatus::kFailed) {
    return core::fail(
        ErrorCode::kInvalidStateTransition,
        fmt::format("job {} cannot finish as {}", id.value, core::to_string(outcome)));
  }
  if (outcome == JobStatus::kFailed && !error) {
    error = core::make_error(ErrorCode::kInternal, "job failed without a reason");
  }
  if (outcome == JobStatus::kSucceeded) error.reset();
  std::optional<std::string> code;
  std::string message;
  if (error) {
    code = std::string(core::to_string(error->code));
    message = error->message;
  }
  return move(id, JobStatus::kRunning, outcome,
              "completed_at = ?4, lease_owner = NULL, lease_expires_at = NULL, error_code = ?5, "
              "error_message = ?6",
              [&](Statement& s) { s.bind(4, to_ms(now)).bind(5, code).bind(6, message); });
}

Result<std::optional<Job>> SqliteJobRepository::claim_next(std::string_view owner,
                                                           core::Timestamp lease_expires_at,
                                                           core::Timestamp now) {
  // The unit of work holds the write lock (BEGIN IMMEDIATE): the SELECT and the UPDATE see the
  // same rows, and no other worker can claim in between.
  auto pick = conn_.prepare(
      "SELECT id FROM jobs WHERE (status = 'QUEUED' AND available_at <= ?1) "
      "OR (status = 'RUNNING' AND lease_expires_at < ?1) ORDER BY id LIMIT 1");
  if (!pick) return std::unexpected(pick.error());
  pick->bind_all(to_ms(now));
  auto found = pick->step();
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::optional<Job>();
  const core::JobId id{pick->int64(0)};
  auto claim = conn_.prepare(
      "UPDATE jobs SET status = 'RUNNING', attempt = attempt + 1, "
      "started_at = coalesce(started_at, ?2), lease_owner = ?3, lease_expires_at = ?4 "
      "WHERE id = ?1 AND ((status = 'QUEUED' AND available_at <= ?2) "
      "OR (status = 'RUNNING' AND lease_expires_at < ?2))");
  if (!claim) return std::unexpected(claim.error());
  claim->bind_all(id.value, to_ms(now), std::string(owner), to_ms(lease_expires_at));
  if (auto r = claim->run(); !r) return std::unexpected(r.error());
  if (conn_.changes() == 0) return std::optional<Job>();
  auto job = require(id);
  if (!job) return std::unexpected(job.error());
  return std::optional<Job>(*job);
}

Result<Job> SqliteJobRepository::held(core::JobId id, std::string_view owner,
                                      std::string_view set_clause,
                                      const std::function<void(Statement&)>& bind_extra) {
  auto stmt = conn_.prepare(fmt::format(
      "UPDATE jobs SET {} WHERE id = ?1 AND status = 'RUNNING' AND lease_owner = ?2", set_clause));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, std::string(owner));
  bind_extra(*stmt);
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  const int changed = conn_.changes();
  auto current = require(id);
  if (!current) return current;
  if (changed == 0) {
    return core::fail(
        ErrorCode::kStaleState,
        fmt::format("job {} is {} held by '{}', not RUNNING held by '{}'", id.value,
                    core::to_string(current->status), current->lease_owner.value_or(""), owner));
  }
  return current;
}

Result<Job> SqliteJobRepository::heartbeat(core::JobId id, std::string_view owner,
                                           core::Timestamp lease_expires_at,
                                           core::Timestamp /*now*/) {
  return held(id, owner, "lease_expires_at = ?3",
              [&](Statement& s) { s.bind(3, to_ms(lease_expires_at)); });
}

Result<Job> SqliteJobRepository::release(core::JobId id, std::string_view owner,
                                         core::Timestamp available_at, std::string_view reason,
                                         core::Timestamp /*now*/) {
  return held(id, owner,
              "status = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL, available_at = ?3, "
              "error_message = ?4",
              [&](Statement& s) { s.bind(3, to_ms(available_at)).bind(4, std::string(reason)); });
}

Result<Job> SqliteJobRepository::requeue(core::JobId id, core::Timestamp /*now*/) {
  return move(id, JobStatus::kRunning, JobStatus::kQueued,
              "lease_owner = NULL, lease_expires_at = NULL", [](Statement&) {});
}

Result<Job> SqliteJobRepository::record_archive(core::JobId id, const core::ArchiveInfo& archive,
                                                core::Timestamp now) {
  auto current = require(id);
  if (!current) return current;
  if (current->archive) {
    if (*current->archive == archive) return current;
    return core::fail(
        ErrorCode::kConflict,
        fmt::format("job {} already has archive {} ({} bytes, {}), not {} ({} "
                    "bytes, {})",
                    id.value, current->archive->key, current->archive->bytes,
                    current->archive->sha256_hex, archive.key, archive.bytes, archive.sha256_hex));
  }
  auto listing = conn_.prepare("SELECT listing_id FROM batches WHERE id = ?1");
  if (!listing) return std::unexpected(listing.error());
  listing->bind_all(current->batch_id.value);
  auto found = listing->step();
  if (!found) return std::unexpected(found.error());
  if (!*found) {
    return core::fail(ErrorCode::kBatchNotFound, fmt::format("batch {} of job {} not found",
                                                             current->batch_id.value, id.value));
  }
  const std::string expected =
      core::archive_key(core::ListingId{listing->int64(0)}, current->batch_id, id);
  if (archive.key != expected || archive.bytes < 0 || !is_sha256_hex(archive.sha256_hex)) {
    return core::fail(
        ErrorCode::kInvalidRequest,
        fmt::format("job {}: archive must be at {} with bytes >= 0 and a lower-case "
                    "hex SHA-256; got {} ({} bytes, '{}')",
                    id.value, expected, archive.key, archive.bytes, archive.sha256_hex));
  }
  auto stmt = conn_.prepare(
      "UPDATE jobs SET archive_key = ?2, archive_bytes = ?3, archive_sha256_hex = ?4, "
      "archive_recorded_at = ?5 WHERE id = ?1 AND status = 'RUNNING' AND archive_key IS NULL");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, archive.key, archive.bytes, archive.sha256_hex, to_ms(now));
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  const int changed = conn_.changes();
  auto updated = require(id);
  if (!updated) return updated;
  if (changed == 0) {
    return core::fail(ErrorCode::kStaleState,
                      fmt::format("job {} is {}, an archive is recorded only while RUNNING",
                                  id.value, core::to_string(updated->status)));
  }
  return updated;
}

}  // namespace toq::sqlite
