#include "adapter/mysql/mysql_job_repository.hpp"

#include <fmt/format.h>

#include "adapter/mysql/sql_util.hpp"
#include "adapter/sql/job_pruning.hpp"

namespace toq::mysql {

using core::Job;
using core::JobStatus;

namespace {
std::string select_where(std::string_view where) {
  return fmt::format("SELECT {} FROM jobs WHERE {}", sql::kJobColumns, where);
}
}  // namespace

Result<Job> MysqlJobRepository::require(core::JobId id) {
  auto j = find(id);
  if (!j) return std::unexpected(j.error());
  if (!*j) return std::unexpected(sql::job_not_found(id));
  return **j;
}

Result<Job> MysqlJobRepository::create(core::BatchId batch, core::Timestamp now,
                                       std::string_view traceparent) {
  if (auto valid = sql::check_traceparent(traceparent); !valid) {
    return std::unexpected(valid.error());
  }
  // A plain INSERT: the unique index on the generated column active_batch_id decides any race.
  auto stmt = conn_.prepare(
      "INSERT INTO jobs (batch_id, run, status, created_at, error_message, traceparent) "
      "SELECT ?, n.next_run, 'QUEUED', ?, '', ? FROM "
      "(SELECT COALESCE(MAX(run), 0) + 1 AS next_run FROM jobs WHERE batch_id = ?) AS n");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(batch.value, to_ms(now), std::string(traceparent), batch.value);
  if (auto r = stmt->run(); !r) {
    const auto kind = conn_.last_error_kind();
    if (kind == ErrorKind::kForeignKey) return std::unexpected(sql::batch_not_found(batch));
    if (kind == ErrorKind::kDuplicateKey) {
      auto active = find_active(batch);
      if (active && *active) return std::unexpected(sql::job_already_active(batch, (*active)->id));
    }
    return std::unexpected(r.error());
  }
  return require(core::JobId{stmt->insert_id()});
}

Result<std::optional<Job>> MysqlJobRepository::find(core::JobId id) {
  auto stmt = conn_.prepare(select_where("id = ?"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(id.value);
  return query_one<Job>(*stmt, sql::map_job<Rows>);
}

Result<std::optional<Job>> MysqlJobRepository::find_active(core::BatchId batch) {
  auto stmt = conn_.prepare(select_where("active_batch_id = ?"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(batch.value);
  return query_one<Job>(*stmt, sql::map_job<Rows>);
}

Result<std::optional<Job>> MysqlJobRepository::find_latest(core::BatchId batch) {
  auto stmt = conn_.prepare(select_where("batch_id = ? ORDER BY run DESC LIMIT 1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(batch.value);
  return query_one<Job>(*stmt, sql::map_job<Rows>);
}

Result<std::optional<Job>> MysqlJobRepository::find_latest(core::BatchId batch,
                                                           core::JobStatus status) {
  auto stmt = conn_.prepare(select_where("batch_id = ? AND status = ? ORDER BY run DESC LIMIT 1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(batch.value, core::to_string(status));
  return query_one<Job>(*stmt, sql::map_job<Rows>);
}

Result<std::vector<Job>> MysqlJobRepository::list_by_batch(core::BatchId batch) {
  auto stmt = conn_.prepare(select_where("batch_id = ? ORDER BY run"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(batch.value);
  return query_all<Job>(*stmt, sql::map_job<Rows>);
}

Result<Job> MysqlJobRepository::move(core::JobId id, JobStatus from, JobStatus to,
                                     std::string_view set_clause,
                                     const std::function<void(Statement&)>& bind_extra) {
  if (auto legal = core::check_transition(from, to, id.value); !legal) {
    return std::unexpected(legal.error());
  }
  auto stmt = conn_.prepare(
      fmt::format("UPDATE jobs SET status = ?, {} WHERE id = ? AND status = ?", set_clause));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(core::to_string(to));
  bind_extra(*stmt);
  stmt->bind_all(id.value, core::to_string(from));
  auto matched = stmt->run();
  if (!matched) return std::unexpected(matched.error());
  auto current = require(id);
  if (!current) return current;
  if (*matched == 0) return std::unexpected(sql::job_stale(id, current->status, from));
  return current;
}

Result<Job> MysqlJobRepository::start(core::JobId id, std::string lease_owner,
                                      core::Timestamp lease_expires_at, core::Timestamp now) {
  return move(id, JobStatus::kQueued, JobStatus::kRunning,
              "started_at = ?, attempt = attempt + 1, lease_owner = ?, lease_expires_at = ?",
              [&](Statement& s) { s.bind_all(to_ms(now), lease_owner, to_ms(lease_expires_at)); });
}

Result<Job> MysqlJobRepository::finish(core::JobId id, JobStatus outcome,
                                       std::optional<core::Error> error, core::Timestamp now) {
  auto stored = sql::job_outcome(id, outcome, std::move(error));
  if (!stored) return std::unexpected(stored.error());
  return move(id, JobStatus::kRunning, outcome,
              "completed_at = ?, lease_owner = NULL, lease_expires_at = NULL, error_code = ?, "
              "error_message = ?",
              [&](Statement& s) { s.bind_all(to_ms(now), stored->code, stored->message); });
}

Result<std::optional<Job>> MysqlJobRepository::claim_next(std::string_view owner,
                                                          core::Timestamp lease_expires_at,
                                                          core::Timestamp now) {
  // Each candidate query walks jobs_queued in id order and locks the first row that qualifies;
  // SKIP LOCKED passes over rows another worker's claim holds, so workers neither wait on each
  // other nor take the same job. The index keeps the scan ordered: without it the server would
  // sort first and lock every qualifying row before returning one.
  auto pick = [&](std::string_view sql) -> Result<std::optional<std::int64_t>> {
    auto stmt = conn_.prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(to_ms(now));
    auto rows = stmt->query();
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::optional<std::int64_t>();
    return std::optional<std::int64_t>(rows->int64(0));
  };
  auto expired = pick(
      "SELECT id FROM jobs FORCE INDEX (jobs_queued) WHERE status = 'RUNNING' AND "
      "lease_expires_at < ? ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED");
  if (!expired) return std::unexpected(expired.error());
  auto queued = pick(
      "SELECT id FROM jobs FORCE INDEX (jobs_queued) WHERE status = 'QUEUED' AND "
      "available_at <= ? ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED");
  if (!queued) return std::unexpected(queued.error());
  if (!*expired && !*queued) return std::optional<Job>();
  // The oldest of the two; the other stays locked only until this transaction ends.
  const core::JobId id{*expired && *queued ? std::min(**expired, **queued)
                                           : (*expired ? **expired : **queued)};
  auto claim = conn_.prepare(
      "UPDATE jobs SET status = 'RUNNING', attempt = attempt + 1, "
      "started_at = COALESCE(started_at, ?), lease_owner = ?, lease_expires_at = ? WHERE id = ?");
  if (!claim) return std::unexpected(claim.error());
  claim->bind_all(to_ms(now), owner, to_ms(lease_expires_at), id.value);
  if (auto r = claim->run(); !r) return std::unexpected(r.error());
  auto job = require(id);
  if (!job) return std::unexpected(job.error());
  return std::optional<Job>(*job);
}

Result<std::vector<Job>> MysqlJobRepository::list_lease_expired(core::Timestamp now, int limit) {
  auto stmt = conn_.prepare(
      fmt::format("SELECT {} FROM jobs WHERE status = 'RUNNING' AND lease_expires_at < ? "
                  "ORDER BY lease_expires_at, id LIMIT ?",
                  sql::kJobColumns));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(now), std::int64_t{limit});
  return query_all<Job>(*stmt, sql::map_job<Rows>);
}

Result<Job> MysqlJobRepository::held(core::JobId id, std::string_view owner,
                                     std::string_view set_clause,
                                     const std::function<void(Statement&)>& bind_extra) {
  auto stmt = conn_.prepare(fmt::format(
      "UPDATE jobs SET {} WHERE id = ? AND status = 'RUNNING' AND lease_owner = ?", set_clause));
  if (!stmt) return std::unexpected(stmt.error());
  bind_extra(*stmt);
  stmt->bind_all(id.value, owner);
  auto matched = stmt->run();
  if (!matched) return std::unexpected(matched.error());
  auto current = require(id);
  if (!current) return current;
  if (*matched == 0) return std::unexpected(sql::lease_not_held(*current, owner));
  return current;
}

Result<Job> MysqlJobRepository::heartbeat(core::JobId id, std::string_view owner,
                                          core::Timestamp lease_expires_at,
                                          core::Timestamp /*now*/) {
  return held(id, owner, "lease_expires_at = ?",
              [&](Statement& s) { s.bind(to_ms(lease_expires_at)); });
}

Result<Job> MysqlJobRepository::release(core::JobId id, std::string_view owner,
                                        core::Timestamp available_at, std::string_view reason,
                                        core::Timestamp /*now*/) {
  return held(id, owner,
              "status = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL, available_at = ?, "
              "error_message = ?",
              [&](Statement& s) { s.bind_all(to_ms(available_at), reason); });
}

Result<Job> MysqlJobRepository::requeue(core::JobId id, core::Timestamp /*now*/) {
  return move(id, JobStatus::kRunning, JobStatus::kQueued,
              "lease_owner = NULL, lease_expires_at = NULL", [](Statement&) {});
}

Result<Job> MysqlJobRepository::record_archive(core::JobId id, const core::ArchiveInfo& archive,
                                               core::Timestamp now) {
  auto current = require(id);
  if (!current) return current;
  auto listing = conn_.prepare("SELECT listing_id FROM batches WHERE id = ?");
  if (!listing) return std::unexpected(listing.error());
  listing->bind(current->batch_id.value);
  auto rows = listing->query();
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::unexpected(sql::batch_not_found(current->batch_id));
  if (auto decided = sql::archive_precheck(*current, core::ListingId{rows->int64(0)}, archive)) {
    return *decided;
  }
  auto stmt = conn_.prepare(
      "UPDATE jobs SET archive_key = ?, archive_bytes = ?, archive_sha256_hex = ?, "
      "archive_recorded_at = ? WHERE id = ? AND status = 'RUNNING' AND archive_key IS NULL");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(archive.key, archive.bytes, archive.sha256_hex, to_ms(now), id.value);
  auto matched = stmt->run();
  if (!matched) return std::unexpected(matched.error());
  auto updated = require(id);
  if (!updated) return updated;
  if (*matched == 0) return std::unexpected(sql::archive_not_running(*updated));
  return updated;
}

Result<core::JobQueueStats> MysqlJobRepository::queue_stats() {
  auto stmt = conn_.prepare(sql::kJobQueueStatsQuery);
  if (!stmt) return std::unexpected(stmt.error());
  auto row = query_one<core::JobQueueStats>(*stmt, sql::map_queue_stats<Rows>);
  if (!row) return std::unexpected(row.error());
  return row->value_or(core::JobQueueStats{});
}

Result<std::vector<Job>> MysqlJobRepository::list_prunable(core::Timestamp finished_before,
                                                           int limit) {
  auto stmt = conn_.prepare(sql::prunable_jobs_query());
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(finished_before), std::int64_t{limit});
  return query_all<Job>(*stmt, sql::map_job<Rows>);
}

Result<bool> MysqlJobRepository::remove_prunable(core::JobId id) {
  auto found = find(id);
  if (!found) return std::unexpected(found.error());
  if (!*found) return false;
  return sql::remove_prunable_job(conn_, id, [](Statement& check) -> Result<std::int64_t> {
    auto n = query_one<std::int64_t>(check, [](const Rows& r) { return r.int64(0); });
    if (!n) return std::unexpected(n.error());
    return n->value_or(0);
  });
}

}  // namespace toq::mysql
