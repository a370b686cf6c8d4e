#include "adapter/storage/pending_write.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "adapter/storage/file_io.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "adapter/storage/object_file.hpp"
#include "adapter/storage/store_rules.hpp"
#include "support/base64.hpp"
#include "support/hex.hpp"
#include "support/http_syntax.hpp"

namespace toq::storage {

using core::ErrorCode;
using core::Result;
using core::Status;

PendingWrite::~PendingWrite() {
  if (!committed_ && !temp_path_.empty()) {
    fd_.reset();
    ::unlink(temp_path_.c_str());
  }
}

Status PendingWrite::fail_with(core::Error error) {
  failed_ = true;
  fd_.reset();
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
  return std::unexpected(std::move(error));
}

void PendingWrite::start_writeback(std::int64_t from, std::int64_t length) const {
#ifdef SYNC_FILE_RANGE_WRITE
  // Large bodies: let the disk write the bytes already handed over while the CPU hashes the next
  // ones, so the fsync at commit has little left to do. Only a hint; errors surface at fsync.
  (void)::sync_file_range(fd_.get(), kHeaderSize + from, length, SYNC_FILE_RANGE_WRITE);
#else
  (void)from;
  (void)length;
#endif
}

Status PendingWrite::after_write(std::int64_t bytes) {
  flushed_ += bytes;
  if (store_->options_.durable && flushed_ - writeback_from_ >= kWritebackChunk) {
    start_writeback(writeback_from_, flushed_ - writeback_from_);
    writeback_from_ = flushed_;
  }
  return {};
}

Status PendingWrite::hash_and_write(std::span<const std::byte> data) {
  if (md5_) {
    if (auto st = md5_->update(data); !st) return fail_with(std::move(st.error()));
  }
  if (sha256_) {
    if (auto st = sha256_->update(data); !st) return fail_with(std::move(st.error()));
  }
  if (auto st = pwrite_all(fd_.get(), data, kHeaderSize + flushed_, temp_path_); !st) {
    return fail_with(std::move(st.error()));
  }
  return after_write(static_cast<std::int64_t>(data.size()));
}

Status PendingWrite::flush() {
  if (buffered_ == 0) return {};
  const std::span<const std::byte> data{buffer_.data(), buffered_};
  buffered_ = 0;
  return hash_and_write(data);
}

Status PendingWrite::write(std::span<const std::byte> data) {
  if (failed_ || committed_) {
    return core::fail(ErrorCode::kInternal, "write on a finished or failed pending write");
  }
  const auto size = static_cast<std::int64_t>(data.size());
  if (expected_length_ && written_ + size > *expected_length_) {
    return fail_with(
        core::make_error(ErrorCode::kInvalidRequest,
                         fmt::format("'{:.200}': the body is longer than the declared {} bytes",
                                     key_, *expected_length_),
                         "The file is longer than its declared size."));
  }
  // Large pieces bypass the buffer (put() hands over whole buffers); small ones, as an HTTP
  // server delivers them, are gathered so the disk sees large writes.
  if (buffered_ == 0 && data.size() >= buffer_.size()) {
    written_ += size;
    return hash_and_write(data);
  }
  while (!data.empty()) {
    const std::size_t n = std::min(data.size(), buffer_.size() - buffered_);
    std::memcpy(buffer_.data() + buffered_, data.data(), n);
    buffered_ += n;
    written_ += static_cast<std::int64_t>(n);
    data = data.subspan(n);
    if (buffered_ == buffer_.size()) {
      if (auto st = flush(); !st) return st;
    }
  }
  return {};
}

Result<std::string> PendingWrite::finish_etag(const std::optional<std::string>& sha256) {
  if (etag_override_) return *etag_override_;
  if (!md5_) {
    // An object put without an MD5 ETag: the first 128 bits of its SHA-256, in hex like an MD5.
    const auto digest = sha256 ? support::base64_decode(*sha256) : std::nullopt;
    if (!digest || digest->size() < kSha256EtagBytes) {
      return std::unexpected(std::move(
          fail_with(core::make_error(ErrorCode::kInternal,
                                     fmt::format("'{:.200}': no digest to make its ETag", key_)))
              .error()));
    }
    return support::quote_etag(support::hex_lower(std::span{digest->data(), kSha256EtagBytes}));
  }
  auto md5 = md5_->finish();
  if (!md5) return std::unexpected(std::move(fail_with(std::move(md5.error())).error()));
  return support::quote_etag(support::hex_lower(*md5));
}

Result<std::optional<std::string>> PendingWrite::finish_sha256() {
  std::optional<std::string> sha256;
  if (sha256_) {
    auto digest = sha256_->finish();
    if (!digest) return std::unexpected(std::move(fail_with(std::move(digest.error())).error()));
    sha256 = support::base64_encode(*digest);
  }
  if (expected_sha256_ && sha256 != expected_sha256_) {
    return std::unexpected(std::move(
        fail_with(core::make_error(ErrorCode::kChecksumMismatch,
                                   fmt::format("'{:.200}': SHA-256 of the body is {}, {} was "
                                               "declared",
                                               key_, sha256.value_or("?"), *expected_sha256_),
                                   "The file's SHA-256 differs from the declared one."))
            .error()));
  }
  return sha256;
}

Status PendingWrite::write_header_and_close(const std::string& etag,
                                            const std::optional<std::string>& sha256,
                                            core::Timestamp last_modified) {
  ObjectHeader header;
  header.size = written_;
  header.etag = etag;
  header.content_type = content_type_;
  header.checksum_sha256 = sha256;
  header.last_modified = last_modified;
  auto text = encode_object_header(header);
  if (!text) return fail_with(std::move(text.error()));
  if (auto st = pwrite_all(fd_.get(), std::as_bytes(std::span{*text}), 0, temp_path_); !st) {
    return fail_with(std::move(st.error()));
  }
  if (store_->options_.durable) {
    if (auto st = fsync_fd(fd_.get(), temp_path_); !st) return fail_with(std::move(st.error()));
  }
  if (auto st = close_file(fd_, temp_path_); !st) return fail_with(std::move(st.error()));
  return {};
}

Status PendingWrite::move_into_place() {
  if (target_ == Target::kObject) {
    if (auto st = store_->commit_object_file(key_, temp_path_, final_path_); !st) {
      return fail_with(std::move(st.error()));
    }
    return {};
  }
  if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    const int err = errno;
    // The upload directory is gone: aborted or completed while this part streamed.
    auto error = err == ENOENT
                     ? upload_not_found(final_path_.parent_path().filename().string()).error()
                     : io_error("rename", final_path_, err);
    return fail_with(std::move(error));
  }
  if (store_->options_.durable) {
    if (auto st = fsync_dir(final_path_.parent_path()); !st) {
      committed_ = true;  // renamed: the part exists even though the fsync failed
      return st;
    }
  }
  return {};
}

