#pragma once
// Use case: soft-delete a batch (admin only). POST /api/v2/admin/listings/media/batches/delete.
//
// Contract, in one transaction:
// 1. The caller is an admin (FORBIDDEN); the batch exists and belongs to listing_identity_id
//    (BATCH_NOT_FOUND; a missing listing looks the same).
// 2. A batch still open (PENDING_UPLOAD, RECEIVED, PROCESSING) is refused with
//    BATCH_NOT_DELETABLE (message says its status, hint says what to do): its upload or its
//    processing is in flight, and a reprocess racing the delete loses the same way.
// 3. READY or FAILED: deleted_at is set (BatchRepository::soft_delete). Idempotent: a batch
//    already deleted answers the same, with its first deleted_at.
// From then on the batch is hidden from status, downloads and retry (BATCH_NOT_FOUND, or the
// listing's previous batch where the latest is meant) and shown as deleted in the history; the
// housekeeping sweep removes its objects housekeeping.deleteGraceSeconds after deleted_at.

#include <cstdint>

#include "core/model/batch.hpp"
#include "core/model/error.hpp"
#include "core/model/principal.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"

namespace toq::core {

struct DeleteBatchInput {
  Principal caller;
  std::int64_t listing_identity_id = 0;
  std::int64_t batch_id = 0;
};

class DeleteBatch {
 public:
  struct Deps {
    Database& db;
    const Clock& clock;
  };

  explicit DeleteBatch(Deps deps) : deps_(deps) {}

  // The batch as stored, deleted_at set.
  // FORBIDDEN unless the caller is an admin: the check run() makes first, which the route also
  // runs before it reads the body (a caller without the role gets 403 whatever it sent).
  static Status authorize(const Principal& caller);

  Result<Batch> run(const DeleteBatchInput& input);

 private:
  Deps deps_;
};

}  // namespace toq::core
