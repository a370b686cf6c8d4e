#include "adapter/sqlite/sqlite_batch_repository.hpp"

#include <fmt/format.h>

#include "adapter/sqlite/sql_util.hpp"

namespace toq::sqlite {

using core::Batch;
using core::BatchStatus;
using core::ErrorCode;

namespace {
std::string select_where(std::string_view where) {
  return fmt::format("SELECT {} FROM batches WHERE {}", sql::kBatchColumns, where);
}

}  // namespace

core::Error SqliteBatchRepository::open_batch_conflict(core::ListingId listing, core::Error cause) {
  auto open = find_open(listing);
  if (!open) return open.error();
  if (!*open) return cause;  // not the open-batch index after all
  return sql::open_batch_exists(listing, (*open)->id);
}

Result<Batch> SqliteBatchRepository::create(const core::NewBatch& nb, core::Timestamp now) {
  // A plain INSERT: the partial unique index batches_one_open_per_listing decides the race.
  auto stmt = conn_.prepare(
      "INSERT INTO batches (listing_id, reference, status, created_by, created_at, updated_at, "
      "expires_at) VALUES (?1, ?2, 'PENDING_UPLOAD', ?3, ?4, ?4, ?5)");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(nb.listing_id.value, nb.reference, nb.created_by.value, to_ms(now),
                 to_ms(nb.expires_at));
  if (auto r = stmt->run(); !r) {
    if (is_unique_violation(conn_))
      return std::unexpected(open_batch_conflict(nb.listing_id, r.error()));
    if (is_foreign_key_violation(conn_)) {
      return std::unexpected(sql::listing_not_found(nb.listing_id));
    }
    return std::unexpected(r.error());
  }
  auto stored = find(core::BatchId{conn_.last_insert_rowid()});
  if (!stored) return std::unexpected(stored.error());
  return **stored;
}

Result<std::optional<Batch>> SqliteBatchRepository::find(core::BatchId id) {
  auto stmt = conn_.prepare(select_where("id = ?1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value);
  return query_one<Batch>(*stmt, sql::map_batch<Statement>);
}

Result<std::optional<Batch>> SqliteBatchRepository::find_latest(core::ListingId listing) {
  auto stmt = conn_.prepare(
      select_where("listing_id = ?1 AND deleted_at IS NULL ORDER BY id DESC LIMIT 1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(listing.value);
  return query_one<Batch>(*stmt, sql::map_batch<Statement>);
}

Result<std::optional<Batch>> SqliteBatchRepository::find_latest(core::ListingId listing,
                                                                BatchStatus status) {
  auto stmt = conn_.prepare(select_where(
      "listing_id = ?1 AND status = ?2 AND deleted_at IS NULL ORDER BY id DESC LIMIT 1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(listing.value, core::to_string(status));
  return query_one<Batch>(*stmt, sql::map_batch<Statement>);
}

Result<std::optional<Batch>> SqliteBatchRepository::find_latest_published(core::ListingId listing) {
  auto stmt = conn_.prepare(select_where(
      "listing_id = ?1 AND deleted_at IS NULL AND id IN (SELECT batch_id FROM jobs WHERE "
      "status = 'SUCCEEDED') ORDER BY id DESC LIMIT 1"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(listing.value);
  return query_one<Batch>(*stmt, sql::map_batch<Statement>);
}

Result<std::optional<Batch>> SqliteBatchRepository::find_open(core::ListingId listing) {
  auto stmt = conn_.prepare(
      select_where("listing_id = ?1 AND status IN ('PENDING_UPLOAD', 'RECEIVED', 'PROCESSING') "
                   "AND deleted_at IS NULL"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(listing.value);
  return query_one<Batch>(*stmt, sql::map_batch<Statement>);
}

Result<std::vector<Batch>> SqliteBatchRepository::list_by_listing(core::ListingId listing) {
  auto stmt = conn_.prepare(select_where("listing_id = ?1 ORDER BY id"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(listing.value);
  return query_all<Batch>(*stmt, sql::map_batch<Statement>);
}

Result<Batch> SqliteBatchRepository::transition(core::BatchId id, BatchStatus from, BatchStatus to,
                                                core::Timestamp now) {
  if (auto legal = core::check_transition(from, to, id.value); !legal) {
    return std::unexpected(legal.error());
  }
  auto stmt = conn_.prepare(
      "UPDATE batches SET status = ?3, updated_at = ?4 WHERE id = ?1 AND status = ?2 "
      "AND deleted_at IS NULL");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, core::to_string(from), core::to_string(to), to_ms(now));
  if (auto r = stmt->run(); !r) {
    if (is_unique_violation(conn_)) {
      auto current = find(id);
      if (current && *current) {
        return std::unexpected(open_batch_conflict((*current)->listing_id, r.error()));
      }
    }
    return std::unexpected(r.error());
  }
  const int changed = conn_.changes();
  auto current = find(id);
  if (!current) return std::unexpected(current.error());
  if (!*current) return std::unexpected(sql::batch_not_found(id));
  if (changed == 0) {
    return std::unexpected(sql::batch_stale(id, (*current)->status, from));
  }
  return **current;
}

Result<sql::Stamped> SqliteBatchRepository::stamp_closed(core::BatchId id, std::string_view column,
                                                         bool touch,
                                                         const sql::StampRefusal& refuse,
                                                         core::Timestamp now) {
  auto current = find(id);
  if (!current) return std::unexpected(current.error());
  if (!*current) return std::unexpected(sql::batch_not_found(id));
  if (auto refused = refuse(**current)) return std::unexpected(std::move(*refused));
  auto stmt = conn_.prepare(fmt::format(
      "UPDATE batches SET {0} = ?2{1} WHERE id = ?1 AND {0} IS NULL AND status IN ('READY', "
      "'FAILED')",
      column, touch ? ", updated_at = ?2" : ""));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id.value, to_ms(now));
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  const bool changed = conn_.changes() > 0;
  auto stored = find(id);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return std::unexpected(sql::batch_not_found(id));
  return sql::Stamped{std::move(**stored), changed};
}

Result<Batch> SqliteBatchRepository::soft_delete(core::BatchId id, core::Timestamp now) {
  auto stamped = stamp_closed(id, "deleted_at", true, sql::refuse_open_delete, now);
  if (!stamped) return std::unexpected(stamped.error());
  return std::move(stamped->batch);
}

Result<std::vector<Batch>> SqliteBatchRepository::list_expired_uploads(
    core::Timestamp created_before, int limit) {
  auto stmt = conn_.prepare(
      select_where("status = 'PENDING_UPLOAD' AND deleted_at IS NULL AND created_at <= ?1 "
                   "ORDER BY created_at, id LIMIT ?2"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(created_before), std::int64_t{limit});
  return query_all<Batch>(*stmt, sql::map_batch<Statement>);
}

Result<std::vector<Batch>> SqliteBatchRepository::list_raw_removal_due(
    core::Timestamp abandoned_before, int limit) {
  auto stmt = conn_.prepare(
      select_where("status = 'FAILED' AND raw_removed_at IS NULL AND updated_at <= ?1 "
                   "AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.batch_id = batches.id) "
                   "ORDER BY updated_at, id LIMIT ?2"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(abandoned_before), std::int64_t{limit});
  return query_all<Batch>(*stmt, sql::map_batch<Statement>);
}

Result<Batch> SqliteBatchRepository::mark_raw_removed(core::BatchId id, core::Timestamp now) {
  auto stamped = stamp_closed(id, "raw_removed_at", false, sql::refuse_open_raw_removal, now);
  if (!stamped) return std::unexpected(stamped.error());
  return std::move(stamped->batch);
}

Result<std::vector<Batch>> SqliteBatchRepository::list_page(core::ListingId listing,
                                                            std::optional<core::BatchId> before,
                                                            int limit) {
  auto stmt = conn_.prepare(select_where("listing_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(listing.value, before ? before->value : sql::kNoBatchAbove, std::int64_t{limit});
  return query_all<Batch>(*stmt, sql::map_batch<Statement>);
}

Result<std::vector<Batch>> SqliteBatchRepository::list_purge_due(core::Timestamp deleted_before,
                                                                 int limit) {
  auto stmt = conn_.prepare(
      select_where("deleted_at IS NOT NULL AND deleted_at <= ?1 AND objects_removed_at IS NULL "
                   "ORDER BY deleted_at, id LIMIT ?2"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(deleted_before), std::int64_t{limit});
  return query_all<Batch>(*stmt, sql::map_batch<Statement>);
}

Result<Batch> SqliteBatchRepository::mark_objects_removed(core::BatchId id, core::Timestamp now) {
  auto stamped = stamp_closed(id, "objects_removed_at", false, sql::refuse_not_deleted, now);
  if (!stamped) return std::unexpected(stamped.error());
  if (!stamped->changed) return std::unexpected(sql::objects_already_removed(stamped->batch));
  return std::move(stamped->batch);
}

Result<std::vector<Batch>> SqliteBatchRepository::list_raw_retention_due(
    core::Timestamp settled_before, int limit) {
  auto stmt = conn_.prepare(select_where(
      "status IN ('READY', 'FAILED') AND deleted_at IS NULL AND raw_removed_at IS NULL AND "
      "updated_at <= ?1 AND EXISTS (SELECT 1 FROM jobs WHERE jobs.batch_id = batches.id AND "
      "jobs.status = 'SUCCEEDED') ORDER BY updated_at, id LIMIT ?2"));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(settled_before), std::int64_t{limit});
  return query_all<Batch>(*stmt, sql::map_batch<Statement>);
}

}  // namespace toq::sqlite
