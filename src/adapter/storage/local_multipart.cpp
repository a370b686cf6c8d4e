// The MultipartStore side of the local store: an upload is a directory under .multipart/ holding
// its record and one file per part; complete assembles the parts into an object file.

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/model/manifest.hpp"

#include "adapter/storage/file_io.hpp"
#include "adapter/storage/local_object_store.hpp"
#include "adapter/storage/store_rules.hpp"
#include "support/crypto/random.hpp"
#include "support/hex.hpp"
#include "support/http_syntax.hpp"

namespace toq::storage {
namespace {

using core::ErrorCode;
namespace fs = std::filesystem;

// Reads a small whole file (an upload record).
Result<std::string> read_small_file(const fs::path& path, int* errno_out) {
  auto fd = open_file(path, O_RDONLY, 0, errno_out);
  if (!fd) return std::unexpected(std::move(fd.error()));
  std::string text(kMaxUploadRecordSize, '\0');
  auto n = pread_full(fd->get(), std::as_writable_bytes(std::span{text}), 0, path);
  if (!n) return std::unexpected(std::move(n.error()));
  text.resize(*n);
  return text;
}

}  // namespace

struct LocalObjectStore::OpenPart {
  support::UniqueFd fd;
  ObjectHeader header;
};

Result<UploadRecord> LocalObjectStore::load_upload(std::string_view key,
                                                   std::string_view upload_id) const {
  if (auto st = core::validate_object_key(key); !st) return std::unexpected(st.error());
  // Checked before the id becomes part of a path: "../x" never reaches the file system.
  if (!is_valid_upload_id(upload_id)) return upload_not_found(upload_id);
  int err = 0;
  auto text = read_small_file(upload_dir(upload_id) / kUploadRecordName, &err);
  if (!text) {
    if (err == ENOENT || err == ENOTDIR) return upload_not_found(upload_id);
    return std::unexpected(std::move(text.error()));
  }
  auto record = decode_upload_record(*text);
  if (!record) return std::unexpected(std::move(record.error()));
  // S3 answers NoSuchUpload for an upload id used with another key.
  if (record->key != key) return upload_not_found(upload_id);
  return record;
}

Result<std::string> LocalObjectStore::create_multipart(std::string_view key,
                                                       const core::PutOptions& options) {
  return guarded("create multipart", [&]() -> Result<std::string> {
    if (auto st = core::validate_object_key(key); !st) return std::unexpected(st.error());
    const std::string content_type =
        options.content_type.empty() ? "application/octet-stream" : options.content_type;
    if (auto st = check_content_type(content_type); !st) return std::unexpected(st.error());
    if (auto st = check_checksum(options.checksum_sha256); !st) return std::unexpected(st.error());

    auto id = support::random_hex(16);
    if (!id) return std::unexpected(std::move(id.error()));
    const fs::path dir = upload_dir(*id);
    if (::mkdir(dir.c_str(), 0750) != 0) return std::unexpected(io_error("mkdir", dir, errno));

    UploadRecord record;
    record.key = key;
    record.content_type = content_type;
    record.checksum_sha256 = options.checksum_sha256;
    record.created = clock_->now();
    const std::string text = encode_upload_record(record);
    // The record appears whole or not at all: an upload directory without it is "not found".
    const fs::path temp = dir / "upload.tmp";
    const fs::path final_path = dir / kUploadRecordName;
    const auto cleanup_on_error = [&](core::Error error) -> Result<std::string> {
      std::error_code ec;
      fs::remove_all(dir, ec);
      return std::unexpected(std::move(error));
    };
    auto fd = open_file(temp, O_WRONLY | O_CREAT | O_EXCL, 0640);
    if (!fd) return cleanup_on_error(std::move(fd.error()));
    if (auto st = write_all(fd->get(), std::as_bytes(std::span{text}), temp); !st) {
      return cleanup_on_error(std::move(st.error()));
    }
    if (options_.durable) {
      if (auto st = fsync_fd(fd->get(), temp); !st) return cleanup_on_error(std::move(st.error()));
    }
    if (auto st = close_file(*fd, temp); !st) return cleanup_on_error(std::move(st.error()));
    if (::rename(temp.c_str(), final_path.c_str()) != 0) {
      return cleanup_on_error(io_error("rename", final_path, errno));
    }
    if (options_.durable) {
      if (auto st = fsync_dir(dir); !st) return cleanup_on_error(std::move(st.error()));
      if (auto st = fsync_dir(uploads_dir_); !st) return cleanup_on_error(std::move(st.error()));
    }
    return *id;
  });
}

Result<std::unique_ptr<PendingWrite>> LocalObjectStore::begin_part(
    std::string_view key, std::string_view upload_id, int part_number,
    std::optional<std::int64_t> content_length, std::optional<std::string> checksum_sha256) const {
  return guarded("begin part", [&]() -> Result<std::unique_ptr<PendingWrite>> {
    if (auto st = core::validate_object_key(key); !st) return std::unexpected(st.error());
    if (!core::is_valid_part_number(part_number)) {
      return core::fail(
          ErrorCode::kInvalidRequest,
          fmt::format("part number {} is outside 1..{}", part_number, core::kMaxPartNumber),
          "The part number must be between 1 and 10000.");
    }
    if (auto st = check_checksum(checksum_sha256); !st) return std::unexpected(st.error());
    auto length = check_length(content_length);
    if (!length) return std::unexpected(std::move(length.error()));
    auto record = load_upload(key, upload_id);
    if (!record) return std::unexpected(std::move(record.error()));
    return begin_write(PendingWrite::Target::kPart, key,
                       upload_dir(upload_id) / part_file_name(part_number), std::string{}, *length,
                       std::move(checksum_sha256));
  });
}

Result<core::PartInfo> LocalObjectStore::upload_part(std::string_view key,
                                                     std::string_view upload_id, int part_number,
                                                     core::ByteSource& source,
                                                     std::optional<std::int64_t> content_length) {
  return guarded("upload part", [&]() -> Result<core::PartInfo> {
    auto pending = begin_part(key, upload_id, part_number, content_length);
    if (!pending) return std::unexpected(std::move(pending.error()));
    auto info = drain(source, **pending);
    if (!info) return std::unexpected(std::move(info.error()));
    return core::PartInfo{part_number, info->etag, info->size};
  });
}

Result<std::vector<core::PartInfo>> LocalObjectStore::list_parts(std::string_view key,
                                                                 std::string_view upload_id) {
  return guarded("list parts", [&]() -> Result<std::vector<core::PartInfo>> {
    auto record = load_upload(key, upload_id);
    if (!record) return std::unexpected(std::move(record.error()));
    std::vector<core::PartInfo> parts;
    std::error_code ec;
    const fs::path dir = upload_dir(upload_id);
    for (fs::directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec)) {
      const auto number = parse_part_file_name(it->path().filename().string());
      if (!number) continue;
      int err = 0;
      auto fd = open_file(it->path(), O_RDONLY, 0, &err);
      if (!fd) {
        if (err == ENOENT) continue;  // aborted meanwhile
        return std::unexpected(std::move(fd.error()));
      }
      auto header = read_header(fd->get(), it->path());
      if (!header) return std::unexpected(std::move(header.error()));
      parts.push_back(core::PartInfo{*number, header->etag, header->size});
    }
    if (ec) {
      if (ec == std::errc::no_such_file_or_directory) return upload_not_found(upload_id);
      return core::fail(ErrorCode::kStorageError,
                        fmt::format("cannot list {}: {}", dir.string(), ec.message()));
    }
    std::ranges::sort(parts, {}, &core::PartInfo::part_number);
    return parts;
  });
}

