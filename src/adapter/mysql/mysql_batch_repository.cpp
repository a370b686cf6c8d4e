#include "adapter/mysql/mysql_batch_repository.hpp"

#include <fmt/format.h>

#include "adapter/mysql/sql_util.hpp"

namespace toq::mysql {

using core::Batch;
using core::BatchStatus;

namespace {
std::string select_where(std::string_view where) {
  return fmt::format("SELECT {} FROM batches WHERE {}", sql::kBatchColumns, where);
}
}  // namespace

core::Error MysqlBatchRepository::open_batch_conflict(core::ListingId listing, core::Error cause) {
  auto open = find_open(listing);
  if (!open) return open.error();
  if (!*open) return cause;  // not the open-batch index after all
  return sql::open_batch_exists(listing, (*open)->id);
}

Result<Batch> MysqlBatchRepository::require(core::BatchId id) {
  auto found = find(id);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::unexpected(sql::batch_not_found(id));
  return **found;
}

Result<Batch> MysqlBatchRepository::create(const core::NewBatch& nb, core::Timestamp now) {
  // A plain INSERT: the unique index on the generated column open_listing_id decides the race.
  auto stmt = conn_.prepare(
      "INSERT INTO batches (listing_id, reference, status, created_by, created_at, updated_at, "
      "expires_at) VALUES (?, ?, 'PENDING_UPLOAD', ?, ?, ?, ?)");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(nb.listing_id.value, nb.reference, nb.created_by.value, to_ms(now), to_ms(now),
                 to_ms(nb.expires_at));
  if (auto r = stmt->run(); !r) {
    const auto kind = conn_.last_error_kind();
    if (kind == ErrorKind::kDuplicateKey) {
      return std::unexpected(open_batch_conflict(nb.listing_id, r.error()));
    }
    if (kind == ErrorKind::kForeignKey) {
      return std::unexpected(sql::listing_not_found(nb.listing_id));
    }
    return std::unexpected(r.error());
  }
  return require(core::BatchId{stmt->insert_id()});
}

Result<std::optional<Batch>> MysqlBatchRepository::find(core::BatchId id) {
  auto stmt = conn_.prepare(select_where("id = ?"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(id.value);
  return query_one<Batch>(*stmt, sql::map_batch<Rows>);
}

Result<std::optional<Batch>> MysqlBatchRepository::find_latest(core::ListingId listing) {
  auto stmt =
      conn_.prepare(select_where("listing_id = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT 1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(listing.value);
  return query_one<Batch>(*stmt, sql::map_batch<Rows>);
}

Result<std::optional<Batch>> MysqlBatchRepository::find_latest(core::ListingId listing,
                                                               BatchStatus status) {
  auto stmt = conn_.prepare(select_where(
      "listing_id = ? AND status = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT 1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(listing.value, core::to_string(status));
  return query_one<Batch>(*stmt, sql::map_batch<Rows>);
}

Result<std::optional<Batch>> MysqlBatchRepository::find_latest_published(core::ListingId listing) {
  auto stmt = conn_.prepare(select_where(
      "listing_id = ? AND deleted_at IS NULL AND id IN (SELECT batch_id FROM jobs WHERE "
      "status = 'SUCCEEDED') ORDER BY id DESC LIMIT 1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(listing.value);
  return query_one<Batch>(*stmt, sql::map_batch<Rows>);
}

Result<std::optional<Batch>> MysqlBatchRepository::find_open(core::ListingId listing) {
  auto stmt = conn_.prepare(select_where("open_listing_id = ? AND deleted_at IS NULL"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(listing.value);
  return query_one<Batch>(*stmt, sql::map_batch<Rows>);
}

Result<std::vector<Batch>> MysqlBatchRepository::list_by_listing(core::ListingId listing) {
  auto stmt = conn_.prepare(select_where("listing_id = ? ORDER BY id"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(listing.value);
  return query_all<Batch>(*stmt, sql::map_batch<Rows>);
}

Result<Batch> MysqlBatchRepository::transition(core::BatchId id, BatchStatus from, BatchStatus to,
                                               core::Timestamp now) {
  if (auto legal = core::check_transition(from, to, id.value); !legal) {
    return std::unexpected(legal.error());
  }
  auto stmt = conn_.prepare(
      "UPDATE batches SET status = ?, updated_at = ? WHERE id = ? AND status = ? "
      "AND deleted_at IS NULL");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(core::to_string(to), to_ms(now), id.value, core::to_string(from));
  auto matched = stmt->run();
  if (!matched) {
    if (conn_.last_error_kind() == ErrorKind::kDuplicateKey) {
      auto current = find(id);
      if (current && *current) {
        return std::unexpected(open_batch_conflict((*current)->listing_id, matched.error()));
      }
    }
    return std::unexpected(matched.error());
  }
  auto current = require(id);
  if (!current) return current;
  if (*matched == 0) return std::unexpected(sql::batch_stale(id, current->status, from));
  return current;
}

Result<sql::Stamped> MysqlBatchRepository::stamp_closed(core::BatchId id, std::string_view column,
                                                        bool touch, const sql::StampRefusal& refuse,
                                                        core::Timestamp now) {
  auto current = require(id);
  if (!current) return std::unexpected(current.error());
  if (auto refused = refuse(*current)) return std::unexpected(std::move(*refused));
  auto stmt = conn_.prepare(fmt::format(
      "UPDATE batches SET {0} = ?{1} WHERE id = ? AND {0} IS NULL AND status IN ('READY', "
      "'FAILED')",
      column, touch ? ", updated_at = ?" : ""));
  if (!stmt) return std::unexpected(stmt.error());
  if (touch) {
    stmt->bind_all(to_ms(now), to_ms(now), id.value);
  } else {
    stmt->bind_all(to_ms(now), id.value);
  }
  auto matched = stmt->run();
  if (!matched) return std::unexpected(matched.error());
  auto stored = require(id);
  if (!stored) return std::unexpected(stored.error());
  return sql::Stamped{std::move(*stored), *matched > 0};
}

Result<Batch> MysqlBatchRepository::soft_delete(core::BatchId id, core::Timestamp now) {
  auto stamped = stamp_closed(id, "deleted_at", true, sql::refuse_open_delete, now);
  if (!stamped) return std::unexpected(stamped.error());
  return std::move(stamped->batch);
}

Result<std::vector<Batch>> MysqlBatchRepository::list_expired_uploads(
    core::Timestamp created_before, int limit) {
  auto stmt = conn_.prepare(
      select_where("status = 'PENDING_UPLOAD' AND deleted_at IS NULL AND created_at <= ? "
                   "ORDER BY created_at, id LIMIT ?"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(created_before), std::int64_t{limit});
  return query_all<Batch>(*stmt, sql::map_batch<Rows>);
}

Result<std::vector<Batch>> MysqlBatchRepository::list_raw_removal_due(
    core::Timestamp abandoned_before, int limit) {
  auto stmt = conn_.prepare(
      select_where("status = 'FAILED' AND raw_removed_at IS NULL AND updated_at <= ? "
                   "AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.batch_id = batches.id) "
                   "ORDER BY updated_at, id LIMIT ?"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(abandoned_before), std::int64_t{limit});
  return query_all<Batch>(*stmt, sql::map_batch<Rows>);
}

Result<Batch> MysqlBatchRepository::mark_raw_removed(core::BatchId id, core::Timestamp now) {
  auto stamped = stamp_closed(id, "raw_removed_at", false, sql::refuse_open_raw_removal, now);
  if (!stamped) return std::unexpected(stamped.error());
  return std::move(stamped->batch);
}

Result<std::vector<Batch>> MysqlBatchRepository::list_page(core::ListingId listing,
                                                           std::optional<core::BatchId> before,
                                                           int limit) {
  auto stmt = conn_.prepare(select_where("listing_id = ? AND id < ? ORDER BY id DESC LIMIT ?"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(listing.value, before ? before->value : sql::kNoBatchAbove, std::int64_t{limit});
  return query_all<Batch>(*stmt, sql::map_batch<Rows>);
}

Result<std::vector<Batch>> MysqlBatchRepository::list_purge_due(core::Timestamp deleted_before,
                                                                int limit) {
  auto stmt = conn_.prepare(
      select_where("deleted_at IS NOT NULL AND deleted_at <= ? AND objects_removed_at IS NULL "
                   "ORDER BY deleted_at, id LIMIT ?"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(deleted_before), std::int64_t{limit});
  return query_all<Batch>(*stmt, sql::map_batch<Rows>);
}

Result<Batch> MysqlBatchRepository::mark_objects_removed(core::BatchId id, core::Timestamp now) {
  auto stamped = stamp_closed(id, "objects_removed_at", false, sql::refuse_not_deleted, now);
  if (!stamped) return std::unexpected(stamped.error());
  if (!stamped->changed) return std::unexpected(sql::objects_already_removed(stamped->batch));
  return std::move(stamped->batch);
}

Result<std::vector<Batch>> MysqlBatchRepository::list_raw_retention_due(
    core::Timestamp settled_before, int limit) {
  auto stmt = conn_.prepare(select_where(
      "status IN ('READY', 'FAILED') AND deleted_at IS NULL AND raw_removed_at IS NULL AND "
      "updated_at <= ? AND EXISTS (SELECT 1 FROM jobs WHERE jobs.batch_id = batches.id AND "
      "jobs.status = 'SUCCEEDED') ORDER BY updated_at, id LIMIT ?"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(settled_before), std::int64_t{limit});
  return query_all<Batch>(*stmt, sql::map_batch<Rows>);
}

}  // namespace toq::mysql
