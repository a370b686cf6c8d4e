#pragma once
// A write in progress into the local store (an object or a part): bytes go to a temp file while
// MD5 and SHA-256 are computed. commit() verifies the length and checksum and renames the file
// into place; anything else (an error, or destroying it uncommitted) removes the temp file, so
// nothing is stored. Push-based, so an HTTP server can feed it as the body arrives.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

#include "support/crypto/digest.hpp"
#include "support/unique_fd.hpp"

namespace toq::storage {

class LocalObjectStore;

class PendingWrite {
 public:
  PendingWrite(const PendingWrite&) = delete;
  PendingWrite& operator=(const PendingWrite&) = delete;
  ~PendingWrite();

  // INVALID_REQUEST when the bytes exceed the expected length; after any error the write is dead.
  core::Status write(std::span<const std::byte> data);
  // INVALID_REQUEST (length), CHECKSUM_MISMATCH, UPLOAD_NOT_FOUND (part of an upload aborted
  // meanwhile), STORAGE_ERROR. On success the returned info describes what was stored.
  core::Result<core::ObjectInfo> commit();
  std::int64_t bytes_written() const { return written_; }

 private:
  friend class LocalObjectStore;
  enum class Target : unsigned char { kObject, kPart };
  PendingWrite() = default;

  // Writeback is started every kWritebackChunk bytes (durable stores only).
  static constexpr std::int64_t kWritebackChunk = 8 * 1024 * 1024;
  static constexpr std::size_t kSha256EtagBytes = 16;

  core::Status flush();
  core::Status hash_and_write(std::span<const std::byte> data);
  core::Status after_write(std::int64_t bytes);
  void start_writeback(std::int64_t from, std::int64_t length) const;
  core::Status fail_with(core::Error error);
  // The steps of commit(): the digests checked, the header written and synced, the file moved.
  // The MD5 of the body; with no MD5 pass (PutOptions::md5_etag false), from the SHA-256.
  core::Result<std::string> finish_etag(const std::optional<std::string>& sha256);
  core::Result<std::optional<std::string>> finish_sha256();
  core::Status write_header_and_close(const std::string& etag,
                                      const std::optional<std::string>& sha256,
                                      core::Timestamp last_modified);
  core::Status move_into_place();

  const LocalObjectStore* store_ = nullptr;
  Target target_ = Target::kObject;
  std::string key_;
  std::filesystem::path temp_path_;
  std::filesystem::path final_path_;
  support::UniqueFd fd_;
  std::optional<support::Md5> md5_;  // absent for an assembled multipart object, or md5_etag false
  std::optional<support::Sha256> sha256_;  // absent for parts without an expected checksum
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

}  // namespace toq::storage
