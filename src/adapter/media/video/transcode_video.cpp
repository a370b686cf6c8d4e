#include "adapter/media/video/transcode_video.hpp"

#include <algorithm>

#include <fmt/core.h>

#include "adapter/media/video/rendition_plan.hpp"
#include "adapter/media/video/staged_file.hpp"
#include "adapter/media/video/video_commands.hpp"
#include "adapter/media/video/video_failure.hpp"
#include "adapter/media/video/video_tool.hpp"

namespace toq::media {

core::Result<std::vector<OutputFile>> transcode_video(const std::filesystem::path& input,
                                                      std::string_view forced_demuxer,
                                                      const VideoProbe& probe,
                                                      const std::filesystem::path& out_dir,
                                                      const VideoLimits& limits) {
  const auto plan = plan_stream_renditions(probe);
  std::string step = "transcoding to ";
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (i > 0) step += i + 1 == plan.size() ? " and " : ", ";
    step += plan[i].name;
  }
  const FailureContext context{step, "ffmpeg", limits.transcode_timeout, input, out_dir};

  // Every rung's HLS file; the progressive MP4s of the rungs that have one.
  std::vector<StagedFile> staged;
  std::vector<OutputFile> planned;
  std::vector<RenditionTarget> targets;
  staged.reserve(2 * plan.size());
  for (const auto& rendition : plan) {
    RenditionTarget target{rendition, {}, {}};
    const auto add = [&](const std::string& name, const char* format) {
      staged.emplace_back(out_dir, name, "mp4");
      planned.push_back(OutputFile{name, format, "mp4", staged.back().final_path(),
                                   rendition.size.width, rendition.size.height, 0});
      return staged.back().temp_path();
    };
    if (rendition.progressive) target.path = add(rendition.name, "mp4");
    target.hls_path = add(hls_rung_name(rendition.name), "fmp4");
    targets.push_back(std::move(target));
  }

  auto run =
      run_video_tool(transcode_command(input, forced_demuxer, probe, targets, limits.max_duration),
                     limits, limits.transcode_timeout, out_dir);
  if (!run) return core::fail(run.error());
  if (!run->succeeded()) {
    // ffmpeg's own words for bytes that are missing or damaged (with -xerror it stops there).
    const auto& tail = run->stderr_tail;
    const bool damaged =
        !run->timed_out && run->signal == 0 &&
        (tail.find("partial file") != std::string::npos ||
         tail.find("Invalid data found when processing input") != std::string::npos ||
         tail.find("corrupt input packet") != std::string::npos);
    if (damaged) {
      return core::fail(tool_failure(core::ErrorCode::kCorruptMedia, context, *run,
                                     "The file is damaged or was cut short. Copy it again from "
                                     "the phone or camera and upload it again."));
    }
    return core::fail(tool_failure(core::ErrorCode::kVideoTranscodeFailed, context, *run));
  }
  for (std::size_t i = 0; i < staged.size(); ++i) {
    if (staged[i].written_bytes() == 0) {
      return core::fail(step_failure(
          core::ErrorCode::kVideoTranscodeFailed, context,
          fmt::format("ffmpeg exited with status 0 but wrote no {} file. Last diagnostics: {}",
                      planned[i].name, run->stderr_tail.empty() ? "(none)" : run->stderr_tail)));
    }
  }

  for (std::size_t i = 0; i < staged.size(); ++i) {
    planned[i].bytes = static_cast<std::int64_t>(staged[i].written_bytes());
    if (auto committed = staged[i].commit(); !committed) {
      for (auto& file : staged) file.discard();
      return core::fail(
          step_failure(core::ErrorCode::kVideoTranscodeFailed, context, committed.error().message));
    }
  }
  // The progressive MP4s first (largest first), then the HLS files.
  std::stable_partition(planned.begin(), planned.end(),
                        [](const OutputFile& f) { return f.format == "mp4"; });
  return planned;
}

std::string hls_rung_name(std::string_view rendition) {
  return fmt::format("hls-{}", rendition);
}

}  // namespace toq::media
