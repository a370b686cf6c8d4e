#pragma once
// On-disk format of the local store.
//
// An object (and a multipart part) is ONE file: a fixed 4 KiB text header followed by the bytes.
//
//   toq-object 1\n
//   size 12345\n
//   etag "9b2c..."\n
//   content-type image/jpeg\n
//   sha256 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n      (optional)
//   last-modified 1700000000000\n                              (ms since the epoch, UTC)
//   \n
//   <zero padding up to 4096 bytes><the object's bytes>
//
// Why one file rather than a data file plus a sidecar: the metadata is only known once the body
// has streamed through (ETag, SHA-256), and a sidecar would need a second rename that a crash or a
// concurrent reader could observe half-done (new bytes with the old ETag). With the header inside
// the file, a writer fills a temp file (bytes at offset 4096, then the header at 0), fsyncs it and
// renames it over the key: readers open one inode and see the old object or the new one, whole,
// and after a crash the key holds either. The price is that an object file is not a plain copy of
// the bytes; nothing outside this adapter reads it. The fixed size keeps the bytes page-aligned.
//
// A multipart upload's description (key, content type, expected SHA-256) is a small text file in
// the same "name value" line format with its own magic line.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/time.hpp"

namespace toq::storage {

using core::Result;

inline constexpr std::int64_t kHeaderSize = 4096;
// A content type longer than this is refused (the header has to fit in kHeaderSize).
inline constexpr std::size_t kMaxContentTypeSize = 1024;

struct ObjectHeader {
  std::int64_t size = 0;
  std::string etag;  // quoted
  std::string content_type;
  std::optional<std::string> checksum_sha256;  // base64
  core::Timestamp last_modified{};
};

// Exactly kHeaderSize bytes. INVALID_REQUEST when a value has a control character or the header
// would not fit.
Result<std::string> encode_object_header(const ObjectHeader& header);
// STORAGE_ERROR when `bytes` is not a header this version wrote.
Result<ObjectHeader> decode_object_header(std::span<const std::byte> bytes);

struct UploadRecord {
  std::string key;
  std::string content_type;
  std::optional<std::string> checksum_sha256;  // verified against the assembled object
  core::Timestamp created{};
};

std::string encode_upload_record(const UploadRecord& record);
Result<UploadRecord> decode_upload_record(std::string_view text);

// True when `value` has no byte below 0x20 and no DEL: safe in one header line.
bool is_header_safe(std::string_view value);

}  // namespace toq::storage
