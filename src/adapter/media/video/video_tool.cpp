#include "adapter/media/video/video_tool.hpp"

namespace toq::media {

ToolLimits video_tool_limits(const VideoLimits& limits, std::chrono::seconds timeout,
                             const std::filesystem::path& working_dir) {
  ToolLimits tool;
  tool.timeout = timeout;
  tool.max_memory_bytes = limits.max_memory_bytes;
  tool.max_output_bytes = limits.max_output_bytes;
  tool.working_dir = working_dir;
  return tool;
}

std::vector<std::string> launched_command(const std::vector<std::string>& argv,
                                          const VideoLimits& limits) {
  std::vector<std::string> command = limits.launcher;
  command.insert(command.end(), argv.begin(), argv.end());
  return command;
}

core::Result<ToolRun> run_video_tool(const std::vector<std::string>& argv,
                                     const VideoLimits& limits, std::chrono::seconds timeout,
                                     const std::filesystem::path& working_dir) {
  return run_tool(launched_command(argv, limits), video_tool_limits(limits, timeout, working_dir));
}

}  // namespace toq::media
