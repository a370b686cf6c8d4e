#pragma once
// What the pipeline works on: one asset of one job (AssetTask), the state it accumulates through
// the steps (AssetRun), and what comes out (AssetOutcome). See pipeline.hpp for the order.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/model/asset.hpp"
#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/manifest.hpp"
#include "core/model/rendition.hpp"
#include "core/port/media_processor.hpp"
#include "core/port/object_file_copier.hpp"
#include "core/port/object_store.hpp"

#include "adapter/media/common/output_file.hpp"
#include "adapter/media/common/sniff.hpp"
#include "adapter/media/photo/photo.hpp"
#include "adapter/media/video/probe_video.hpp"

namespace toq::media {

// One asset to process for one job (core/port/media_processor.hpp). The input is always the raw
// upload key: the fetch step refuses anything else (core::raw_input_key), so an output can never
// be fed back as an input.
using AssetTask = core::AssetWork;

struct PipelineLimits {
  PhotoLimits photo;
  VideoLimits video;
  // A photo or document decode runs in a child process with these bounds (common/isolated.hpp).
  std::chrono::milliseconds photo_timeout{120000};
  std::uint64_t photo_max_memory_bytes = 3ULL << 30;
};

struct AssetRun;

// What every step may use. The store holds raw uploads and receives outputs; each asset gets its
// own work directory under work_root, removed when the asset is done.
struct PipelineContext {
  core::ObjectStore* store = nullptr;
  // The same store's multipart side, for the batch ZIP only (the archive step): null to have
  // the ZIP written in one streamed put.
  core::MultipartStore* multipart = nullptr;
  // The same store's local-file side (core/port/object_file_copier.hpp), for the fetch step's
  // work copy: null to stream the upload with get() (S3).
  core::ObjectFileCopier* file_copier = nullptr;
  std::filesystem::path work_root;
  PipelineLimits limits;
  // Off only where nothing was declared (`toq-media process` derives the type from the bytes).
  bool enforce_declared_orientation = true;
  // Called once the media is probed, before anything is rendered (the Lambda's deadline plan: a
  // video that cannot finish in time is handed to another runner before transcoding starts). An
  // Error stops the asset as an infrastructure error would; unset: no check.
  std::function<core::Status(const AssetRun&)> before_render = {};
};

// The state one asset accumulates through the steps.
struct AssetRun {
  explicit AssetRun(const AssetTask& t) : task(t) {}
  const AssetTask& task;
  std::filesystem::path work_dir;
  std::filesystem::path input;  // local copy of the raw upload
  std::int64_t input_bytes = 0;
  std::string input_sha256_base64;
  Sniffed sniffed;
  std::optional<PhotoProbe> photo;
  std::optional<VideoProbe> video;
  core::MediaFacts facts;
  std::vector<OutputFile> outputs;
  std::vector<core::Rendition> renditions;
};

// The result for one asset: READY with facts and renditions, or FAILED with the failure (the
// media's fault: permanent, the photographer is told why) and the step that found it.
using AssetOutcome = core::AssetWorkResult;

// A step moves the run on (nullopt), stops it with the asset's failure, or fails with an Error
// for an infrastructure fault (the store unreachable, the disk full): the job may run again.
using StepResult = core::Result<std::optional<core::AssetFailure>>;

}  // namespace toq::media
