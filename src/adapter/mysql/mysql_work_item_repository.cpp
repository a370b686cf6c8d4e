#include "adapter/mysql/mysql_work_item_repository.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "adapter/mysql/sql_util.hpp"

namespace toq::mysql {

using core::WorkItem;

namespace {
std::string select_where(std::string_view where) {
  return fmt::format("SELECT {} FROM work_items WHERE {}", sql::kWorkItemColumns, where);
}
}  // namespace

Result<std::optional<WorkItem>> MysqlWorkItemRepository::find(core::JobId job,
                                                              core::AssetId asset) {
  auto stmt = conn_.prepare(select_where("job_id = ? AND asset_id = ?"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(job.value, asset.value);
  return query_one<WorkItem>(*stmt, sql::map_work_item<Rows>);
}

Result<int> MysqlWorkItemRepository::plan(core::JobId job,
                                          const std::vector<core::PlannedItem>& items,
                                          core::Timestamp now) {
  auto exists = conn_.prepare("SELECT COUNT(*) FROM jobs WHERE id = ?");
  if (!exists) return std::unexpected(exists.error());
  exists->bind(job.value);
  auto rows = exists->query();
  if (!rows) return std::unexpected(rows.error());
  if (rows->int64(0) == 0) return std::unexpected(sql::job_not_found(job));
  int inserted = 0;
  for (const auto& item : items) {
    // A plain INSERT: an item planned before is a duplicate key, left as it is (a failed
    // statement rolls back alone; the transaction goes on).
    auto insert = conn_.prepare(
        "INSERT INTO work_items (job_id, asset_id, heavy, claim_rank, status, available_at, "
        "created_at, error_message) VALUES (?, ?, ?, ?, 'QUEUED', ?, ?, '')");
    if (!insert) return std::unexpected(insert.error());
    insert->bind_all(job.value, item.asset.value, item.heavy, item.heavy ? 0 : 1, to_ms(now),
                     to_ms(now));
    if (auto r = insert->run(); !r) {
      const auto kind = conn_.last_error_kind();
      if (kind == ErrorKind::kDuplicateKey) continue;
      if (kind == ErrorKind::kForeignKey) return std::unexpected(sql::asset_not_found(item.asset));
      return std::unexpected(r.error());
    }
    ++inserted;
  }
  return inserted;
}

Result<std::optional<WorkItem>> MysqlWorkItemRepository::claim_next(
    std::string_view owner, core::Timestamp lease_expires_at, core::Timestamp now,
    std::optional<core::JobId> job) {
  // Each candidate query walks work_items_due in claim order and locks the first row that
  // qualifies; SKIP LOCKED passes over rows another worker's claim holds, so workers neither wait
  // on each other nor take the same item (no join: a locking read would lock the joined rows too).
  using Pick = std::optional<std::pair<std::int64_t, std::int64_t>>;
  auto pick = [&](std::string_view condition) -> Result<Pick> {
    auto stmt = conn_.prepare(fmt::format(
        "SELECT job_id, asset_id FROM work_items FORCE INDEX (work_items_due) WHERE {} {} "
        "ORDER BY job_id, claim_rank, asset_id LIMIT 1 FOR UPDATE SKIP LOCKED",
        condition, job ? "AND job_id = ?" : ""));
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(to_ms(now));
    if (job) stmt->bind(job->value);
    auto rows = stmt->query();
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return Pick();
    return Pick(std::pair(rows->int64(0), rows->int64(1)));
  };
  auto expired = pick("status = 'RUNNING' AND lease_expires_at < ?");
  if (!expired) return std::unexpected(expired.error());
  auto queued = pick("status = 'QUEUED' AND available_at <= ?");
  if (!queued) return std::unexpected(queued.error());
  if (!*expired && !*queued) return std::optional<WorkItem>();
  // The first in claim order; the other stays locked only until this transaction ends.
  const auto chosen =
      *expired && *queued ? std::min(**expired, **queued) : (*expired ? **expired : **queued);
  auto claim = conn_.prepare(
      "UPDATE work_items SET status = 'RUNNING', attempt = attempt + 1, claimed_at = ?, "
      "lease_owner = ?, lease_expires_at = ? WHERE job_id = ? AND asset_id = ?");
  if (!claim) return std::unexpected(claim.error());
  claim->bind_all(to_ms(now), owner, to_ms(lease_expires_at), chosen.first, chosen.second);
  if (auto r = claim->run(); !r) return std::unexpected(r.error());
  return find(core::JobId{chosen.first}, core::AssetId{chosen.second});
}

Result<WorkItem> MysqlWorkItemRepository::held(core::JobId job, core::AssetId asset,
                                               std::string_view owner, std::string_view set_clause,
                                               const std::function<void(Statement&)>& bind_extra) {
  auto stmt =
      conn_.prepare(fmt::format("UPDATE work_items SET {} WHERE job_id = ? AND asset_id = ? AND "
                                "status = 'RUNNING' AND lease_owner = ?",
                                set_clause));
  if (!stmt) return std::unexpected(stmt.error());
  bind_extra(*stmt);
  stmt->bind_all(job.value, asset.value, owner);
  auto matched = stmt->run();
  if (!matched) return std::unexpected(matched.error());
  auto current = find(job, asset);
  if (!current) return std::unexpected(current.error());
  if (!*current) return std::unexpected(sql::work_item_not_found(job, asset));
  if (*matched == 0) return std::unexpected(sql::work_item_not_held(**current, owner));
  return **current;
}

Result<WorkItem> MysqlWorkItemRepository::heartbeat(core::JobId job, core::AssetId asset,
                                                    std::string_view owner,
                                                    core::Timestamp lease_expires_at,
                                                    core::Timestamp /*now*/) {
  return held(job, asset, owner, "lease_expires_at = ?",
              [&](Statement& s) { s.bind(to_ms(lease_expires_at)); });
}

Result<WorkItem> MysqlWorkItemRepository::complete(core::JobId job, core::AssetId asset,
                                                   std::string_view owner, core::Timestamp now) {
  auto current = find(job, asset);
  if (!current) return std::unexpected(current.error());
  if (*current && (*current)->status == core::WorkItemStatus::kDone) return **current;
  return held(job, asset, owner, "status = 'DONE', done_at = ?, lease_expires_at = NULL",
              [&](Statement& s) { s.bind(to_ms(now)); });
}

Result<WorkItem> MysqlWorkItemRepository::release(core::JobId job, core::AssetId asset,
                                                  std::string_view owner,
                                                  core::Timestamp available_at,
                                                  std::string_view reason,
                                                  core::Timestamp /*now*/) {
  return held(job, asset, owner,
              "status = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL, "
              "available_at = ?, error_message = ?",
              [&](Statement& s) { s.bind_all(to_ms(available_at), reason); });
}

Result<int> MysqlWorkItemRepository::close_open(core::JobId job, core::Timestamp now) {
  auto stmt = conn_.prepare(
      "UPDATE work_items SET status = 'DONE', done_at = ?, lease_owner = NULL, "
      "lease_expires_at = NULL WHERE job_id = ? AND status <> 'DONE'");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(now), job.value);
  auto matched = stmt->run();
  if (!matched) return std::unexpected(matched.error());
  return static_cast<int>(*matched);
}

Result<std::vector<WorkItem>> MysqlWorkItemRepository::list_by_job(core::JobId job) {
  auto stmt = conn_.prepare(select_where("job_id = ? ORDER BY asset_id"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(job.value);
  return query_all<WorkItem>(*stmt, sql::map_work_item<Rows>);
}

}  // namespace toq::mysql
