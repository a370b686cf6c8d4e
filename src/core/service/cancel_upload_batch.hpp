#pragma once
// Use case: the photographer gives up an upload in progress.
// POST /api/v2/listings/media/uploads/cancel.
//
// Contract:
// 1. The batch exists, is not deleted and belongs to listing_identity_id (BATCH_NOT_FOUND; a
//    missing listing looks the same).
// 2. The caller may upload the batch's file types to the listing (FORBIDDEN): the "who" rules of
//    upload_policy.hpp, as for complete.
// 3. A PENDING_UPLOAD batch is abandoned in ONE transaction (abandon_upload.hpp): batch FAILED,
//    its assets FAILED with UPLOAD_CANCELLED, a media.batch.failed webhook event; the listing
//    accepts a new batch from that commit. cancelled = true.
//    Idempotent: a batch already abandoned during upload (cancelled before, expired, or refused by
//    the store at creation: FAILED without a job) answers the same with cancelled = false, also
//    when a concurrent cancel or the expiry sweep won the compare-and-set.
//    Any other batch (RECEIVED, PROCESSING, READY, or FAILED after processing) is
//    BATCH_NOT_PENDING and is left exactly as it is.
// 4. Then, outside the transaction, the batch's multipart uploads are aborted and its raw objects
//    removed (remove_raw_uploads). A store failure there does not undo the cancel: it is returned
//    in cleanup_error, and the expiry sweep's final cleanup removes them later.

#include <cstdint>
#include <optional>
#include <string>

#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/principal.hpp"
#include "core/model/status.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/object_store.hpp"

namespace toq::core {

struct CancelUploadBatchInput {
  Principal caller;
  std::int64_t listing_identity_id = 0;
  std::int64_t batch_id = 0;
  // W3C trace context of the request ("" for none): the failure records' and the webhook's.
  std::string traceparent{};
};

struct CancelUploadBatchOutput {
  BatchId batch_id;
  ListingId listing_id;
  BatchStatus status = BatchStatus::kFailed;
  bool cancelled = false;  // true for the call that moved the batch
  std::optional<Error> cleanup_error;
};

class CancelUploadBatch {
 public:
  struct Deps {
    Database& db;
    ObjectStore& store;
    MultipartStore& multipart;
    const Clock& clock;
  };

  explicit CancelUploadBatch(Deps deps) : deps_(deps) {}

  Result<CancelUploadBatchOutput> run(const CancelUploadBatchInput& input);

 private:
  Deps deps_;
};

}  // namespace toq::core
