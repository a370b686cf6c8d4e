#pragma once
// The manifest rules of the HTTP contract as pure functions. A manifest is what the photographer's
// page declares when it creates a batch; rule failures are reported with the exact JSON path of
// the offending field ("files[3].sequence"), many at once, so the page can mark every bad row in
// one round trip. The work and the answer are bounded: files past the file limit are not checked,
// and at most FieldErrors::kMaxFieldErrors failures are listed (the rest are counted).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/media_type.hpp"

namespace toq::core {

// One declared file, as the client sent it, before validation. Optional fields are the ones the
// JSON may omit; the validator reports a missing required one as "REQUIRED".
struct FileDeclarationInput {
  std::optional<std::string> client_id;
  std::optional<std::string> media_type;
  std::optional<std::string> filename;
  std::optional<std::string> content_type;
  std::optional<std::int64_t> bytes;
  std::optional<std::string> checksum_sha256;  // standard base64 of the 32-byte digest
  std::optional<std::string> title;
  std::optional<std::int64_t> sequence;
};

struct ManifestInput {
  std::optional<std::int64_t> listing_identity_id;
  std::optional<std::string> batch_reference;
  std::vector<FileDeclarationInput> files;
  // The length of the files array as sent, when the reader kept only its first entries (a
  // request listing far more files than allowed is not materialised); nullopt: files.size().
  std::optional<std::size_t> files_sent;
};

// One declared file after validation: every field present and within its rules.
struct FileDeclaration {
  std::string client_id;
  MediaType media_type = MediaType::kPhotoHorizontal;
  std::string filename;
  std::string content_type;  // lower-cased, parameters stripped ("image/jpeg")
  std::int64_t bytes = 0;
  std::string checksum_sha256;  // base64, exactly as declared
  std::string title;            // may be empty
  std::int64_t sequence = 0;    // 1..kMaxSequence
  friend bool operator==(const FileDeclaration&, const FileDeclaration&) = default;
};

struct Manifest {
  std::int64_t listing_identity_id = 0;
  std::string batch_reference;
  std::vector<FileDeclaration> files;
};

// The largest sequence: ZIP entry names and every consumer of the contract hold it in 32 bits.
inline constexpr std::int64_t kMaxSequence = 2147483647;

// Limits come from config; the defaults are the contract's.
struct ManifestLimits {
  static constexpr std::int64_t kMiB = 1024 * 1024;
  std::size_t max_files_per_batch = 100;
  std::size_t max_title_chars = 120;     // Unicode code points
  std::size_t max_filename_chars = 255;  // Unicode code points
  std::size_t max_client_id_chars = 64;
  std::size_t max_batch_reference_chars = 120;
  std::map<MediaGroup, std::int64_t> max_bytes = {
      {MediaGroup::kPhoto, 60 * kMiB},
      {MediaGroup::kVideo, 10 * 1024 * kMiB},
      {MediaGroup::kProject, 60 * kMiB},
  };
  // Allowed declared content types per media type (lower case, no parameters).
  std::map<MediaType, std::set<std::string>> allowed_content_types = default_content_types();

  static std::map<MediaType, std::set<std::string>> default_content_types();
};

// Rule ids used in FieldError::rule.
namespace rule {
inline constexpr const char* kRequired = "REQUIRED";
inline constexpr const char* kEmpty = "EMPTY";
inline constexpr const char* kTooLong = "TOO_LONG";
inline constexpr const char* kInvalidUtf8 = "INVALID_UTF8";
inline constexpr const char* kControlCharacter = "CONTROL_CHARACTER";
inline constexpr const char* kDuplicate = "DUPLICATE";
inline constexpr const char* kOutOfRange = "OUT_OF_RANGE";
inline constexpr const char* kUnknownValue = "UNKNOWN_VALUE";
inline constexpr const char* kTooManyFiles = "TOO_MANY_FILES";
inline constexpr const char* kNoFiles = "NO_FILES";
inline constexpr const char* kFileTooLarge = "FILE_TOO_LARGE";
inline constexpr const char* kContentTypeNotAllowed = "CONTENT_TYPE_NOT_ALLOWED";
inline constexpr const char* kBadChecksum = "BAD_CHECKSUM";
}  // namespace rule

// Validates every rule and returns the normalised manifest, or an Error whose details are
// FieldErrors listing the failures in field order (at most FieldErrors::kMaxFieldErrors, the
// rest counted in `omitted`). A manifest with more files than max_files_per_batch fails
// TOO_MANY_FILES and only its first max_files_per_batch files are checked. The error code is
// FILE_TOO_LARGE when every failure is a size limit, UNSUPPORTED_MEDIA_TYPE when every failure is a
// content type that is not allowed, and INVALID_MANIFEST otherwise.
Result<Manifest> validate_manifest(const ManifestInput& input, const ManifestLimits& limits);

// True when `text` is standard base64 (with padding) of exactly 32 bytes.
bool is_base64_sha256(std::string_view text);

// Number of Unicode code points in valid UTF-8; nullopt when `text` is not valid UTF-8
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::optional<std::size_t> utf8_length(std::string_view text);

}  // namespace toq::core
