#pragma once
// The embedded object store: objects on the local disk under one root directory, and the SigV4
// presigned URLs that this process itself serves under /storage/... (see
// storage_request_handler.hpp). Implements ObjectStore, MultipartStore and UrlSigner with S3's
// semantics as the port states them; tests/conformance/object_store_conformance.hpp checks it.
// Its sources follow the ports: local_object_store.cpp (objects), local_multipart.cpp,
// local_url_signer.cpp (with store_sigv4.hpp), and the write and read paths pending_write.hpp and
// object_reader.hpp.
//
// Layout under `root` (every path below is on one file system, so renames are atomic):
//   objects/<key>                 one file per object: 4 KiB header + bytes (object_file.hpp)
//   .multipart/<upload-id>/upload the upload's key, content type and expected SHA-256
//   .multipart/<upload-id>/part-NNNNN   one file per part, same format as an object
//   .tmp/                         files being written; renamed into place when complete
//
// Durability and atomicity: every write goes to a new file in .tmp, is fsynced, renamed over its
// final name and the directory is fsynced; a crash leaves the old object or the new one, never a
// mix, and at worst an orphan in .tmp (reap() removes it once untouched for stale_temp_age, at
// open and every 10 minutes while `serve` runs). Readers open one
// file and read header and bytes from that same inode, so a concurrent overwrite never shows them
// a mix either.
//
// Keys map to paths: key "a/b" is objects/a/b. Two S3 keys where one is a "folder" of the other
// ("a" and "a/b") cannot both exist here (INVALID_REQUEST); the server's key scheme never does
// that. Upload ids are 32 random hex characters; an id that is not [A-Za-z0-9]{1,128} is reported
// as UPLOAD_NOT_FOUND before any path is built from it.
//
// Memory: bodies stream through one fixed buffer per operation (buffer_size), whatever the size.
// Thread-safe: any number of threads and processes may use one root concurrently.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/time.hpp"
#include "core/port/object_store.hpp"

#include "adapter/storage/object_file.hpp"
#include "adapter/storage/object_reader.hpp"
#include "adapter/storage/pending_write.hpp"
#include "adapter/storage/store_sigv4.hpp"