Result<core::ObjectInfo> PendingWrite::commit() {
  return guarded("commit", [&]() -> Result<core::ObjectInfo> {
    if (failed_ || committed_) {
      return core::fail(ErrorCode::kInternal, "commit of a finished or failed pending write");
    }
    if (auto st = flush(); !st) return std::unexpected(std::move(st.error()));
    if (expected_length_ && written_ != *expected_length_) {
      auto st = fail_with(
          core::make_error(ErrorCode::kInvalidRequest,
                           fmt::format("'{:.200}': the body has {} bytes, {} were declared", key_,
                                       written_, *expected_length_),
                           "The file's size differs from its declared size."));
      return std::unexpected(std::move(st.error()));
    }
    auto sha256 = finish_sha256();
    if (!sha256) return std::unexpected(std::move(sha256.error()));
    auto etag = finish_etag(*sha256);
    if (!etag) return std::unexpected(std::move(etag.error()));
    const core::Timestamp last_modified = store_->clock_->now();
    if (auto st = write_header_and_close(*etag, *sha256, last_modified); !st) {
      return std::unexpected(std::move(st.error()));
    }
    if (auto st = move_into_place(); !st) return std::unexpected(std::move(st.error()));
    committed_ = true;

    core::ObjectInfo info;
    info.key = key_;
    info.size = written_;
    info.etag = std::move(*etag);
    info.content_type = content_type_;
    info.checksum_sha256 = std::move(*sha256);
    info.last_modified = last_modified;
    return info;
  });
}

}  // namespace toq::storage
