#include "adapter/media/video/make_poster.hpp"

#include "adapter/media/video/rendition_plan.hpp"
#include "adapter/media/video/staged_file.hpp"
#include "adapter/media/video/video_commands.hpp"
#include "adapter/media/video/video_failure.hpp"
#include "adapter/media/video/video_tool.hpp"

namespace toq::media {

core::Result<OutputFile> make_poster(const std::filesystem::path& input,
                                     std::string_view forced_demuxer, const VideoProbe& probe,
                                     const std::filesystem::path& out_dir,
                                     const VideoLimits& limits) {
  const FailureContext context{"making the poster", "ffmpeg", limits.transcode_timeout, input,
                               out_dir};
  const FrameSize size = fit_long_edge({probe.width, probe.height}, kPosterMaxEdge);
  StagedFile poster(out_dir, "poster", "jpg");

  for (const auto pick : {PosterPick::kFirstBright, PosterPick::kMostRepresentative}) {
    auto run =
        run_video_tool(poster_command(input, forced_demuxer, probe, size, pick, poster.temp_path()),
                       limits, limits.transcode_timeout, out_dir);
    if (!run) return core::fail(run.error());
    if (!run->succeeded()) {
      return core::fail(tool_failure(core::ErrorCode::kVideoTranscodeFailed, context, *run));
    }
    // No frame bright enough: ffmpeg succeeds and writes nothing; try the fallback.
    if (poster.written_bytes() > 0) break;
  }
  if (poster.written_bytes() == 0) {
    return core::fail(step_failure(core::ErrorCode::kVideoTranscodeFailed, context,
                                   "ffmpeg decoded no frame from the first seconds of the video"));
  }
  if (auto committed = poster.commit(); !committed) {
    return core::fail(
        step_failure(core::ErrorCode::kVideoTranscodeFailed, context, committed.error().message));
  }
  return OutputFile{"poster",
                    "jpeg",
                    "jpg",
                    poster.final_path(),
                    size.width,
                    size.height,
                    static_cast<std::int64_t>(poster.written_bytes())};
}

}  // namespace toq::media
