#include "adapter/media/pipeline/steps/verify_upload.hpp"

#include <fmt/format.h>

#include "adapter/media/pipeline/steps/step_support.hpp"

namespace toq::media {

StepResult verify_upload(const PipelineContext& /*context*/, AssetRun& run) {
  const auto& declared = run.task.declared;
  if (run.input_bytes != declared.bytes) {
    return asset_failure(core::ErrorCode::kSizeMismatch,
                         fmt::format("The stored file has {} bytes; the upload declared {} bytes.",
                                     run.input_bytes, declared.bytes),
                         "Upload the file again: the transfer was probably cut short.");
  }
  if (!declared.checksum_sha256.empty() && run.input_sha256_base64 != declared.checksum_sha256) {
    return asset_failure(core::ErrorCode::kChecksumMismatch,
                         "The stored file's SHA-256 differs from the one declared for it.",
                         "Upload the file again: it was altered or damaged on the way.");
  }
  return std::nullopt;
}

}  // namespace toq::media
