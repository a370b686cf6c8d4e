#pragma once
// The typed error of a failed ffprobe/ffmpeg step. Its message always names the step, how the
// tool ended (exit status, signal or time limit) and the tool's last diagnostics, so a failure can
// never again surface as a bare code; its hint says what the photographer can do. Paths of the
// service (input, work directory) are replaced by "<input>" / "<out>" in the public text.

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/model/error.hpp"

#include "adapter/media/video/tool_runner.hpp"

namespace toq::media {

inline constexpr std::string_view kReexportHint =
    "Export the video again as H.264 or HEVC MP4 from the phone or editor and upload it again.";
inline constexpr std::string_view kTimeoutHint =
    "The video took too long to process: upload a shorter video, or export it again at 1080p as "
    "H.264 MP4 and upload it again.";

struct FailureContext {
  std::string_view
      step;  // "reading the video", "transcoding to 1080p and 720p", "making the poster"
  std::string_view tool;  // "ffprobe", "ffmpeg"
  std::chrono::seconds timeout{0};
  std::filesystem::path input;    // replaced by "<input>" in the diagnostics
  std::filesystem::path out_dir;  // replaced by "<out>"
};

// `code` for a run that ended badly; PROCESSING_TIMEOUT (with kTimeoutHint) when it timed out.
// Message: "<step> failed: <tool> exited with status 1. Last diagnostics: <tail>".
core::Error tool_failure(core::ErrorCode code, const FailureContext& context, const ToolRun& run,
                         std::string_view hint = kReexportHint);

// The same shape for a step that failed without a tool run to blame (a rename, a missing output).
core::Error step_failure(core::ErrorCode code, const FailureContext& context, std::string_view what,
                         std::string_view hint = kReexportHint);

}  // namespace toq::media
