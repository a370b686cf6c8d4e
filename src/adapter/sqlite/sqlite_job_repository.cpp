#include "adapter/sqlite/sqlite_job_repository.hpp"

#include <fmt/format.h>

#include "core/model/object_keys.hpp"

#include "adapter/sql/job_pruning.hpp"
#include "adapter/sqlite/sql_util.hpp"

namespace toq::sqlite {

using core::ErrorCode;
using core::Job;
using core::JobStatus;

namespace {
std::string select_where(std::string_view where) {
  return fmt::format("SELECT {} FROM jobs WHERE {}", sql::kJobColumns, where);
}
}  // namespace

Result<Job> SqliteJobRepository::require(core::JobId id) {
  auto j = find(id);
  if (!j) return std::unexpected(j.error());
  if (!*j) return std::unexpected(sql::job_not_found(id));
  return **j;
}

Result<Job> SqliteJobRepository::create(core::BatchId batch, core::Timestamp now,
                                        std::string_view traceparent) {
  if (auto valid = sql::check_traceparent(traceparent); !valid) {
    return std::unexpected(valid.error());
  }
  // A plain INSERT: the partial unique index jobs_one_active_per_batch decides any race.
  auto stmt = conn_.prepare(
      "INSERT INTO jobs (batch_id, run, status, created_at, traceparent) "
      "SELECT ?1, coalesce(max(run), 0) + 1, 'QUEUED', ?2, ?3 FROM jobs WHERE batch_id = ?1");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(batch.value, to_ms(now), std::string(traceparent));
  if (auto r = stmt->run(); !r) {
    if (is_foreign_key_violation(conn_)) {
      return std::unexpected(sql::batch_not_found(batch));
    }
    if (is_unique_violation(conn_)) {
      auto active = find_active(batch);
      if (active && *active) return std::unexpected(sql::job_already_active(batch, (*active)->id));
    }
    return std::unexpected(r.error());
  }
  return require(core::JobId{conn_.last_insert_rowid()});
}

Result<std::optional<Job>> SqliteJobRepository::find(core::JobId id) {
  auto stmt = conn_.prepare(select_where("id = ?1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value);
  return query_one<Job>(*stmt, sql::map_job<Statement>);
}

Result<std::optional<Job>> SqliteJobRepository::find_active(core::BatchId batch) {
  auto stmt = conn_.prepare(select_where("batch_id = ?1 AND status IN ('QUEUED', 'RUNNING')"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(batch.value);
  return query_one<Job>(*stmt, sql::map_job<Statement>);
}

Result<std::optional<Job>> SqliteJobRepository::find_latest(core::BatchId batch) {
  auto stmt = conn_.prepare(select_where("batch_id = ?1 ORDER BY run DESC LIMIT 1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(batch.value);
  return query_one<Job>(*stmt, sql::map_job<Statement>);
}

Result<std::optional<Job>> SqliteJobRepository::find_latest(core::BatchId batch,
                                                            core::JobStatus status) {
  auto stmt =
      conn_.prepare(select_where("batch_id = ?1 AND status = ?2 ORDER BY run DESC LIMIT 1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(batch.value, core::to_string(status));
  return query_one<Job>(*stmt, sql::map_job<Statement>);
}

Result<std::vector<Job>> SqliteJobRepository::list_by_batch(core::BatchId batch) {
  auto stmt = conn_.prepare(select_where("batch_id = ?1 ORDER BY run"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(batch.value);
  return query_all<Job>(*stmt, sql::map_job<Statement>);
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
    return std::unexpected(sql::job_stale(id, current->status, from));
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
  auto stored = sql::job_outcome(id, outcome, std::move(error));
  if (!stored) return std::unexpected(stored.error());
  return move(
      id, JobStatus::kRunning, outcome,
      "completed_at = ?4, lease_owner = NULL, lease_expires_at = NULL, error_code = ?5, "
      "error_message = ?6",
      [&](Statement& s) { s.bind(4, to_ms(now)).bind(5, stored->code).bind(6, stored->message); });
}

Result<std::optional<Job>> SqliteJobRepository::claim_next(std::string_view owner,
                                                           core::Timestamp lease_expires_at,
                                                           core::Timestamp now) {
  // The SELECT and the UPDATE see the same rows, and no other worker can claim in between: the
  // UPDATE gets the write lock only while the SELECT's snapshot is still the latest, else the
  // unit of work runs again under BEGIN IMMEDIATE (SqliteDatabase::run).
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
    return std::unexpected(sql::lease_not_held(*current, owner));
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

Result<std::vector<Job>> SqliteJobRepository::list_lease_expired(core::Timestamp now, int limit) {
  auto stmt = conn_.prepare(
      select_where("status = 'RUNNING' AND lease_expires_at < ?1 ORDER BY lease_expires_at, id "
                   "LIMIT ?2"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(now), std::int64_t{limit});
  return query_all<Job>(*stmt, sql::map_job<Statement>);
}

Result<Job> SqliteJobRepository::requeue(core::JobId id, core::Timestamp /*now*/) {
  return move(id, JobStatus::kRunning, JobStatus::kQueued,
              "lease_owner = NULL, lease_expires_at = NULL", [](Statement&) {});
}

Result<Job> SqliteJobRepository::record_archive(core::JobId id, const core::ArchiveInfo& archive,
                                                core::Timestamp now) {
  auto current = require(id);
  if (!current) return current;
  auto listing = conn_.prepare("SELECT listing_id FROM batches WHERE id = ?1");
  if (!listing) return std::unexpected(listing.error());
  listing->bind_all(current->batch_id.value);
  auto found = listing->step();
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::unexpected(sql::batch_not_found(current->batch_id));
  if (auto decided = sql::archive_precheck(*current, core::ListingId{listing->int64(0)}, archive)) {
    return *decided;
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
  if (changed == 0) return std::unexpected(sql::archive_not_running(*updated));
  return updated;
}

Result<core::JobQueueStats> SqliteJobRepository::queue_stats() {
  auto stmt = conn_.prepare(sql::kJobQueueStatsQuery);
  if (!stmt) return std::unexpected(stmt.error());
  auto row = query_one<core::JobQueueStats>(*stmt, sql::map_queue_stats<Statement>);
  if (!row) return std::unexpected(row.error());
  return row->value_or(core::JobQueueStats{});
}

Result<std::vector<Job>> SqliteJobRepository::list_prunable(core::Timestamp finished_before,
                                                            int limit) {
  auto stmt = conn_.prepare(sql::prunable_jobs_query());
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(finished_before), std::int64_t{limit});
  return query_all<Job>(*stmt, sql::map_job<Statement>);
}

Result<bool> SqliteJobRepository::remove_prunable(core::JobId id) {
  auto found = find(id);
  if (!found) return std::unexpected(found.error());
  if (!*found) return false;
  return sql::remove_prunable_job(conn_, id, [](Statement& check) -> Result<std::int64_t> {
    auto n = query_one<std::int64_t>(check, [](const Statement& r) { return r.int64(0); });
    if (!n) return std::unexpected(n.error());
    return n->value_or(0);
  });
}

}  // namespace toq::sqlite
