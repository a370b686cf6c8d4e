#pragma once
// Use case: the client says it finished uploading; verify the objects, move the batch to RECEIVED
// and create exactly one processing job. POST /api/v2/listings/media/uploads/complete.
//
// Contract, checked in this order:
// 1. The batch exists, is not deleted and belongs to listing_identity_id (BATCH_NOT_FOUND
//    otherwise: another listing's batch is indistinguishable from a missing one).
// 2. The caller may upload the batch's file types to the listing (FORBIDDEN; the "who" rules of
//    upload_policy.hpp on the listing as it is now). The listing's status is not re-checked: the
//    batch was accepted when it was created, and refusing now would strand the upload.
// 3. Idempotent: a batch already past PENDING_UPLOAD returns its latest job and the batch's
//    current status with created = false (the handler answers 200). A batch that never got a job
//    (abandoned PENDING_UPLOAD -> FAILED) is BATCH_NOT_PENDING.
// 4. `files` may only name the batch's clientIds (INVALID_REQUEST). Each multipart asset is
//    completed with the parts given for it. UPLOAD_NOT_FOUND from the store means a concurrent or
//    earlier call completed it: it is done when the object exists (the size check below decides).
//    INVALID_PART / ENTITY_TOO_SMALL leave that file missing; CHECKSUM_MISMATCH makes it
//    mismatched. Any other store error is returned as is.
// 5. Every raw object is HEADed: absent -> missing; size differs from the declaration ->
//    SIZE_MISMATCH; a checksum the store reports that differs -> CHECKSUM_MISMATCH. Any of these:
//    UPLOAD_INCOMPLETE with UploadIncompleteDetails (clientIds in asset order); nothing is written
//    and the batch stays PENDING_UPLOAD, so the client can upload again and call again.
// 6. ONE transaction: batch PENDING_UPLOAD -> RECEIVED (compare-and-set, first), every asset
//    PENDING_UPLOAD -> UPLOADED, jobs().create(batch), and in the AWS mode (deps.aws set) the
//    job's start row with the exact execution input (execution_runs.hpp: enqueue_execution). Of any
//    number of concurrent callers, in this process or others, exactly one commits it and gets
//    created = true; the others find the batch moved (or lose the compare-and-set: STALE_STATE /
//    JOB_ALREADY_ACTIVE) and return the winner's job with created = false.
//
// input_keys are the keys the job processes: every asset's raw key, each passed through
// raw_input_key(), so an output key can never become a job input.

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/asset.hpp"
#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/principal.hpp"
#include "core/model/status.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/object_store.hpp"
#include "core/service/execution_runs.hpp"

namespace toq::core {

struct CompletedFile {
  std::string client_id;
  std::vector<CompletedPart> parts;
};

struct CompleteUploadBatchInput {
  Principal caller;
  std::int64_t listing_identity_id = 0;
  std::int64_t batch_id = 0;
  std::vector<CompletedFile> files;  // needed only for multipart files
  // W3C trace context of the request, stored with the job it creates (a new trace when it is
  // empty or not a valid traceparent, so every job has one).
  std::string traceparent{};
};

struct CompleteUploadBatchOutput {
  BatchId batch_id;
  JobId job_id;
  BatchStatus status = BatchStatus::kReceived;  // the batch's status when answered
  bool created = false;  // true for the one call that created the job (202), else 200
  std::int64_t estimated_duration_seconds = 0;
  std::vector<std::string> input_keys;  // raw keys of the batch's assets, in asset order
};

class CompleteUploadBatch {
 public:
  struct Deps {
    Database& db;
    ObjectStore& store;
    MultipartStore& multipart;
    const Clock& clock;
    const AwsProcessing* aws = nullptr;  // set in the AWS mode
  };

  explicit CompleteUploadBatch(Deps deps) : deps_(deps) {}

  Result<CompleteUploadBatchOutput> run(const CompleteUploadBatchInput& input);

 private:
  Deps deps_;
};

// A rough, documented estimate for the client's progress display, not a promise: 30 s of queueing
// and the ZIP's finalisation, 2 s per photo or project file, 20 s per video plus 1 s per 16 MiB of
// video (transcoding dominates), plus 1 s per 256 MiB of all bytes (fetch and ZIP).
std::int64_t estimate_processing_seconds(const std::vector<Asset>& assets);

}  // namespace toq::core
