#pragma once
// The batch ZIP: every input streamed, in order, into one archive that is itself streamed into
// the object store. libarchive writes the ZIP (store method: photos and videos are compressed
// already); this file owns the archive handle, the SHA-256 of the whole archive (computed here
// for a multipart upload, taken from the store for a streamed put, which hashes the body once
// for both), and the rule "complete or nothing".
//
// Format (libarchive 3.6, checked by tests/media/zip):
// - every entry is a regular file, mode 0644, uid/gid 0, the given mtime, its size declared up
//   front; "store" (method 0); the CRC-32 and sizes also follow the data in a data descriptor
//   (libarchive never seeks back);
// - ZIP64 exactly when needed: an entry of 4 GiB or more gets ZIP64 sizes, an entry that starts
//   past 4 GiB a ZIP64 offset in the central directory, and an archive whose central directory
//   starts past 4 GiB (or with more than 65535 entries) the ZIP64 end records;
// - names are UTF-8 with the UTF-8 flag (bit 11) set when not ASCII.
// Deterministic: the same inputs, names, mtime and time zone give the same bytes (the DOS time
// in the headers is local time, so TZ matters; servers run in UTC).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/time.hpp"
#include "core/port/object_store.hpp"

namespace toq::media {

struct ZipInput {
  std::string name;       // final entry name (entry_name + EntryNamer); must already be sanitised
  std::int64_t size = 0;  // exact byte count (lets the writer decide ZIP64 per entry)
  // Streams the entry's bytes into the sink (production: store.get(key, sink)).
  std::function<core::Status(core::ByteSink&)> write_to;
};

struct ZipResult {
  std::int64_t bytes = 0;  // the archive's size
  std::string sha256_hex;  // of the whole archive, lowercase hex
  std::int64_t entries = 0;
  core::ObjectInfo object;  // as the store reports it
};

struct ZipOptions {
  std::string content_type = "application/zip";
  // Multipart: the size of every part but the last (raised when the archive would otherwise need
  // more than 10,000 parts). Single put: the pipe holds min(part_size, 8 MiB).
  std::int64_t part_size = 16LL << 20;
  // Every entry's modification time. Fixed by default so that a rerun writes the same bytes; the
  // pipeline passes the batch's time.
  core::Timestamp entry_time = core::Timestamp{std::chrono::seconds{1704067200}};  // 2024-01-01
};

// Writes the archive of `inputs` (in this order) to `key`: through multipart uploads when
// `multipart` is not null (parts of options.part_size), otherwise through one streamed put (no
// MD5 ETag asked for: result.object.etag may be another digest of the archive).
// Complete or nothing: on any failure the multipart upload is aborted (or the put abandoned), so
// nothing is visible at `key` and nothing stays pending, and the first error is returned:
// - INVALID_REQUEST before anything is uploaded: an empty or unsanitised name
//   (name != sanitize_entry_name(name)), two names that collide case-insensitively, a negative
//   size, a missing write_to, a part_size below 1;
// - SIZE_MISMATCH when write_to writes more or fewer bytes than the input's size;
// - the error write_to returned, unchanged (e.g. OBJECT_NOT_FOUND from the store);
// - the store's errors (STORE_UNAVAILABLE, STORAGE_ERROR, ENTITY_TOO_SMALL, ...);
// - INTERNAL_ERROR for a libarchive failure (its message included).
// Memory: O(part_size) plus ~100 bytes per entry for the central directory, independent of the
// entries' sizes.
core::Result<ZipResult> write_zip(core::ObjectStore& store, core::MultipartStore* multipart,
                                  std::string_view key, const std::vector<ZipInput>& inputs,
                                  const ZipOptions& options);

// An input read from the store: write_to streams `key` with store.get. The store must outlive
// the input.
ZipInput store_input(core::ObjectStore& store, std::string key, std::string name,
                     std::int64_t size);

}  // namespace toq::media
