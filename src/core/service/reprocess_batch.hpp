#pragma once
// Use case: reprocess any READY or FAILED batch of a listing (admin only).
// POST /api/v2/admin/listings/media/batches/reprocess.
//
// Contract: FORBIDDEN unless the caller is an admin; then exactly RetryBatch (retry_batch.hpp):
// the same checks, errors and concurrency (a new job, run = previous + 1, the batch PROCESSING,
// BATCH_NOT_RETRYABLE for an open batch, one abandoned during upload, or one whose raw uploads
// the retention removed), so the two routes can never disagree on what a new run is.

#include "core/model/error.hpp"
#include "core/service/retry_batch.hpp"

namespace toq::core {

class ReprocessBatch {
 public:
  explicit ReprocessBatch(RetryBatch& retry) : retry_(retry) {}

  // FORBIDDEN unless the caller is an admin: the check run() makes first, which the route also
  // runs before it reads the body (a caller without the role gets 403 whatever it sent).
  static Status authorize(const Principal& caller);

  Result<RetryBatchOutput> run(const RetryBatchInput& input);

 private:
  RetryBatch& retry_;
};

}  // namespace toq::core