// Opens part i and checks it against the list: the ETag and S3's minimum part size.
Result<LocalObjectStore::OpenPart> LocalObjectStore::open_part(
    std::string_view upload_id, const std::vector<core::CompletedPart>& parts,
    std::size_t i) const {
  const auto& part = parts[i];
  const fs::path path = upload_dir(upload_id) / part_file_name(part.part_number);
  int err = 0;
  auto fd = open_file(path, O_RDONLY, 0, &err);
  if (!fd) {
    if (err == ENOENT) {
      return core::fail(
          ErrorCode::kInvalidPart,
          fmt::format("part {} of upload {} was not uploaded", part.part_number, upload_id),
          "One or more of the specified parts could not be found.");
    }
    return std::unexpected(std::move(fd.error()));
  }
  auto header = read_header(fd->get(), path);
  if (!header) return std::unexpected(std::move(header.error()));
  if (support::unquote_etag(header->etag) != support::unquote_etag(part.etag)) {
    return core::fail(ErrorCode::kInvalidPart,
                      fmt::format("part {}: ETag {} listed, {} stored", part.part_number, part.etag,
                                  header->etag),
                      "One or more of the specified parts could not be found or the "
                      "specified entity tag might not have matched the part's entity tag.");
  }
  if (i + 1 < parts.size() && header->size < options_.min_part_size) {
    return core::fail(ErrorCode::kEntityTooSmall,
                      fmt::format("part {} has {} bytes, below the minimum {}", part.part_number,
                                  header->size, options_.min_part_size),
                      "Your proposed upload is smaller than the minimum allowed size.");
  }
  return OpenPart{std::move(*fd), std::move(*header)};
}

