#include "adapter/media/video/make_thumbnail.hpp"

#include "adapter/media/video/rendition_plan.hpp"
#include "adapter/media/video/staged_file.hpp"
#include "adapter/media/video/video_commands.hpp"
#include "adapter/media/video/video_failure.hpp"
#include "adapter/media/video/video_tool.hpp"

namespace toq::media {

core::Result<OutputFile> make_thumbnail(const OutputFile& poster,
                                        const std::filesystem::path& out_dir,
                                        const VideoLimits& limits) {
  const FailureContext context{"making the thumbnail", "ffmpeg", limits.transcode_timeout,
                               poster.path, out_dir};
  const FrameSize size = fit_long_edge({poster.width, poster.height}, kThumbnailEdge);
  StagedFile thumbnail(out_dir, "thumbnail", "jpg");
  auto run = run_video_tool(thumbnail_command(poster.path, size, thumbnail.temp_path()), limits,
                            limits.transcode_timeout, out_dir);
  if (!run) return core::fail(run.error());
  if (!run->succeeded()) {
    return core::fail(tool_failure(core::ErrorCode::kVideoTranscodeFailed, context, *run));
  }
  if (thumbnail.written_bytes() == 0) {
    return core::fail(step_failure(core::ErrorCode::kVideoTranscodeFailed, context,
                                   "ffmpeg exited with status 0 but wrote no thumbnail"));
  }
  if (auto committed = thumbnail.commit(); !committed) {
    return core::fail(
        step_failure(core::ErrorCode::kVideoTranscodeFailed, context, committed.error().message));
  }
  return OutputFile{"thumbnail",
                    "jpeg",
                    "jpg",
                    thumbnail.final_path(),
                    size.width,
                    size.height,
                    static_cast<std::int64_t>(thumbnail.written_bytes())};
}

}  // namespace toq::media
