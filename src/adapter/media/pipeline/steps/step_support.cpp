#include "adapter/media/pipeline/steps/step_support.hpp"

#include <utility>
#include <variant>

namespace toq::media {

bool is_asset_code(core::ErrorCode code) {
  using enum core::ErrorCode;
  switch (code) {
    case kUploadMissing:
    case kSizeMismatch:
    case kChecksumMismatch:
    case kUnsupportedFormat:
    case kTypeMismatch:
    case kCorruptMedia:
    case kImageTooLarge:
    case kVideoTooLong:
    case kVideoTranscodeFailed:
    case kOrientationMismatch:
    case kProcessingTimeout: return true;
    default: return false;
  }
}

core::AssetFailure asset_failure(core::ErrorCode code, std::string message, std::string hint) {
  return core::AssetFailure{.code = code, .message = std::move(message), .hint = std::move(hint)};
}

StepResult stop_or_fail(core::Error error) {
  if (!is_asset_code(error.code)) {
    return std::unexpected(std::move(error));
  }
  auto message = error.public_message.empty() ? error.message : error.public_message;
  auto failure = asset_failure(error.code, std::move(message), std::move(error.hint));
  if (auto* tool = std::get_if<core::ToolDiagnostics>(&error.details)) failure.tool = *tool;
  return failure;
}

}  // namespace toq::media
