#pragma once
// Where the archive's bytes go while it is being written: one object being uploaded to the store,
// fed in order through ByteSink::write. Two ways, one contract:
// - multipart (S3, and the local store): bytes are gathered into parts of part_size and each full
//   part is uploaded as it fills; complete() uploads the rest and completes the upload;
// - one streamed put (a store without multipart): store.put runs on a helper thread and reads
//   from a bounded in-memory pipe that write() fills.
//
// Complete or nothing: nothing is visible at the key before complete() succeeds. abort() (or
// destroying the upload without complete()) aborts the multipart upload or makes the put fail, so
// nothing is left at the key and no upload stays pending.
// Memory: O(part_size) for multipart, O(pipe_bytes) for the put, whatever the archive's size.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

namespace toq::media {

class ArchiveUpload : public core::ByteSink {
 public:
  // After a failed write() every later write() fails too; only abort() is useful then.
  // Makes the object visible; the store's info about it. On failure nothing is at the key (the
  // upload is aborted before returning).
  virtual core::Result<core::ObjectInfo> complete() = 0;
  // Discards everything written; idempotent; a no-op after complete(). The error is the clean-up's
  // own (e.g. the abort request failed), for the caller to add to the error it reports.
  virtual core::Status abort() = 0;
  // The multipart upload id; empty for a streamed put. For logs (and tests: an aborted id must
  // be unknown to the store afterwards).
  virtual const std::string& upload_id() const = 0;
};

// Creates the multipart upload (nothing uploaded yet). part_size must be at least 1; the store
// enforces its minimum part size on complete (ENTITY_TOO_SMALL), and more than kMaxPartNumber
// parts fail with INVALID_REQUEST.
core::Result<std::unique_ptr<ArchiveUpload>> start_multipart_upload(core::MultipartStore& store,
                                                                    std::string key,
                                                                    const core::PutOptions& options,
                                                                    std::int64_t part_size);

// Starts store.put(key, ...) on a helper thread that reads what write() puts into a pipe of
// pipe_bytes. The put's own error (a refused key, a full disk) surfaces from the next write() or
// from complete().
std::unique_ptr<ArchiveUpload> start_streamed_put(core::ObjectStore& store, std::string key,
                                                  core::PutOptions options, std::size_t pipe_bytes);

}  // namespace toq::media
