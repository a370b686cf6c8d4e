#pragma once
// The one error type of toq-media. Every failure that crosses a port or a use case is an Error;
// adapters turn library exceptions and C error codes into it where they happen, and a single
// mapper in the HTTP adapter turns it into a status and a JSON body.

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace toq::core {

// Stable, UPPER_SNAKE codes: API ones are in the HTTP contract, asset ones reported per asset; of
// the rest, transient ones are 503s under their own code (DATABASE_BUSY...), most others 500.
enum class ErrorCode : std::uint8_t {
  // API (contract)
  kInvalidManifest,
  kUnauthenticated,
  kForbidden,
  kListingNotFound,
  kListingNotReadyForUpload,
  kOpenBatchExists,
  kFileTooLarge,
  kUnsupportedMediaType,
  kBatchNotPending,
  kUploadIncomplete,
  kBatchNotFound,
  kBatchNotRetryable,
  kBatchNotDeletable,  // an open batch (uploading, RECEIVED, PROCESSING) cannot be deleted
  kInvalidRequest,
  // Domain invariants
  kInvalidStateTransition,  // the state machine forbids this move
  kStaleState,              // compare-and-set lost: the row is no longer in the expected state
  kJobAlreadyActive,        // the batch already has a QUEUED or RUNNING job
  kAssetNotFound,
  kJobNotFound,
  kConflict,  // any other uniqueness violation
  // Asset outcomes (contract: per-asset error codes)
  kUploadMissing,
  kSizeMismatch,
  kChecksumMismatch,
  kUnsupportedFormat,
  kTypeMismatch,
  kCorruptMedia,
  kImageTooLarge,
  kVideoTooLong,
  kVideoTranscodeFailed,
  kOrientationMismatch,
  kProcessingTimeout,
  kUploadExpired,    // the batch stayed PENDING_UPLOAD past uploads.expireAfterSeconds
  kUploadCancelled,  // the photographer cancelled the batch before completing it
  // Infrastructure
  kConfigInvalid,
  kDatabaseError,
  kDatabaseBusy,         // transient: lock not obtained within the busy timeout
  kDatabaseUnavailable,  // transient: the database server cannot be reached or was lost
  kSchemaTooNew,         // the database was migrated by a newer toq-media
  kStorageError,
  kInsufficientStorage,  // the disk (or quota) holding the store or the database is full
  // Object store (S3's own codes in parentheses)
  kObjectNotFound,  // (NoSuchKey)
  kUploadNotFound,  // (NoSuchUpload) the multipart upload id is unknown, completed or aborted
  kInvalidPart,     // (InvalidPart / InvalidPartOrder) a listed part is missing or its ETag differs
  kInvalidRange,    // (InvalidRange)
  kEntityTooSmall,  // (EntityTooSmall) a non-last part under the minimum part size
  kAccessDenied,    // (AccessDenied / SignatureDoesNotMatch / expired URL)
  kStoreUnavailable,  // transient: network failure, 5xx or SlowDown after the retries
  // The AWS processing services (Step Functions, SQS, the callback receiver)
  kPipelineUnavailable,  // transient: unreachable, throttled, 5xx or timed out; retry as is
  kPipelineError,        // refused for good (access, a bad request, a missing state machine)
  kInternal,
};

// The contract's UPPER_SNAKE spelling ("INVALID_MANIFEST").
std::string_view to_string(ErrorCode code);
std::optional<ErrorCode> parse_error_code(std::string_view text);

// One offending field of a request, addressed by its JSON path ("files[3].sequence").
struct FieldError {
  std::string field;
  std::string rule;    // machine-readable rule id, e.g. "DUPLICATE", "TOO_LONG"
  std::string reason;  // plain words for a person
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

// At most kMaxFieldErrors are listed; `omitted` counts the failures found beyond them, so an
// answer stays small however bad the request.
struct FieldErrors {
  static constexpr std::size_t kMaxFieldErrors = 100;
  std::vector<FieldError> fields;
  std::size_t omitted = 0;
};

// OPEN_BATCH_EXISTS, JOB_ALREADY_ACTIVE: the id of the row that won.
struct ConflictDetails {
  std::string what;  // "batchId", "jobId"
  std::int64_t id = 0;
};

struct Mismatch {
  std::string client_id;
  std::string reason;  // SIZE_MISMATCH | CHECKSUM_MISMATCH
};

// UPLOAD_INCOMPLETE
struct UploadIncompleteDetails {
  std::vector<std::string> missing;
  std::vector<Mismatch> mismatched;
};

// How an external tool (ffmpeg, ffprobe) that found an asset's failure ended.
struct ToolDiagnostics {
  std::optional<int> exit_status;  // when it exited
  std::optional<int> signal;       // when a signal ended it
  std::string tail;                // its last diagnostics, service paths replaced
  friend bool operator==(const ToolDiagnostics&, const ToolDiagnostics&) = default;
};

using ErrorDetails = std::variant<std::monostate, FieldErrors, ConflictDetails,
                                  UploadIncompleteDetails, ToolDiagnostics>;

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;         // for logs and operators: may name files, SQL, library errors
  std::string public_message;  // safe to show a client; empty means "use a generic text"
  std::string hint;            // what the caller can do about it; may be empty
  ErrorDetails details;

  // The text a client sees: public_message, or a generic one for the code.
  [[nodiscard]] std::string client_message() const;
};

// Builders keep call sites short and make sure public text is never forgotten by accident.
Error make_error(ErrorCode code, std::string message, std::string public_message = {},
                 std::string hint = {});

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message,
                                   std::string public_message = {}, std::string hint = {}) {
  return std::unexpected(
      make_error(code, std::move(message), std::move(public_message), std::move(hint)));
}
inline std::unexpected<Error> fail(Error error) {
  return std::unexpected(std::move(error));
}

}  // namespace toq::core
