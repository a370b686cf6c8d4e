#include "adapter/media/video/transcode_video.hpp"

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
  const auto plan = plan_renditions(probe);
  std::string step = "transcoding to ";
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (i > 0) step += i + 1 == plan.size() ? " and " : ", ";
    step += plan[i].name;
  }
  const FailureContext context{step, "ffmpeg", limits.transcode_timeout, input, out_dir};

  std::vector<StagedFile> staged;
  std::vector<RenditionTarget> targets;
  staged.reserve(plan.size());
  for (const auto& rendition : plan) {
    staged.emplace_back(out_dir, rendition.name, "mp4");
    targets.push_back({rendition, staged.back().temp_path()});
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
                      plan[i].name, run->stderr_tail.empty() ? "(none)" : run->stderr_tail)));
    }
  }

  std::vector<OutputFile> outputs;
  for (std::size_t i = 0; i < staged.size(); ++i) {
    if (auto committed = staged[i].commit(); !committed) {
      for (auto& file : staged) file.discard();
      return core::fail(
          step_failure(core::ErrorCode::kVideoTranscodeFailed, context, committed.error().message));
    }
    outputs.push_back(OutputFile{plan[i].name, "mp4", "mp4", staged[i].final_path(),
                                 plan[i].size.width, plan[i].size.height,
                                 static_cast<std::int64_t>(staged[i].written_bytes())});
  }
  return outputs;
}

}  // namespace toq::media
