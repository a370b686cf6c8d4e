#pragma once
// The pipeline both modes run (architecture.md, "The pipeline"). The order of the steps is written
// once, here and in pipeline.cpp:
//
//   per asset:  fetch raw -> verify size and SHA-256 -> detect format -> probe -> render -> store
//   per batch:  archive (the ZIP, after every asset is done)
//
// Every step is idempotent: outputs go to keys under the job's own prefix and each put is atomic,
// so running an asset (or the archive) again after a crash gives the same objects, and a reader
// never sees a partial one. Inputs are raw upload keys only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/asset.hpp"
#include "core/model/job.hpp"

#include "adapter/media/pipeline/asset_run.hpp"

namespace toq::media {

// Called after each step with its name; lets callers show progress and log timings.
using StepObserver = std::function<void(std::string_view step)>;

// Runs the asset steps in order in a fresh work directory under context.work_root (removed at the
// end). A media failure (the asset's fault) comes back as an outcome with `failure` and the step
// that found it; an infrastructure failure (store, disk) as an Error: the job may run it again.
core::Result<AssetOutcome> process_asset(const PipelineContext& context, const AssetTask& task,
                                         const StepObserver& observer = {});

// The names of the asset steps, in order (for progress display and logs).
std::vector<std::string_view> asset_step_names();

using ArchiveItem = core::ArchiveItem;
using ArchiveRequest = core::ArchiveWork;

// One entry of the ZIP: its name, the asset it packs (none for manifesto.json), its size and
// SHA-256 (lower-case hex).
struct ArchiveEntry {
  std::string name;
  std::optional<core::AssetId> asset;
  std::int64_t bytes = 0;
  std::string sha256_hex;
};

// The ZIP as stored, and its entries in order (manifesto.json last).
struct ArchiveInfo : core::ArchiveInfo {
  std::vector<ArchiveEntry> entries;
};

// The batch's ZIP at core::archive_key(listing, batch, job): per asset the `large` JPEG of a
// photo or render, the best MP4 of a video (1080p, else 720p), the original of a document, named
// fotos/NN-<title or filename>.jpg, videos/NN-....mp4, projeto/NN-..., plus manifesto.json
// (entries with title, sequence, type, sizes, SHA-256). Streamed into the store (multipart when
// context.multipart is set, else one streamed put), complete or absent. INVALID_REQUEST when an
// item lacks what it needs.
core::Result<ArchiveInfo> build_archive(const PipelineContext& context,
                                        const ArchiveRequest& request);

// The MediaProcessor port on this pipeline (what run_job calls in both modes).
class PipelineProcessor final : public core::MediaProcessor {
 public:
  explicit PipelineProcessor(PipelineContext context) : context_(std::move(context)) {}
  core::Result<core::AssetWorkResult> process_asset(const core::AssetWork& work) override;
  core::Result<core::ArchiveInfo> build_archive(const core::ArchiveWork& work) override;

 private:
  PipelineContext context_;
};

}  // namespace toq::media
