#pragma once
// Stands in for the processing engine (issues 4 and 6 are not built yet): runs a batch's active
// job to its end through the repositories, exactly as the engine records results — start the job,
// batch RECEIVED -> PROCESSING, every asset PROCESSING for the job, then READY with renditions
// (keys under the job's output prefix) or FAILED with a contract asset code, the ZIP recorded
// with record_archive, the job finished and the batch READY or FAILED. Used by the service tests
// and, on the database file of a running `toq-media serve`, by the HTTP tests. No media bytes
// are produced: the rendition and archive objects are not written to the store (the download
// URLs are presigned either way; the raw uploads are real).

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/model/asset.hpp"
#include "core/model/job.hpp"
#include "core/model/object_keys.hpp"
#include "core/model/rendition.hpp"
#include "core/port/database.hpp"

namespace toq::testing {

struct StandInOptions {
  std::set<std::string> failed_client_ids;  // these assets end FAILED (CORRUPT_MEDIA)
  bool record_archive = true;               // false: a READY batch without its ZIP (a bug)
};

inline constexpr const char* kStandInZipSha256 =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
inline constexpr std::int64_t kStandInZipBytes = 734003200;

// The renditions the engine makes for each media group, as (name, format, width, height).
struct StandInRendition {
  const char* name;
  const char* format;
  std::int32_t width;
  std::int32_t height;
};

inline std::vector<StandInRendition> stand_in_renditions(core::MediaType type) {
  switch (core::group_of(type)) {
    case core::MediaGroup::kPhoto:
      return {{"thumbnail", "jpeg", 320, 213},
              {"thumbnail", "webp", 320, 213},
              {"large", "jpeg", 1920, 1280},
              {"large", "webp", 1920, 1280}};
    case core::MediaGroup::kVideo:
      return {{"poster", "jpeg", 1920, 1080}, {"720p", "mp4", 1280, 720}};
    case core::MediaGroup::kProject: return {{"thumbnail", "jpeg", 320, 452}};
  }
  return {};
}

inline core::Result<core::Job> run_job_stand_in(core::Database& db, core::BatchId batch_id,
                                                core::Timestamp now,
                                                const StandInOptions& options = {}) {
  using core::ErrorCode;
  return db.transact([&](core::UnitOfWork& uow) -> core::Result<core::Job> {
    auto batch = uow.batches().find(batch_id);
    if (!batch) return std::unexpected(batch.error());
    if (!*batch) return core::fail(ErrorCode::kBatchNotFound, "stand-in: no batch");
    auto active = uow.jobs().find_active(batch_id);
    if (!active) return std::unexpected(active.error());
    if (!*active) return core::fail(ErrorCode::kJobNotFound, "stand-in: no active job");
    auto job = uow.jobs().start((*active)->id, "stand-in", now + std::chrono::minutes{5}, now);
    if (!job) return job;
    if ((*batch)->status == core::BatchStatus::kReceived) {
      auto moved = uow.batches().transition(batch_id, core::BatchStatus::kReceived,
                                            core::BatchStatus::kProcessing, now);
      if (!moved) return std::unexpected(moved.error());
    }
    auto assets = uow.assets().list_by_batch(batch_id);
    if (!assets) return std::unexpected(assets.error());
    bool any_failed = false;
    for (const auto& a : *assets) {
      if (auto r = uow.assets().mark_processing(a.id, job->id, now); !r) {
        return std::unexpected(r.error());
      }
      if (options.failed_client_ids.contains(a.declared.client_id)) {
        any_failed = true;
        core::AssetFailure failure{ErrorCode::kCorruptMedia, "The file could not be decoded.",
                                   "Export the file again from the camera and upload it."};
        if (auto r = uow.assets().mark_failed(a.id, core::AssetStatus::kProcessing, job->id,
                                              failure, now);
            !r) {
          return std::unexpected(r.error());
        }
        continue;
      }
      core::MediaFacts facts;
      const bool video = core::group_of(a.declared.media_type) == core::MediaGroup::kVideo;
      facts.width = video ? 1920 : 6000;
      facts.height = video ? 1080 : 4000;
      if (video) facts.duration_ms = 42500;
      std::vector<core::Rendition> renditions;
      for (const auto& r : stand_in_renditions(a.declared.media_type)) {
        const std::string ext = std::string{r.format} == "jpeg" ? "jpg" : r.format;
        renditions.push_back(core::Rendition{
            a.id, job->id, r.name, r.format, r.width, r.height,
            1000 + static_cast<std::int64_t>(r.width),
            core::output_key((*batch)->listing_id, batch_id, job->id, a.id, r.name, ext),
            std::string(64, 'c')});
      }
      if (auto r = uow.assets().mark_ready(a.id, job->id, facts, renditions, now); !r) {
        return std::unexpected(r.error());
      }
    }
    if (!any_failed && options.record_archive) {
      core::ArchiveInfo zip{core::archive_key((*batch)->listing_id, batch_id, job->id),
                            kStandInZipBytes, kStandInZipSha256};
      if (auto r = uow.jobs().record_archive(job->id, zip, now); !r) return r;
    }
    auto finished =
        any_failed ? uow.jobs().finish(job->id, core::JobStatus::kFailed,
                                       core::make_error(ErrorCode::kCorruptMedia, "stand-in"), now)
                   : uow.jobs().finish(job->id, core::JobStatus::kSucceeded, std::nullopt, now);
    if (!finished) return finished;
    auto closed = uow.batches().transition(
        batch_id, core::BatchStatus::kProcessing,
        any_failed ? core::BatchStatus::kFailed : core::BatchStatus::kReady, now);
    if (!closed) return std::unexpected(closed.error());
    return finished;
  });
}

}  // namespace toq::testing
