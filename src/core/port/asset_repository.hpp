#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model/asset.hpp"
#include "core/model/error.hpp"
#include "core/model/rendition.hpp"

namespace toq::core {

// Declared files and their processing results.
//
// Contract (every adapter, checked by the conformance suite):
// - add() inserts one PENDING_UPLOAD asset per declaration, in order, and returns them with ids;
//   a clientId repeated within a batch is CONFLICT (the schema holds it unique per batch).
//   BATCH_NOT_FOUND when the batch does not exist.
// - list_by_batch() returns the assets in id order; an unknown batch gives an empty list.
// - find() returns nullopt when missing.
// - transition() is a compare-and-set like BatchRepository::transition (ASSET_NOT_FOUND when
//   missing). Leaving FAILED clears the failure.
// - mark_ready() moves PROCESSING -> READY recording the facts, the job and the renditions, all or
//   nothing; it is a compare-and-set on the current status and refuses (STALE_STATE) an asset
//   that is not PROCESSING by `job`.
// - mark_failed() moves `from` -> FAILED with the failure (its traceparent included; `job`, when
//   given, recorded). `from` is what the caller read: PENDING_UPLOAD or PROCESSING (any other is
//   INVALID_STATE_TRANSITION, nothing written). A compare-and-set without a read before it: an
//   asset no longer `from`, or PROCESSING by another job than `job` (or with no `job`), is
//   STALE_STATE and unchanged, so a writer that committed between the caller's read and this
//   write wins. ASSET_NOT_FOUND when missing.
// - renditions() lists the renditions recorded for an asset by one job, in insertion order.
class AssetRepository {
 public:
  virtual ~AssetRepository() = default;
  virtual Result<std::vector<Asset>> add(BatchId batch, const std::vector<FileDeclaration>& files,
                                         Timestamp now) = 0;
  virtual Result<std::vector<Asset>> list_by_batch(BatchId batch) = 0;
  virtual Result<std::optional<Asset>> find(AssetId id) = 0;
  virtual Result<Asset> set_multipart_upload_id(AssetId id, std::string upload_id,
                                                Timestamp now) = 0;
  virtual Result<Asset> transition(AssetId id, AssetStatus from, AssetStatus to, Timestamp now) = 0;
  virtual Result<Asset> mark_processing(AssetId id, JobId job, Timestamp now) = 0;
  virtual Result<Asset> mark_ready(AssetId id, JobId job, const MediaFacts& facts,
                                   const std::vector<Rendition>& renditions, Timestamp now) = 0;
  virtual Result<Asset> mark_failed(AssetId id, AssetStatus from, std::optional<JobId> job,
                                    const AssetFailure& failure, Timestamp now) = 0;
  virtual Result<std::vector<Rendition>> renditions(AssetId id, JobId job) = 0;
};

}  // namespace toq::core
