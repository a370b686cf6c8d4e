#include "adapter/sqlite/sqlite_work_item_repository.hpp"

#include <fmt/format.h>

#include "adapter/sqlite/sql_util.hpp"

namespace toq::sqlite {

using core::WorkItem;

namespace {
std::string select_where(std::string_view where) {
  return fmt::format("SELECT {} FROM work_items WHERE {}", sql::kWorkItemColumns, where);
}
}  // namespace

Result<std::optional<WorkItem>> SqliteWorkItemRepository::find(core::JobId job,
                                                               core::AssetId asset) {
  auto stmt = conn_.prepare(select_where("job_id = ?1 AND asset_id = ?2"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(job.value, asset.value);
  return query_one<WorkItem>(*stmt, sql::map_work_item<Statement>);
}

Result<int> SqliteWorkItemRepository::plan(core::JobId job,
                                           const std::vector<core::PlannedItem>& items,
                                           core::Timestamp now) {
  auto exists = conn_.prepare("SELECT count(*) FROM jobs WHERE id = ?1");
  if (!exists) return std::unexpected(exists.error());
  exists->bind_all(job.value);
  if (auto r = exists->step(); !r) return std::unexpected(r.error());
  if (exists->int64(0) == 0) return std::unexpected(sql::job_not_found(job));
  int inserted = 0;
  for (const auto& item : items) {
    auto insert = conn_.prepare(
        "INSERT INTO work_items (job_id, asset_id, heavy, claim_rank, status, available_at, "
        "created_at) VALUES (?1, ?2, ?3, 1 - ?3, 'QUEUED', ?4, ?4) "
        "ON CONFLICT (job_id, asset_id) DO NOTHING");
    if (!insert) return std::unexpected(insert.error());
    insert->bind_all(job.value, item.asset.value, item.heavy, to_ms(now));
    if (auto r = insert->run(); !r) {
      if (is_foreign_key_violation(conn_)) return std::unexpected(sql::asset_not_found(item.asset));
      return std::unexpected(r.error());
    }
    inserted += conn_.changes();
  }
  return inserted;
}

Result<std::optional<WorkItem>> SqliteWorkItemRepository::claim_next(
    std::string_view owner, core::Timestamp lease_expires_at, core::Timestamp now,
    std::optional<core::JobId> job) {
  // The SELECT and the UPDATE see the same rows, and no other worker can claim in between: the
  // UPDATE gets the write lock only while the SELECT's snapshot is still the latest, else the
  // unit of work runs again under BEGIN IMMEDIATE (SqliteDatabase::run).
  constexpr std::string_view kDue =
      "((status = 'QUEUED' AND available_at <= ?1) OR (status = 'RUNNING' AND "
      "lease_expires_at < ?1))";
  auto pick = conn_.prepare(fmt::format(
      "SELECT job_id, asset_id FROM work_items WHERE {} AND (?2 IS NULL OR job_id = ?2) "
      "ORDER BY job_id, claim_rank, asset_id LIMIT 1",
      kDue));
  if (!pick) return std::unexpected(pick.error());
  pick->bind(1, to_ms(now));
  if (job) {
    pick->bind(2, job->value);
  } else {
    pick->bind_null(2);
  }
  auto found = pick->step();
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::optional<WorkItem>();
  const core::JobId job_id{pick->int64(0)};
  const core::AssetId asset_id{pick->int64(1)};
  auto claim = conn_.prepare(fmt::format(
      "UPDATE work_items SET status = 'RUNNING', attempt = attempt + 1, claimed_at = ?1, "
      "lease_owner = ?2, lease_expires_at = ?3 WHERE job_id = ?4 AND asset_id = ?5 AND {}",
      kDue));
  if (!claim) return std::unexpected(claim.error());
  claim->bind_all(to_ms(now), std::string(owner), to_ms(lease_expires_at), job_id.value,
                  asset_id.value);
  if (auto r = claim->run(); !r) return std::unexpected(r.error());
  if (conn_.changes() == 0) return std::optional<WorkItem>();
  return find(job_id, asset_id);
}

Result<WorkItem> SqliteWorkItemRepository::held(core::JobId job, core::AssetId asset,
                                                std::string_view owner, std::string_view set_clause,
                                                const std::function<void(Statement&)>& bind_extra) {
  auto stmt =
      conn_.prepare(fmt::format("UPDATE work_items SET {} WHERE job_id = ?1 AND asset_id = ?2 AND "
                                "status = 'RUNNING' AND lease_owner = ?3",
                                set_clause));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(job.value, asset.value, std::string(owner));
  bind_extra(*stmt);
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  const int changed = conn_.changes();
  auto current = find(job, asset);
  if (!current) return std::unexpected(current.error());
  if (!*current) return std::unexpected(sql::work_item_not_found(job, asset));
  if (changed == 0) return std::unexpected(sql::work_item_not_held(**current, owner));
  return **current;
}

Result<WorkItem> SqliteWorkItemRepository::heartbeat(core::JobId job, core::AssetId asset,
                                                     std::string_view owner,
                                                     core::Timestamp lease_expires_at,
                                                     core::Timestamp /*now*/) {
  return held(job, asset, owner, "lease_expires_at = ?4",
              [&](Statement& s) { s.bind(4, to_ms(lease_expires_at)); });
}

Result<WorkItem> SqliteWorkItemRepository::complete(core::JobId job, core::AssetId asset,
                                                    std::string_view owner, core::Timestamp now) {
  auto current = find(job, asset);
  if (!current) return std::unexpected(current.error());
  if (*current && (*current)->status == core::WorkItemStatus::kDone) return **current;
  return held(job, asset, owner, "status = 'DONE', done_at = ?4, lease_expires_at = NULL",
              [&](Statement& s) { s.bind(4, to_ms(now)); });
}

Result<WorkItem> SqliteWorkItemRepository::release(core::JobId job, core::AssetId asset,
                                                   std::string_view owner,
                                                   core::Timestamp available_at,
                                                   std::string_view reason,
                                                   core::Timestamp /*now*/) {
  return held(job, asset, owner,
              "status = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL, "
              "available_at = ?4, error_message = ?5",
              [&](Statement& s) { s.bind(4, to_ms(available_at)).bind(5, std::string(reason)); });
}

Result<int> SqliteWorkItemRepository::close_open(core::JobId job, core::Timestamp now) {
  auto stmt = conn_.prepare(
      "UPDATE work_items SET status = 'DONE', done_at = ?2, lease_owner = NULL, "
      "lease_expires_at = NULL WHERE job_id = ?1 AND status <> 'DONE'");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(job.value, to_ms(now));
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  return conn_.changes();
}

Result<std::vector<WorkItem>> SqliteWorkItemRepository::list_by_job(core::JobId job) {
  auto stmt = conn_.prepare(select_where("job_id = ?1 ORDER BY asset_id"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(job.value);
  return query_all<WorkItem>(*stmt, sql::map_work_item<Statement>);
}

}  // namespace toq::sqlite
