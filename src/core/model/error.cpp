#include "core/model/error.hpp"

#include <array>
#include <utility>

namespace toq::core {
namespace {

struct CodeName {
  ErrorCode code;
  std::string_view name;
  std::string_view generic_text;
};

constexpr std::array kCodes = {
    CodeName{ErrorCode::kInvalidManifest, "INVALID_MANIFEST", "The file manifest is not valid."},
    CodeName{ErrorCode::kUnauthenticated, "UNAUTHENTICATED", "Missing, invalid or expired token."},
    CodeName{ErrorCode::kForbidden, "FORBIDDEN", "You are not allowed to do this."},
    CodeName{ErrorCode::kListingNotFound, "LISTING_NOT_FOUND", "Listing not found."},
    CodeName{ErrorCode::kListingNotReadyForUpload, "LISTING_NOT_READY_FOR_UPLOAD",
             "The listing does not accept uploads in its current status."},
    CodeName{ErrorCode::kOpenBatchExists, "OPEN_BATCH_EXISTS",
             "The listing already has an upload batch in progress."},
    CodeName{ErrorCode::kFileTooLarge, "FILE_TOO_LARGE", "A file is larger than allowed."},
    CodeName{ErrorCode::kUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
             "A file has a content type that is not allowed."},
    CodeName{ErrorCode::kBatchNotPending, "BATCH_NOT_PENDING",
             "The batch no longer accepts uploads."},
    CodeName{ErrorCode::kUploadIncomplete, "UPLOAD_INCOMPLETE",
             "Some files are missing or differ from the manifest."},
    CodeName{ErrorCode::kBatchNotFound, "BATCH_NOT_FOUND", "Batch not found."},
    CodeName{ErrorCode::kBatchNotRetryable, "BATCH_NOT_RETRYABLE",
             "Only a READY or FAILED batch can be processed again."},
    CodeName{ErrorCode::kBatchNotDeletable, "BATCH_NOT_DELETABLE",
             "Only a READY or FAILED batch can be deleted."},
    CodeName{ErrorCode::kInvalidRequest, "INVALID_REQUEST", "The request is not valid."},
    CodeName{ErrorCode::kInvalidStateTransition, "INVALID_STATE_TRANSITION",
             "This change of state is not allowed."},
    CodeName{ErrorCode::kStaleState, "STALE_STATE",
             "The resource changed meanwhile; reload and try again."},
    CodeName{ErrorCode::kJobAlreadyActive, "JOB_ALREADY_ACTIVE",
             "The batch is already being processed."},
    CodeName{ErrorCode::kAssetNotFound, "ASSET_NOT_FOUND", "Asset not found."},
    CodeName{ErrorCode::kJobNotFound, "JOB_NOT_FOUND", "Job not found."},
    CodeName{ErrorCode::kConflict, "CONFLICT", "The request conflicts with the current state."},
    CodeName{ErrorCode::kUploadMissing, "UPLOAD_MISSING", "The file was never uploaded."},
    CodeName{ErrorCode::kSizeMismatch, "SIZE_MISMATCH",
             "The uploaded file's size differs from the declared one."},
    CodeName{ErrorCode::kChecksumMismatch, "CHECKSUM_MISMATCH",
             "The uploaded file's SHA-256 differs from the declared one."},
    CodeName{ErrorCode::kUnsupportedFormat, "UNSUPPORTED_FORMAT",
             "The file is not in a supported format."},
    CodeName{ErrorCode::kTypeMismatch, "TYPE_MISMATCH",
             "The file's content does not match its declared media type."},
    CodeName{ErrorCode::kCorruptMedia, "CORRUPT_MEDIA", "The file is damaged and cannot be read."},
    CodeName{ErrorCode::kImageTooLarge, "IMAGE_TOO_LARGE", "The image has too many pixels."},
    CodeName{ErrorCode::kVideoTooLong, "VIDEO_TOO_LONG", "The video is longer than allowed."},
    CodeName{ErrorCode::kVideoTranscodeFailed, "VIDEO_TRANSCODE_FAILED",
             "The video could not be converted."},
    CodeName{ErrorCode::kOrientationMismatch, "ORIENTATION_MISMATCH",
             "The file's orientation differs from the declared one."},
    CodeName{ErrorCode::kProcessingTimeout, "PROCESSING_TIMEOUT", "Processing took too long."},
    CodeName{ErrorCode::kUploadExpired, "UPLOAD_EXPIRED",
             "The upload session expired before it was completed."},
    CodeName{ErrorCode::kUploadCancelled, "UPLOAD_CANCELLED", "The upload session was cancelled."},
    CodeName{ErrorCode::kConfigInvalid, "CONFIG_INVALID", "The configuration is not valid."},
    CodeName{ErrorCode::kDatabaseError, "DATABASE_ERROR", "Internal error."},
    CodeName{ErrorCode::kDatabaseBusy, "DATABASE_BUSY",
             "The service is busy; try again in a moment."},
    CodeName{ErrorCode::kDatabaseUnavailable, "DATABASE_UNAVAILABLE",
             "The service is temporarily unavailable; try again in a moment."},
    CodeName{ErrorCode::kSchemaTooNew, "SCHEMA_TOO_NEW", "Internal error."},
    CodeName{ErrorCode::kStorageError, "STORAGE_ERROR", "Internal error."},
    CodeName{ErrorCode::kInsufficientStorage, "INSUFFICIENT_STORAGE",
             "The server has no disk space left to store this; try again later."},
    CodeName{ErrorCode::kObjectNotFound, "OBJECT_NOT_FOUND", "The file was not found."},
    CodeName{ErrorCode::kUploadNotFound, "UPLOAD_NOT_FOUND",
             "The multipart upload does not exist or was already finished."},
    CodeName{ErrorCode::kInvalidPart, "INVALID_PART",
             "A part of the multipart upload is missing or differs."},
    CodeName{ErrorCode::kInvalidRange, "INVALID_RANGE", "The requested range is not valid."},
    CodeName{ErrorCode::kEntityTooSmall, "ENTITY_TOO_SMALL",
             "A part other than the last is smaller than the minimum part size."},
    CodeName{ErrorCode::kAccessDenied, "ACCESS_DENIED", "Access denied."},
    CodeName{ErrorCode::kStoreUnavailable, "STORE_UNAVAILABLE",
             "The storage service is unavailable; try again in a moment."},
    CodeName{ErrorCode::kPipelineUnavailable, "PIPELINE_UNAVAILABLE",
             "The processing service is unavailable; try again in a moment."},
    CodeName{ErrorCode::kPipelineError, "PIPELINE_ERROR", "Internal error."},
    CodeName{ErrorCode::kInternal, "INTERNAL_ERROR", "Internal error."},
};

const CodeName& entry(ErrorCode code) {
  for (const auto& c : kCodes) {
    if (c.code == code) return c;
  }
  return kCodes.back();
}

}  // namespace

std::string_view to_string(ErrorCode code) {
  return entry(code).name;
}

std::optional<ErrorCode> parse_error_code(std::string_view text) {
  for (const auto& c : kCodes) {
    if (c.name == text) return c.code;
  }
  return std::nullopt;
}

std::string Error::client_message() const {
  if (!public_message.empty()) return public_message;
  return std::string(entry(code).generic_text);
}

Error make_error(ErrorCode code, std::string message, std::string public_message,
                 std::string hint) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  e.public_message = std::move(public_message);
  e.hint = std::move(hint);
  return e;
}

}  // namespace toq::core