// Copies every listed part into `pending` and returns the multipart ETag: the MD5 of the parts'
// MD5s, a dash and the number of parts (S3's spelling).
Result<std::string> LocalObjectStore::assemble_parts(std::string_view upload_id,
                                                     const std::vector<core::CompletedPart>& parts,
                                                     PendingWrite& pending) const {
  auto etag_md5 = support::Md5::create();
  if (!etag_md5) return std::unexpected(std::move(etag_md5.error()));
  std::vector<std::byte> buffer(options_.buffer_size);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    // Opened again: a part replaced since the check must still match the listed ETag.
    auto part = open_part(upload_id, parts, i);
    if (!part) return std::unexpected(std::move(part.error()));
    auto& [fd, header] = *part;
    const auto md5 = support::hex_decode(support::unquote_etag(header.etag));
    if (!md5 || md5->size() != support::kMd5Size) {
      return core::fail(ErrorCode::kStorageError, fmt::format("part {} has a malformed ETag {}",
                                                              parts[i].part_number, header.etag));
    }
    if (auto st = etag_md5->update(std::as_bytes(std::span{*md5})); !st) {
      return std::unexpected(std::move(st.error()));
    }
    const fs::path path = upload_dir(upload_id) / part_file_name(parts[i].part_number);
    std::int64_t offset = 0;
    while (offset < header.size) {
      const auto want = static_cast<std::size_t>(
          std::min<std::int64_t>(header.size - offset, static_cast<std::int64_t>(buffer.size())));
      auto n = pread_full(fd.get(), std::span{buffer.data(), want}, kHeaderSize + offset, path);
      if (!n) return std::unexpected(std::move(n.error()));
      if (*n == 0) {
        return core::fail(ErrorCode::kStorageError,
                          fmt::format("{} is shorter than its header says", path.string()));
      }
      if (auto st = pending.write(std::span{buffer.data(), *n}); !st) {
        return std::unexpected(std::move(st.error()));
      }
      offset += static_cast<std::int64_t>(*n);
    }
  }
  auto digest = etag_md5->finish();
  if (!digest) return std::unexpected(std::move(digest.error()));
  return support::quote_etag(fmt::format("{}-{}", support::hex_lower(*digest), parts.size()));
}

// Best effort: the upload directory renamed into .tmp (so nobody sees it half-deleted) and
// removed. What is left behind goes with the day-old temp files.
void LocalObjectStore::discard_upload_dir(std::string_view upload_id, std::string_view why) const {
  auto suffix = support::random_hex(6);
  const fs::path dir = upload_dir(upload_id);
  const fs::path doomed = tmp_dir_ / fmt::format("{}-{}-{}", why, upload_id, suffix.value_or("x"));
  if (::rename(dir.c_str(), doomed.c_str()) == 0) {
    std::error_code ec;
    fs::remove_all(doomed, ec);
    if (options_.durable) (void)fsync_dir(uploads_dir_);
  }
}

Result<core::ObjectInfo> LocalObjectStore::complete_multipart(
    std::string_view key, std::string_view upload_id,
    const std::vector<core::CompletedPart>& parts) {
  return guarded("complete multipart", [&]() -> Result<core::ObjectInfo> {
    auto record = load_upload(key, upload_id);
    if (!record) return std::unexpected(std::move(record.error()));
    if (parts.empty()) {
      return core::fail(ErrorCode::kInvalidRequest, "complete needs at least one part",
                        "You must specify at least one part.");
    }
    if (const auto i = core::first_misordered_part(parts)) {
      return core::fail(ErrorCode::kInvalidPart,
                        fmt::format("parts must be listed once each, ascending, within 1..{} "
                                    "(got {} at position {})",
                                    core::kMaxPartNumber, parts[*i].part_number, *i + 1),
                        "The list of parts was not in ascending order.");
    }
    // Check every part before copying any byte.
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (auto part = open_part(upload_id, parts, i); !part) {
        return std::unexpected(std::move(part.error()));
      }
    }
    auto pending = begin_write(PendingWrite::Target::kObject, key, object_path(key),
                               record->content_type, std::nullopt, record->checksum_sha256);
    if (!pending) return std::unexpected(std::move(pending.error()));
    (*pending)->md5_.reset();  // the ETag is the MD5 of the parts' MD5s, not of the bytes
    auto etag = assemble_parts(upload_id, parts, **pending);
    if (!etag) return std::unexpected(std::move(etag.error()));
    (*pending)->etag_override_ = std::move(*etag);
    auto info = (*pending)->commit();
    if (!info) return info;
    // The object is in place; now the upload goes. A crash in between leaves the upload, and a
    // repeated complete assembles the same object again.
    discard_upload_dir(upload_id, "done");
    return info;
  });
}

Status LocalObjectStore::abort_multipart(std::string_view key, std::string_view upload_id) {
  return guarded("abort multipart", [&]() -> Status {
    auto record = load_upload(key, upload_id);
    if (!record) return std::unexpected(std::move(record.error()));
    auto suffix = support::random_hex(6);
    if (!suffix) return std::unexpected(std::move(suffix.error()));
    const fs::path dir = upload_dir(upload_id);
    // Renamed away first, so no one ever sees a half-deleted upload.
    const fs::path doomed = tmp_dir_ / fmt::format("abort-{}-{}", upload_id, *suffix);
    if (::rename(dir.c_str(), doomed.c_str()) != 0) {
      if (errno == ENOENT) return upload_not_found(upload_id);
      return std::unexpected(io_error("rename", dir, errno));
    }
    if (options_.durable) {
      if (auto st = fsync_dir(uploads_dir_); !st) return st;
    }
    std::error_code ec;
    fs::remove_all(doomed, ec);
    return {};
  });
}

}  // namespace toq::storage
