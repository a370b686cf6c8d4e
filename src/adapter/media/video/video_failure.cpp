#include "adapter/media/video/video_failure.hpp"

#include <fmt/core.h>

namespace toq::media {
namespace {

void replace_all(std::string& text, const std::string& from, std::string_view to) {
  if (from.empty()) return;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

std::string redact(std::string text, const FailureContext& context) {
  // Longest first: out_dir may lie inside the input's directory or the other way round.
  std::string input = context.input.empty()
                          ? std::string{}
                          : std::filesystem::absolute(context.input).lexically_normal().string();
  std::string out = context.out_dir.empty()
                        ? std::string{}
                        : std::filesystem::absolute(context.out_dir).lexically_normal().string();
  if (input.size() >= out.size()) {
    replace_all(text, input, "<input>");
    replace_all(text, out, "<out>");
  } else {
    replace_all(text, out, "<out>");
    replace_all(text, input, "<input>");
  }
  return text;
}

}  // namespace

core::Error tool_failure(core::ErrorCode code, const FailureContext& context, const ToolRun& run,
                         std::string_view hint) {
  const std::string ending =
      describe_ending(run, std::chrono::duration_cast<std::chrono::milliseconds>(context.timeout));
  std::string tail =
      run.stderr_tail.empty() ? std::string("(the tool printed no diagnostics)") : run.stderr_tail;
  std::string text = fmt::format("{} failed: {} {}. Last diagnostics: {}", context.step,
                                 context.tool, ending, tail);
  if (run.timed_out) {
    code = core::ErrorCode::kProcessingTimeout;
    hint = kTimeoutHint;
  }
  std::string public_text = redact(text, context);
  auto error = core::make_error(code, std::move(text), std::move(public_text), std::string(hint));
  core::ToolDiagnostics tool;
  if (run.signal != 0) {
    tool.signal = run.signal;
  } else if (run.exit_code >= 0) {
    tool.exit_status = run.exit_code;
  }
  tool.tail = redact(run.stderr_tail, context);
  error.details = std::move(tool);
  return error;
}

core::Error step_failure(core::ErrorCode code, const FailureContext& context, std::string_view what,
                         std::string_view hint) {
  std::string text = fmt::format("{} failed: {}", context.step, what);
  std::string public_text = redact(text, context);
  return core::make_error(code, std::move(text), std::move(public_text), std::string(hint));
}

}  // namespace toq::media