namespace toq::storage {

using core::Result;
using core::Status;

// Presigned URLs point at {public_base_url}{kRoutePrefix}{uri-encoded key}.
inline constexpr std::string_view kRoutePrefix = "/storage/";
inline constexpr std::int64_t kMiB = 1024 * 1024;
// S3's limits for one PUT and for one part.
inline constexpr std::int64_t kMaxPutSize = 5LL * 1024 * kMiB;

struct LocalStoreOptions {
  std::filesystem::path root;
  // "http://127.0.0.1:8080" or "https://media.example.com": scheme and authority only, no path
  // (a reverse proxy must forward /storage/... unchanged: the path is signed).
  std::string public_base_url;
  // The local access key; the app keeps the secret in the data dir.
  AccessKey credentials;
  std::string region = "local";
  // S3's minimum size of every part but the last; tests lower it to use small parts.
  std::int64_t min_part_size = core::kMinPartSize;
  std::size_t buffer_size = static_cast<std::size_t>(kMiB);
  // fsync files and directories on commit. Only tests of something else turn it off.
  bool durable = true;
  // reap(): a temp file untouched this long was left by a crashed writer (a live one writes at
  // least every read timeout, seconds); a multipart upload untouched this long is abandoned (S3's
  // AbortIncompleteMultipartUpload lifecycle rule does the same in production).
  std::chrono::seconds stale_temp_age{3600};
  std::chrono::seconds abandoned_upload_age{7 * 24 * 3600};
};

// What one reap() removed.
struct ReapReport {
  std::size_t temp_files = 0;
  std::size_t uploads = 0;
};

class LocalObjectStore final : public core::ObjectStore,
                               public core::MultipartStore,
                               public core::UrlSigner {
 public:
  // Creates the root and its subdirectories when missing and reaps (reap()).
  // CONFIG_INVALID for a bad public_base_url or empty credentials, STORAGE_ERROR when the root
  // cannot be created. The clock must outlive the store.
  static Result<std::unique_ptr<LocalObjectStore>> open(LocalStoreOptions options,
                                                        const core::Clock& clock);
  ~LocalObjectStore() override;

  // ObjectStore
  Result<core::ObjectInfo> put(std::string_view key, core::ByteSource& source,
                               const core::PutOptions& options) override;
  Result<core::ObjectInfo> get(std::string_view key, core::ByteSink& sink,
                               std::optional<core::ByteRange> range = std::nullopt) override;
  Result<std::optional<core::ObjectInfo>> head(std::string_view key) override;
  Status remove(const std::vector<std::string>& keys) override;

  // MultipartStore. create_multipart's checksum_sha256, when given, is the whole object's: the
  // local store verifies it on complete (CHECKSUM_MISMATCH, and the upload stays open).
  Result<std::string> create_multipart(std::string_view key,
                                       const core::PutOptions& options) override;
  Result<core::PartInfo> upload_part(std::string_view key, std::string_view upload_id,
                                     int part_number, core::ByteSource& source,
                                     std::optional<std::int64_t> content_length) override;
  Result<std::vector<core::PartInfo>> list_parts(std::string_view key,
                                                 std::string_view upload_id) override;
  Result<core::ObjectInfo> complete_multipart(
      std::string_view key, std::string_view upload_id,
      const std::vector<core::CompletedPart>& parts) override;
  Status abort_multipart(std::string_view key, std::string_view upload_id) override;

  // UrlSigner: path-style URLs under kRoutePrefix, service "s3", the configured region.
  // presign_put signs Content-Type, Content-Length and (when given) x-amz-checksum-sha256; the
  // returned headers are the ones a client must set (Content-Length is implied by the body).
  Result<core::PresignedRequest> presign_put(std::string_view key,
                                             const core::PresignPut& p) override;
  Result<core::PresignedRequest> presign_upload_part(std::string_view key,
                                                     const core::PresignPart& p) override;
  Result<core::PresignedRequest> presign_get(std::string_view key,
                                             const core::PresignGet& p) override;

  // ---- Streaming primitives (the HTTP handler uses them; put/get are built on them) ----

  // OBJECT_NOT_FOUND when missing; STORAGE_ERROR when the file is damaged.
  Result<std::unique_ptr<ObjectReader>> open_object(std::string_view key) const;
  Result<std::unique_ptr<PendingWrite>> begin_put(std::string_view key,
                                                  const core::PutOptions& options) const;
  // UPLOAD_NOT_FOUND for an unknown upload or one for another key; INVALID_REQUEST for a part
  // number outside 1..10000 or a malformed checksum.
  Result<std::unique_ptr<PendingWrite>> begin_part(
      std::string_view key, std::string_view upload_id, int part_number,
      std::optional<std::int64_t> content_length,
      std::optional<std::string> checksum_sha256 = std::nullopt) const;

  // Removes what crashed or abandoned writers left: temp files (a PUT, a part, a multipart
  // complete) whose last write is older than stale_temp_age, and multipart uploads whose
  // directory last changed (created, a part added) longer than abandoned_upload_age ago. Ages are
  // the file system's modification times against its own clock. Safe beside live writers and
  // other processes sharing the root; failures to remove one entry are skipped (the next reap
  // tries again).
  ReapReport reap() const;

  // The request handler checks presigned requests with this.
  const StoreSigV4& sigv4() const { return *sigv4_; }
  const core::Clock& clock() const { return *clock_; }
  const LocalStoreOptions& options() const { return options_; }
  const std::filesystem::path& temp_dir() const { return tmp_dir_; }

 private:
  friend class PendingWrite;
  LocalObjectStore(LocalStoreOptions options, BaseUrl base, const core::Clock& clock);

  std::filesystem::path object_path(std::string_view key) const;
  std::filesystem::path upload_dir(std::string_view upload_id) const;
  Result<std::unique_ptr<PendingWrite>> begin_write(PendingWrite::Target target,
                                                    std::string_view key,
                                                    std::filesystem::path final_path,
                                                    std::string content_type,
                                                    std::optional<std::int64_t> length,
                                                    std::optional<std::string> sha256) const;
  Result<core::ObjectInfo> drain(core::ByteSource& source, PendingWrite& pending) const;
  Result<UploadRecord> load_upload(std::string_view key, std::string_view upload_id) const;
  Result<ObjectHeader> read_header(int fd, const std::filesystem::path& path) const;
  Status commit_object_file(std::string_view key, const std::filesystem::path& temp,
                            const std::filesystem::path& final_path) const;
  void prune_empty_parents(std::filesystem::path dir) const;
  // complete_multipart's two passes: every listed part checked, then copied into `pending`.
  struct OpenPart;
  Result<OpenPart> open_part(std::string_view upload_id,
                             const std::vector<core::CompletedPart>& parts, std::size_t i) const;
  Result<std::string> assemble_parts(std::string_view upload_id,
                                     const std::vector<core::CompletedPart>& parts,
                                     PendingWrite& pending) const;
  void discard_upload_dir(std::string_view upload_id, std::string_view why) const;
  // The URL a presigned request for `key` points at, relative to the public base URL.
  UrlToSign route(std::string method, std::string_view key, std::chrono::seconds expires) const;

  LocalStoreOptions options_;
  const core::Clock* clock_;
  std::filesystem::path objects_dir_;
  std::filesystem::path uploads_dir_;
  std::filesystem::path tmp_dir_;
  std::unique_ptr<StoreSigV4> sigv4_;
};

// True for a multipart upload id this store could have issued: [A-Za-z0-9]{1,128}.
bool is_valid_upload_id(std::string_view upload_id);

}  // namespace toq::storage
