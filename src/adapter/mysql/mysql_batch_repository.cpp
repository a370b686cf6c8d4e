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

Result<Batch> MysqlBatchRepository::soft_delete(core::BatchId id, core::Timestamp now) {
  auto current = require(id);
  if (!current) return current;
  if (core::is_open(current->status)) {
    return std::unexpected(sql::batch_open_not_deletable(*current));
  }
  if (current->deleted_at) return current;  // idempotent
  auto stmt = conn_.prepare(
      "UPDATE batches SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL "
      "AND status IN ('READY', 'FAILED')");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(now), to_ms(now), id.value);
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  return require(id);
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
  auto current = require(id);
  if (!current) return current;
  if (core::is_open(current->status)) {
    return std::unexpected(sql::batch_uploads_in_use(*current));
  }
  auto stmt = conn_.prepare(
      "UPDATE batches SET raw_removed_at = ? WHERE id = ? AND raw_removed_at IS NULL "
      "AND status IN ('READY', 'FAILED')");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(to_ms(now), id.value);
  if (auto r = stmt->run(); !r) return std::unexpected(r.error());
  return require(id);
}

}  // namespace toq::mysql
