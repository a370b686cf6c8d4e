#pragma once
// The embedded object store: objects on the local disk under one root directory, and the SigV4
// presigned URLs that this process itself serves under /storage/... (see
// storage_request_handler.hpp). Implements ObjectStore, MultipartStore and UrlSigner with S3's
// semantics as the port states them; tests/conformance/object_store_conformance.hpp checks it.
//
// Layout under `root` (every path below is on one file system, so renames are atomic):
//   objects/<key>                 one file per object: 4 KiB header + bytes (object_file.hpp)
//   .multipart/<upload-id>/upload the upload's key, content type and expected SHA-256
//   .multipart/<upload-id>/part-NNNNN   one file per part, same format as an object
//   .tmp/                         files being written; renamed into place when complete
//
// Durability and atomicity: every write goes to a new file in .tmp, is fsynced, renamed over its
// final name and the directory is fsynced; a crash leaves the old object or the new one, never a
// mix, and at worst an orphan in .tmp (removed on open once older than a day). Readers open one
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

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/time.hpp"
#include "core/port/object_store.hpp"

#include "adapter/aws/crypto.hpp"
#include "adapter/aws/sigv4.hpp"
#include "adapter/storage/file_io.hpp"
#include "adapter/storage/object_file.hpp"

namespace toq::storage {

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
  aws::Credentials credentials;
  std::string region = "local";
  // S3's minimum size of every part but the last; tests lower it to use small parts.
  std::int64_t min_part_size = core::kMinPartSize;
  std::size_t buffer_size = static_cast<std::size_t>(kMiB);
  // fsync files and directories on commit. Only tests of something else turn it off.
  bool durable = true;
};

class LocalObjectStore;

// An open object: its metadata and an open file, so that headers and bytes always describe the
// same version even if the key is overwritten meanwhile. Thread-safe reads (pread).
class ObjectReader {
 public:
  const core::ObjectInfo& info() const { return info_; }
  // Streams `length` bytes starting at `first` (object offsets) into `sink`. The caller checks
  // the range against info().size.
  Status copy_to(core::ByteSink& sink, std::int64_t first, std::int64_t length) const;

 private:
  friend class LocalObjectStore;
  ObjectReader(Fd fd, std::filesystem::path path, core::ObjectInfo info, std::size_t buffer_size)
      : fd_(std::move(fd)),
        path_(std::move(path)),
        info_(std::move(info)),
        buffer_size_(buffer_size) {}

  Fd fd_;
  std::filesystem::path path_;
  core::ObjectInfo info_;
  std::size_t buffer_size_;
};

// A write in progress (an object or a part): bytes go to a temp file while MD5 and SHA-256 are
// computed. commit() verifies the length and checksum and renames the file into place; anything
// else (an error, or destroying it uncommitted) removes the temp file, so nothing is stored.
// Push-based, so an HTTP server can feed it as the body arrives.
class PendingWrite {
 public:
  PendingWrite(const PendingWrite&) = delete;
  PendingWrite& operator=(const PendingWrite&) = delete;
  ~PendingWrite();

  // INVALID_REQUEST when the bytes exceed the expected length; after any error the write is dead.
  Status write(std::span<const std::byte> data);
  // INVALID_REQUEST (length), CHECKSUM_MISMATCH, UPLOAD_NOT_FOUND (part of an upload aborted
  // meanwhile), STORAGE_ERROR. On success the returned info describes what was stored.
  Result<core::ObjectInfo> commit();
  std::int64_t bytes_written() const { return written_; }

 private:
  friend class LocalObjectStore;
  enum class Target : unsigned char { kObject, kPart };
  PendingWrite() = default;

  // Writeback is started every kWritebackChunk bytes (durable stores only).
  static constexpr std::int64_t kWritebackChunk = 8 * 1024 * 1024;

  Status flush();
  Status after_write(std::int64_t bytes);
  void start_writeback(std::int64_t from, std::int64_t length) const;
  Status fail_with(core::Error error);

  const LocalObjectStore* store_ = nullptr;
  Target target_ = Target::kObject;
  std::string key_;
  std::filesystem::path temp_path_;
  std::filesystem::path final_path_;
  Fd fd_;
  std::optional<aws::Digest> md5_;     // absent for an assembled multipart object (ETag given)
  std::optional<aws::Digest> sha256_;  // absent for parts without an expected checksum
  std::optional<std::string> etag_override_;
  std::optional<std::int64_t> expected_length_;
  std::optional<std::string> expected_sha256_;
  std::string content_type_;
  std::vector<std::byte> buffer_;
  std::size_t buffered_ = 0;
  std::int64_t written_ = 0;  // accepted so far (flushed + buffered)
  std::int64_t flushed_ = 0;  // on disk, after the header
  std::int64_t writeback_from_ = 0;
  bool failed_ = false;
  bool committed_ = false;
};

class LocalObjectStore final : public core::ObjectStore,
                               public core::MultipartStore,
                               public core::UrlSigner {
 public:
  // Creates the root and its subdirectories when missing and removes day-old temp files.
  // CONFIG_INVALID for a bad public_base_url or empty credentials, STORAGE_ERROR when the root
  // cannot be created. The clock must outlive the store.
  static Result<std::unique_ptr<LocalObjectStore>> open(LocalStoreOptions options,
                                                        const core::Clock& clock);

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

  // ---- What the request handler needs to verify presigned requests ----
  const aws::VerifyConfig& verify_config() const { return verify_config_; }
  std::optional<aws::Credentials> lookup_credentials(std::string_view access_key_id) const;
  aws::SigningKeyCache& key_cache() const { return key_cache_; }
  const core::Clock& clock() const { return *clock_; }
  const LocalStoreOptions& options() const { return options_; }
  const std::filesystem::path& temp_dir() const { return tmp_dir_; }

 private:
  friend class PendingWrite;
  struct BaseUrl {
    std::string scheme;
    std::string authority;
  };
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
  // The request a presigned URL for `key` signs: method, this store's authority, /storage/<key>.
  aws::HttpRequest route_request(std::string method, std::string_view key) const;
  Result<core::PresignedRequest> presign(aws::HttpRequest request,
                                         const std::vector<std::string>& signed_headers,
                                         std::chrono::seconds expires) const;
  void remove_stale_temps() const;

  LocalStoreOptions options_;
  BaseUrl base_;
  const core::Clock* clock_;
  std::filesystem::path objects_dir_;
  std::filesystem::path uploads_dir_;
  std::filesystem::path tmp_dir_;
  aws::SigV4Signer signer_;
  aws::VerifyConfig verify_config_;
  mutable aws::SigningKeyCache key_cache_;
};

// True for a multipart upload id this store could have issued: [A-Za-z0-9]{1,128}.
bool is_valid_upload_id(std::string_view upload_id);

}  // namespace toq::storage
