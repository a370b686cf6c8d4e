#include "adapter/media/pipeline/steps/probe_media.hpp"

#include <fmt/format.h>

#include "adapter/media/common/isolated.hpp"
#include "adapter/media/pipeline/isolated_calls.hpp"
#include "adapter/media/pipeline/steps/step_support.hpp"

namespace toq::media {
namespace {

std::optional<core::AssetFailure> check_orientation(const PipelineContext& context,
                                                    core::MediaType declared, int width,
                                                    int height) {
  if (!context.enforce_declared_orientation) {
    return std::nullopt;
  }
  using enum core::MediaType;
  const bool vertical = declared == kPhotoVertical || declared == kVideoVertical;
  const bool horizontal = declared == kPhotoHorizontal || declared == kVideoHorizontal;
  if ((vertical && width > height) || (horizontal && height > width)) {
    return asset_failure(core::ErrorCode::kOrientationMismatch,
                         fmt::format("The file was declared {} but is displayed {}x{} ({}).",
                                     core::to_string(declared), width, height,
                                     width > height ? "horizontal" : "vertical"),
                         "Upload it again declared with the orientation it is displayed in.");
  }
  return std::nullopt;
}

}  // namespace

StepResult probe_media(const PipelineContext& context, AssetRun& run) {
  const auto type = run.task.declared.media_type;
  switch (run.sniffed.media_class) {
    case MediaClass::kImage: {
      auto probe = probe_photo_isolated(run.input, context.limits);
      if (!probe) {
        return stop_or_fail(probe.error());
      }
      run.photo = *probe;
      run.facts.width = probe->width;
      run.facts.height = probe->height;
      run.facts.rotation = probe->orientation;
      if (auto mismatch = check_orientation(context, type, probe->width, probe->height)) {
        return mismatch;
      }
      return std::nullopt;
    }
    case MediaClass::kVideo: {
      auto probe = probe_video(run.input, run.sniffed.ffmpeg_demuxer, context.limits.video);
      if (!probe) {
        return stop_or_fail(probe.error());
      }
      run.video = *probe;
      run.facts.width = probe->width;
      run.facts.height = probe->height;
      run.facts.duration_ms = probe->duration_ms;
      run.facts.codec = probe->video_codec;
      run.facts.rotation = probe->rotation;
      run.facts.hdr = probe->hdr;
      run.facts.has_audio = probe->has_audio;
      if (auto mismatch = check_orientation(context, type, probe->width, probe->height)) {
        return mismatch;
      }
      return std::nullopt;
    }
    case MediaClass::kDocument: {
      auto probe = probe_document_isolated(run.input, context.limits);
      if (!probe) {
        return stop_or_fail(probe.error());
      }
      run.facts.width = probe->width;
      run.facts.height = probe->height;
      return std::nullopt;
    }
    case MediaClass::kUnknown: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace toq::media
