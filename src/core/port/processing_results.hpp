#pragma once
// The AWS mode's result documents as the service reads them (docs/aws-pipeline.md, "Asset result
// document"): the asset task writes one per asset at {outputPrefix}{assetId}/result.json, and the
// callback finishes the batch from them. Adapter: src/adapter/aws/pipeline (JSON in the bucket).
//
// Contract of asset_result():
// - nullopt when no object is at `key` (the task never got that far);
// - the document, when it is a well-formed version-1 asset result document; its renditions carry
//   the asset and job ids of the document;
// - INVALID_REQUEST when an object is there but is not such a document (the message says why);
// - the store's error otherwise (STORE_UNAVAILABLE: try again later).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/asset.hpp"
#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/manifest.hpp"
#include "core/model/rendition.hpp"

namespace toq::core {

struct AssetResultDocument {
  JobId job;
  BatchId batch;
  ListingId listing;
  std::int32_t run = 1;
  AssetId asset;
  bool ready = false;
  std::string runner;        // lambda | fargate | local
  FileDeclaration declared;  // as the task was given it (the archive names entries from it)
  MediaFacts facts;
  std::vector<Rendition> renditions;    // READY
  std::optional<AssetFailure> failure;  // FAILED
  std::string failed_step;              // FAILED: the pipeline step that found it
  // The task's wall time on this asset (its start to the document's write); nullopt when the
  // document does not say (written by a task older than the field).
  std::optional<std::chrono::milliseconds> processing;
};

class ProcessingResults {
 public:
  virtual ~ProcessingResults() = default;
  virtual Result<std::optional<AssetResultDocument>> asset_result(std::string_view key) = 0;
};

}  // namespace toq::core
