#include "adapter/media/pipeline/steps/render_outputs.hpp"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "adapter/media/pipeline/isolated_calls.hpp"
#include "adapter/media/pipeline/steps/step_support.hpp"
#include "adapter/media/video/make_video_renditions.hpp"

namespace toq::media {

StepResult render_outputs(const PipelineContext& context, AssetRun& run) {
  const auto out_dir = run.work_dir / "out";
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    return core::fail(core::ErrorCode::kStorageError,
                      fmt::format("creating {}: {}", out_dir.string(), ec.message()));
  }
  core::Result<std::vector<OutputFile>> outputs = std::vector<OutputFile>{};
  switch (run.sniffed.media_class) {
    case MediaClass::kImage:
      outputs = photo_renditions_isolated(run.input, out_dir, context.limits);
      break;
    case MediaClass::kVideo:
      outputs = make_video_renditions(run.input, run.sniffed.ffmpeg_demuxer, *run.video, out_dir,
                                      context.limits.video);
      break;
    case MediaClass::kDocument:
      outputs = document_thumbnail_isolated(run.input, out_dir, context.limits);
      break;
    case MediaClass::kUnknown:
      return core::fail(core::ErrorCode::kInternal, "render reached with an undetected format");
  }
  if (!outputs) {
    return stop_or_fail(outputs.error());
  }
  if (outputs->empty()) {
    return core::fail(core::ErrorCode::kInternal, "the media step produced no output");
  }
  run.outputs = std::move(*outputs);
  return std::nullopt;
}

}  // namespace toq::media
