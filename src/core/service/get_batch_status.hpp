#pragma once
// Use case: where a listing's upload batch stands. POST /api/v2/listings/media/status.
//
// Contract, checked in this order, in one read transaction:
// 1. The listing exists (LISTING_NOT_FOUND).
// 2. The caller may see it (FORBIDDEN): the listing's photographer or owner, admin, service
//    (access_policy.hpp).
// 3. The batch: batch_id when given (BATCH_NOT_FOUND when missing, soft-deleted or another
//    listing's), else the listing's latest batch (BATCH_NOT_FOUND when it has none).
// The answer: the batch, its latest job (nullopt before complete created one), every asset in id
// order, and the progress counts: total; ready and failed as their asset states; processing =
// total - ready - failed (every file not finished yet, including, before complete, the ones still
// being uploaded), so the three always add up to total.
// `error` is set when the latest job FAILED: its code, with the code's generic public text (the
// job's own message is for operators and may name internals). Per-asset failures are in each
// asset's `failure` (the pipeline writes them for people: message and hint). A code outside the
// contract's asset codes (a database or store code that reached a job or an asset) is reported as
// INTERNAL_ERROR, in both places.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model/asset.hpp"
#include "core/model/batch.hpp"
#include "core/model/error.hpp"
#include "core/model/job.hpp"
#include "core/model/principal.hpp"
#include "core/port/database.hpp"

namespace toq::core {

struct GetBatchStatusInput {
  Principal caller;
  std::int64_t listing_identity_id = 0;
  std::optional<std::int64_t> batch_id;  // nullopt: the latest batch
};

struct BatchProgress {
  std::int64_t total = 0;
  std::int64_t ready = 0;
  std::int64_t failed = 0;
  std::int64_t processing = 0;
};

struct BatchFailure {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // for the client
};

struct GetBatchStatusOutput {
  ListingId listing_id;
  Batch batch;
  std::optional<Job> job;
  BatchProgress progress;
  std::vector<Asset> assets;  // id order
  std::optional<BatchFailure> error;
};

class GetBatchStatus {
 public:
  struct Deps {
    Database& db;
  };

  explicit GetBatchStatus(Deps deps) : deps_(deps) {}

  Result<GetBatchStatusOutput> run(const GetBatchStatusInput& input);

 private:
  Deps deps_;
};

}  // namespace toq::core
