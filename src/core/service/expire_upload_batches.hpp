#pragma once
// Use case: the sweep over abandoned uploads, run by every `serve` on a period
// (uploads.expireAfterSeconds, uploads.expirySweepSeconds).
//
// Contract of one run():
// 1. Every batch still PENDING_UPLOAD that was created expire_after ago or earlier (up to
//    `limit`, oldest first) is abandoned (abandon_upload.hpp), each in its own transaction:
//    batch FAILED, its assets FAILED with UPLOAD_EXPIRED (message and hint), a
//    media.batch.failed webhook event; the listing's open-batch slot is free from that commit.
//    Then, outside the transaction, its multipart uploads are aborted and its raw objects removed.
//    A batch that moved meanwhile (a complete made it RECEIVED, a cancel or another replica's
//    sweep got there first) loses the compare-and-set and is left exactly as it is.
// 2. Every batch abandoned during upload (FAILED without a job: expired, cancelled, or refused by
//    the store at creation) whose raw uploads are not yet marked removed and that was abandoned
//    url_ttl ago or earlier (so no upload URL handed out for it still works) gets the same cleanup
//    again, and is marked removed (mark_raw_removed) once it succeeded. This finishes the work of a
//    process that died between the two steps, and removes what a URL still valid at the time
//    uploaded after the first cleanup.
// Both steps are idempotent and safe with any number of replicas and workers running them at once:
// the state change is a compare-and-set, the cleanup tolerates objects and uploads already gone.
// A failure of one batch is recorded in the report's errors and the run carries on; an error
// listing the batches ends the run with that error.

#include <chrono>
#include <string>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/object_store.hpp"

namespace toq::core {

struct ExpireUploadBatchesOptions {
  std::chrono::seconds expire_after{86400};
  std::chrono::seconds url_ttl{3600};  // the longest lifetime of an upload URL handed out
  int limit = 100;                     // batches per step and run
};

struct ExpireUploadBatchesReport {
  std::vector<BatchId> expired;  // moved PENDING_UPLOAD -> FAILED by this run
  // The new trace each expiry started (its failure records' and webhook's traceparent), in the
  // order of `expired`: no request caused it.
  std::vector<std::string> expired_traces{};
  std::vector<BatchId> raw_removed;  // raw uploads removed and marked by this run (step 2)
  std::vector<Error> errors;         // per-batch failures; the run carried on
};

class ExpireUploadBatches {
 public:
  struct Deps {
    Database& db;
    ObjectStore& store;
    MultipartStore& multipart;
    const Clock& clock;
  };

  ExpireUploadBatches(Deps deps, ExpireUploadBatchesOptions options)
      : deps_(deps), options_(options) {}

  Result<ExpireUploadBatchesReport> run();

 private:
  Deps deps_;
  ExpireUploadBatchesOptions options_;
};

}  // namespace toq::core
