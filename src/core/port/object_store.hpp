#pragma once
// The object-store port and its optional capabilities. Adapters: the embedded local store
// (src/adapter/storage) and S3 (src/adapter/aws). Both pass tests/conformance/object_store_*.
//
// Keys are built by the server only (core/model/object_keys.hpp); adapters still refuse keys that
// are empty, longer than 1024 bytes, start with '/', or contain a "." or ".." segment, NUL or a
// control character (INVALID_REQUEST), so a key can never escape a local root.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/time.hpp"

namespace toq::core {

struct ObjectInfo {
  std::string key;
  std::int64_t size = 0;
  std::string etag;  // quoted, as S3 returns it: "\"9b2c...\"" (multipart: "\"<md5>-<parts>\"")
  std::string content_type;
  std::optional<std::string> checksum_sha256;  // base64, when the store holds one
  Timestamp last_modified{};
};

// Pull-based input: read() fills up to buf.size() bytes and returns how many; 0 means the end.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual Result<std::size_t> read(std::span<std::byte> buf) = 0;
};

// Push-based output: write() takes every byte given or fails.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status write(std::span<const std::byte> data) = 0;
};

struct PutOptions {
  std::string content_type = "application/octet-stream";
  std::optional<std::int64_t> content_length;  // when known; a source of another length fails
  std::optional<std::string> checksum_sha256;  // base64; verified, and stored with the object
  // false: the caller does not need the ETag to be the body's MD5, so a store that computes the
  // MD5 only for the ETag may skip that pass and give another strong ETag of the content. S3's
  // own ETag is not the MD5 either for multipart or SSE-KMS objects ("The ETag may or may not
  // be an MD5 digest of the object data",
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html).
  bool md5_etag = true;
};

// Inclusive byte range, like HTTP's "bytes=first-last"; last absent = to the end.
struct ByteRange {
  std::int64_t first = 0;
  std::optional<std::int64_t> last;
};

// Contract (every adapter, checked by the conformance suite):
// - put() streams `source` to `key` and makes it visible only once complete: a reader sees the old
//   object or the new one, never a part. A length differing from content_length, or a SHA-256
//   differing from checksum_sha256, fails (INVALID_REQUEST / CHECKSUM_MISMATCH) and stores nothing.
//   Putting an existing key replaces it. The returned etag is the body's MD5 unless
//   options.md5_etag is false. The returned checksum_sha256 is the SHA-256 of the body stored
//   whenever the adapter hashed it, which every adapter does when no content_length is given
//   (the local store hashes every object for its header; S3 spools such a body and signs its
//   payload hash), so such a caller need not hash the body again.
// - get() streams the object (or the range) into `sink` and returns its info (size is the whole
//   object's). OBJECT_NOT_FOUND when missing; INVALID_RANGE when first >= size.
// - head() returns nullopt when the key is missing (absence is not an error).
// - remove() deletes every key given; missing keys are not an error (S3 semantics).
// - Transient failures come back as STORE_UNAVAILABLE after the adapter's own bounded retries.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual Result<ObjectInfo> put(std::string_view key, ByteSource& source,
                                 const PutOptions& options) = 0;
  virtual Result<ObjectInfo> get(std::string_view key, ByteSink& sink,
                                 std::optional<ByteRange> range = std::nullopt) = 0;
  virtual Result<std::optional<ObjectInfo>> head(std::string_view key) = 0;
  virtual Status remove(const std::vector<std::string>& keys) = 0;
};

struct PartInfo {
  int part_number = 0;
  std::string etag;  // quoted
  std::int64_t size = 0;
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;  // quoted or not; adapters compare without the quotes
};

// S3's multipart limits, which every MultipartStore applies and callers plan uploads with.
inline constexpr int kMaxPartNumber = 10000;
inline constexpr std::int64_t kMinPartSize = 5LL * 1024 * 1024;  // every part but the last

inline bool is_valid_part_number(int n) {
  return n >= 1 && n <= kMaxPartNumber;
}

// The position of the first part that breaks S3's order rule for a complete (numbers valid and
// strictly ascending), or nullopt when the list obeys it. An empty list obeys it.
std::optional<std::size_t> first_misordered_part(const std::vector<CompletedPart>& parts);

// Optional capability: multipart uploads, with S3's rules (parts 1..10000, every part but the last
// at least 5 MiB, complete with the parts in ascending order).
//
// Contract:
// - create_multipart() returns a new upload id; nothing is visible at the key until complete.
// - upload_part() replaces a part uploaded earlier with the same number; returns its quoted ETag
//   (MD5 hex of the part, as S3).
// - list_parts() lists the parts uploaded so far, ascending.
// - complete_multipart() assembles the listed parts into the object atomically. INVALID_PART when a
//   part is missing or its ETag differs, ENTITY_TOO_SMALL for a small non-last part,
//   UPLOAD_NOT_FOUND for an unknown, aborted or completed upload id.
// - abort_multipart() discards the parts; UPLOAD_NOT_FOUND when unknown.
class MultipartStore {
 public:
  virtual ~MultipartStore() = default;
  virtual Result<std::string> create_multipart(std::string_view key, const PutOptions& options) = 0;
  virtual Result<PartInfo> upload_part(std::string_view key, std::string_view upload_id,
                                       int part_number, ByteSource& source,
                                       std::optional<std::int64_t> content_length) = 0;
  virtual Result<std::vector<PartInfo>> list_parts(std::string_view key,
                                                   std::string_view upload_id) = 0;
  virtual Result<ObjectInfo> complete_multipart(std::string_view key, std::string_view upload_id,
                                                const std::vector<CompletedPart>& parts) = 0;
  virtual Status abort_multipart(std::string_view key, std::string_view upload_id) = 0;
};

// A request the browser makes as given: method, URL, and exactly these headers.
struct PresignedRequest {
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  Timestamp expires_at{};
};

struct PresignPut {
  std::string content_type;
  std::int64_t content_length = 0;
  std::optional<std::string> checksum_sha256;  // base64; signed, so the store verifies the body
  std::chrono::seconds expires{3600};
};

struct PresignPart {
  std::string upload_id;
  int part_number = 0;
  std::optional<std::int64_t> content_length;
  std::chrono::seconds expires{3600};
};

struct PresignGet {
  std::string response_content_disposition;  // empty = none
  std::chrono::seconds expires{3600};
};

// Optional capability: SigV4 presigned URLs (query authentication) that the store itself checks.
// Signed headers are part of the request: a client that sends another Content-Type,
// Content-Length or x-amz-checksum-sha256 is refused by the store.
class UrlSigner {
 public:
  virtual ~UrlSigner() = default;
  virtual Result<PresignedRequest> presign_put(std::string_view key, const PresignPut& p) = 0;
  virtual Result<PresignedRequest> presign_upload_part(std::string_view key,
                                                       const PresignPart& p) = 0;
  virtual Result<PresignedRequest> presign_get(std::string_view key, const PresignGet& p) = 0;
};

// Ok, or INVALID_REQUEST naming why the key is refused (see the top of this file).
Status validate_object_key(std::string_view key);

}  // namespace toq::core
