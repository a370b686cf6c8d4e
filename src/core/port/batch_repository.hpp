#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model/batch.hpp"
#include "core/model/error.hpp"

namespace toq::core {

struct NewBatch {
  ListingId listing_id;
  std::string reference;
  UserId created_by;
  Timestamp expires_at{};
};

// Upload batches.
//
// Contract (every adapter, checked by the conformance suite):
// - create() inserts a PENDING_UPLOAD batch. "At most one open batch (PENDING_UPLOAD, RECEIVED,
//   PROCESSING) per listing" is enforced by the schema (a unique or partial index), never by a read
//   then a write: when the listing already has an open batch, create() returns OPEN_BATCH_EXISTS
//   with ConflictDetails{"batchId", <the open batch>}, whatever the interleaving of callers.
//   LISTING_NOT_FOUND when the listing does not exist.
// - find() / find_latest() / find_open() return nullopt when nothing matches. Soft-deleted batches
//   are never returned by find_latest() or find_open(); find() returns them with deleted_at set.
// - find_latest(listing, status) is the newest batch (highest id) in that status.
// - find_latest_published(listing) is the newest batch (highest id) with a SUCCEEDED job, whatever
//   its status now: a batch being reprocessed, or whose retry failed, still has the outputs of
//   that job to serve.
// - transition() is a compare-and-set: it checks the state machine (INVALID_STATE_TRANSITION), then
//   moves the batch only if it is still in `from` (STALE_STATE otherwise, BATCH_NOT_FOUND when
//   missing). Moving into an open state obeys the one-open-batch rule (OPEN_BATCH_EXISTS).
// - soft_delete() marks a closed batch deleted (CONFLICT for an open one).
// - list_expired_uploads(created_before, limit): up to `limit` PENDING_UPLOAD batches, not deleted,
//   created at or before `created_before`, oldest (created_at, then id) first. A read only: the
//   caller moves each with transition(), which decides any race.
// - list_raw_removal_due(abandoned_before, limit): up to `limit` FAILED batches that never had a
//   job (abandoned during upload: expired, cancelled, or refused by the store at creation), whose
//   raw uploads are not marked removed (raw_removed_at null) and whose last change (updated_at) is
//   at or before `abandoned_before`, oldest first. Deleted batches are included.
// - mark_raw_removed() sets raw_removed_at (idempotent: a time already set is kept) and returns the
//   batch; BATCH_NOT_FOUND when missing, CONFLICT for an open batch (its uploads are in use).
// History and housekeeping:
// - list_page(listing, before, limit): up to `limit` batches of the listing, deleted ones
//   included, newest first (id descending), only ids below `before` when given. Stable: a page
//   never repeats or skips a batch that existed when the first page was read.
// - list_purge_due(deleted_before, limit): up to `limit` batches deleted at or before
//   `deleted_before` whose objects are not marked removed (objects_removed_at null), oldest
//   deletion first.
// - mark_objects_removed() sets objects_removed_at on a deleted batch. A compare-and-set: of
//   racing callers exactly one succeeds, the others get STALE_STATE; CONFLICT for a batch that is
//   not deleted, BATCH_NOT_FOUND when missing.
// - list_raw_retention_due(settled_before, limit): up to `limit` batches, not deleted, READY or
//   FAILED, that have a SUCCEEDED job (their outputs do not need the raw uploads any more), whose
//   raw uploads are not marked removed and whose last change (updated_at) is at or before
//   `settled_before`, oldest first.
class BatchRepository {
 public:
  virtual ~BatchRepository() = default;
  virtual Result<Batch> create(const NewBatch& batch, Timestamp now) = 0;
  virtual Result<std::optional<Batch>> find(BatchId id) = 0;
  virtual Result<std::optional<Batch>> find_latest(ListingId listing) = 0;
  virtual Result<std::optional<Batch>> find_latest(ListingId listing, BatchStatus status) = 0;
  virtual Result<std::optional<Batch>> find_latest_published(ListingId listing) = 0;
  virtual Result<std::optional<Batch>> find_open(ListingId listing) = 0;
  virtual Result<std::vector<Batch>> list_by_listing(ListingId listing) = 0;
  virtual Result<Batch> transition(BatchId id, BatchStatus from, BatchStatus to, Timestamp now) = 0;
  virtual Result<Batch> soft_delete(BatchId id, Timestamp now) = 0;
  virtual Result<std::vector<Batch>> list_expired_uploads(Timestamp created_before, int limit) = 0;
  virtual Result<std::vector<Batch>> list_raw_removal_due(Timestamp abandoned_before,
                                                          int limit) = 0;
  virtual Result<Batch> mark_raw_removed(BatchId id, Timestamp now) = 0;
  virtual Result<std::vector<Batch>> list_page(ListingId listing, std::optional<BatchId> before,
                                               int limit) = 0;
  virtual Result<std::vector<Batch>> list_purge_due(Timestamp deleted_before, int limit) = 0;
  virtual Result<Batch> mark_objects_removed(BatchId id, Timestamp now) = 0;
  virtual Result<std::vector<Batch>> list_raw_retention_due(Timestamp settled_before,
                                                            int limit) = 0;
};

}  // namespace toq::core
