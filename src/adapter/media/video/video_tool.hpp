#pragma once
// Runs one command line of video_commands.hpp under the video limits: the launcher (if any) is
// prepended, memory and file-size limits come from VideoLimits, the timeout from the step.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/model/error.hpp"

#include "adapter/media/video/probe_video.hpp"
#include "adapter/media/video/tool_runner.hpp"

namespace toq::media {

// The ToolLimits a video step runs with.
ToolLimits video_tool_limits(const VideoLimits& limits, std::chrono::seconds timeout,
                             const std::filesystem::path& working_dir);

// limits.launcher followed by argv: the command line that is actually started.
std::vector<std::string> launched_command(const std::vector<std::string>& argv,
                                          const VideoLimits& limits);

// run_tool(launched_command(argv), video_tool_limits(...)): an error only when it cannot start.
core::Result<ToolRun> run_video_tool(const std::vector<std::string>& argv,
                                     const VideoLimits& limits, std::chrono::seconds timeout,
                                     const std::filesystem::path& working_dir);

}  // namespace toq::media
