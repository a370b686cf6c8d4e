#pragma once
// The media-processing port: what a job asks of the pipeline (src/adapter/media implements it;
// both modes run the same code). The use case that runs a job (core/service/run_job) sequences the
// calls and records the results; the processor never touches the database.
//
// Contract:
// - process_asset() reads the asset's raw upload only (raw_key must be that asset's raw key: an
//   output key is refused with INVALID_REQUEST) and writes outputs only under the job's prefix
//   (core::output_key). It returns the outcome: READY (facts + renditions, every rendition stored
//   completely) or FAILED with one of the contract's asset codes, a plain message, a hint and the
//   step that found it (the media's fault: running it again gives the same failure). An Error
//   means an infrastructure fault (store unreachable, disk full, a tool missing): nothing about the
//   asset is known and the job may run it again. Idempotent: running it twice gives the same
//   objects at the same keys.
// - build_archive() writes the batch's ZIP at core::archive_key(listing, batch, job) from the READY
//   items (the `large` JPEG of photos and renders, the best MP4 of videos, the original of
//   documents, plus manifesto.json), complete or absent; Error on any failure (nothing visible).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model/asset.hpp"
#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/job.hpp"
#include "core/model/manifest.hpp"
#include "core/model/rendition.hpp"

namespace toq::core {

struct AssetWork {
  ListingId listing;
  BatchId batch;
  JobId job;
  AssetId asset;
  FileDeclaration declared;
  std::string raw_key;
};

struct AssetWorkResult {
  AssetId asset;
  MediaFacts facts;
  std::vector<Rendition> renditions;
  std::optional<AssetFailure> failure;  // set when the asset FAILED
  std::string failed_step;              // the step that found the failure
  bool ready() const { return !failure.has_value(); }
};

struct ArchiveItem {
  AssetId asset;
  FileDeclaration declared;
  std::string raw_key;  // the original (a PROJECT_DOC's entry)
  MediaFacts facts;
  std::vector<Rendition> renditions;  // this job's renditions of the asset
};

struct ArchiveWork {
  ListingId listing;
  BatchId batch;
  JobId job;
  std::vector<ArchiveItem> items;  // every asset of the batch, all READY
};

class MediaProcessor {
 public:
  virtual ~MediaProcessor() = default;
  virtual Result<AssetWorkResult> process_asset(const AssetWork& work) = 0;
  virtual Result<ArchiveInfo> build_archive(const ArchiveWork& work) = 0;
};

}  // namespace toq::core
