#include "core/model/client_codes.hpp"

namespace toq::core {

ErrorCode client_asset_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUploadMissing:
    case ErrorCode::kSizeMismatch:
    case ErrorCode::kChecksumMismatch:
    case ErrorCode::kUnsupportedFormat:
    case ErrorCode::kTypeMismatch:
    case ErrorCode::kCorruptMedia:
    case ErrorCode::kImageTooLarge:
    case ErrorCode::kVideoTooLong:
    case ErrorCode::kVideoTranscodeFailed:
    case ErrorCode::kOrientationMismatch:
    case ErrorCode::kProcessingTimeout:
    case ErrorCode::kUploadExpired:
    case ErrorCode::kUploadCancelled: return code;
    default: return ErrorCode::kInternal;
  }
}

}  // namespace toq::core
