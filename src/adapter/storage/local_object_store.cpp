#include "adapter/storage/local_object_store.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/model/manifest.hpp"

namespace toq::storage {
namespace {

using core::ErrorCode;
namespace fs = std::filesystem;

constexpr std::string_view kUploadRecordName = "upload";
constexpr std::size_t kMaxUploadRecordSize = 64 * 1024;
constexpr auto kStaleTempAge = std::chrono::hours{24};

// Runs `f`, turning any escaping exception (std::bad_alloc, a filesystem_error from a throwing
// overload) into STORAGE_ERROR: no exception crosses the port.
template <class F>
auto guarded(std::string_view what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return core::fail(ErrorCode::kStorageError, fmt::format("{}: {}", what, e.what()));
  }
}

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string part_file_name(int part_number) {
  return fmt::format("part-{:05}", part_number);
}

std::optional<int> parse_part_file_name(std::string_view name) {
  if (name.size() != 10 || name.substr(0, 5) != "part-") return std::nullopt;
  int value = 0;
  const auto digits = name.substr(5);
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || ptr != digits.data() + digits.size()) return std::nullopt;
  return value;
}

Status check_content_type(std::string_view content_type) {
  if (content_type.size() > kMaxContentTypeSize || !is_header_safe(content_type)) {
    return core::fail(ErrorCode::kInvalidRequest,
                      fmt::format("content type refused: '{:.100}'", content_type),
                      "The content type is not valid.");
  }
  return {};
}

Status check_checksum(const std::optional<std::string>& checksum) {
  if (checksum && !core::is_base64_sha256(*checksum)) {
    return core::fail(
        ErrorCode::kInvalidRequest,
        fmt::format("checksum_sha256 is not the base64 of 32 bytes: '{:.100}'", *checksum),
        "The SHA-256 checksum is not valid base64.");
  }
  return {};
}

std::unexpected<core::Error> upload_not_found(std::string_view upload_id) {
  return core::fail(ErrorCode::kUploadNotFound,
                    fmt::format("multipart upload '{:.140}' not found", upload_id));
}

std::unexpected<core::Error> key_conflict(std::string_view key) {
  return core::fail(ErrorCode::kInvalidRequest,
                    fmt::format("key '{:.200}' conflicts with another key used as its folder (or "
                                "a segment is too long for the file system)",
                                key),
                    "The object key is not valid.");
}

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

Result<std::optional<std::int64_t>> check_length(std::optional<std::int64_t> length) {
  if (length && *length < 0) {
    return core::fail(ErrorCode::kInvalidRequest, "content_length is negative");
  }
  return length;
}

}  // namespace

bool is_valid_upload_id(std::string_view upload_id) {
  if (upload_id.empty() || upload_id.size() > 128) return false;
  return std::ranges::all_of(upload_id, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

// ------------------------------------------------------------------------------- ObjectReader

Status ObjectReader::copy_to(core::ByteSink& sink, std::int64_t first, std::int64_t length) const {
  return guarded("read object", [&]() -> Status {
    if (first < 0 || length < 0 || first + length > info_.size) {
      return core::fail(
          ErrorCode::kInvalidRange,
          fmt::format("range {}+{} outside an object of {} bytes", first, length, info_.size));
    }
    std::vector<std::byte> buffer(static_cast<std::size_t>(
        std::min<std::int64_t>(length, static_cast<std::int64_t>(buffer_size_))));
    std::int64_t done = 0;
    while (done < length) {
      const auto want = static_cast<std::size_t>(
          std::min<std::int64_t>(length - done, static_cast<std::int64_t>(buffer.size())));
      auto n =
          pread_full(fd_.get(), std::span{buffer.data(), want}, kHeaderSize + first + done, path_);
      if (!n) return std::unexpected(std::move(n.error()));
      if (*n == 0) {
        return core::fail(ErrorCode::kStorageError,
                          fmt::format("{} is shorter than its header says", path_.string()));
      }
      if (auto st = sink.write(std::span{buffer.data(), *n}); !st) return st;
      done += static_cast<std::int64_t>(*n);
    }
    return {};
  });
}

// ------------------------------------------------------------------------------- PendingWrite

PendingWrite::~PendingWrite() {
  if (!committed_ && !temp_path_.empty()) {
    fd_ = Fd{};
    ::unlink(temp_path_.c_str());
  }
}

Status PendingWrite::fail_with(core::Error error) {
  failed_ = true;
  fd_ = Fd{};
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

Status PendingWrite::flush() {
  if (buffered_ == 0) return {};
  const std::span<const std::byte> data{buffer_.data(), buffered_};
  if (md5_) {
    if (auto st = md5_->update(data); !st) return fail_with(std::move(st.error()));
  }
  if (sha256_) {
    if (auto st = sha256_->update(data); !st) return fail_with(std::move(st.error()));
  }
  if (auto st = pwrite_all(fd_.get(), data, kHeaderSize + flushed_, temp_path_); !st) {
    return fail_with(std::move(st.error()));
  }
  const auto bytes = static_cast<std::int64_t>(buffered_);
  buffered_ = 0;
  return after_write(bytes);
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
    if (md5_) {
      if (auto st = md5_->update(data); !st) return fail_with(std::move(st.error()));
    }
    if (sha256_) {
      if (auto st = sha256_->update(data); !st) return fail_with(std::move(st.error()));
    }
    if (auto st = pwrite_all(fd_.get(), data, kHeaderSize + flushed_, temp_path_); !st) {
      return fail_with(std::move(st.error()));
    }
    written_ += size;
    return after_write(size);
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
    std::string etag;
    if (etag_override_) {
      etag = *etag_override_;
    } else {
      auto md5 = md5_->finish();
      if (!md5) return std::unexpected(std::move(fail_with(std::move(md5.error())).error()));
      etag = aws::quote_etag(aws::hex_lower(*md5));
    }
    std::optional<std::string> sha256;
    if (sha256_) {
      auto digest = sha256_->finish();
      if (!digest) return std::unexpected(std::move(fail_with(std::move(digest.error())).error()));
      sha256 = aws::base64_encode(*digest);
    }
    if (expected_sha256_ && sha256 != expected_sha256_) {
      auto st = fail_with(
          core::make_error(ErrorCode::kChecksumMismatch,
                           fmt::format("'{:.200}': SHA-256 of the body is {}, {} was declared",
                                       key_, sha256.value_or("?"), *expected_sha256_),
                           "The file's SHA-256 differs from the declared one."));
      return std::unexpected(std::move(st.error()));
    }

    ObjectHeader header;
    header.size = written_;
    header.etag = etag;
    header.content_type = content_type_;
    header.checksum_sha256 = sha256;
    header.last_modified = store_->clock_->now();
    auto text = encode_object_header(header);
    if (!text) return std::unexpected(std::move(fail_with(std::move(text.error())).error()));
    if (auto st = pwrite_all(fd_.get(), std::as_bytes(std::span{*text}), 0, temp_path_); !st) {
      return std::unexpected(std::move(fail_with(std::move(st.error())).error()));
    }
    if (store_->options_.durable) {
      if (auto st = fsync_fd(fd_.get(), temp_path_); !st) {
        return std::unexpected(std::move(fail_with(std::move(st.error())).error()));
      }
    }
    if (auto st = fd_.close(temp_path_); !st) {
      return std::unexpected(std::move(fail_with(std::move(st.error())).error()));
    }

    if (target_ == Target::kObject) {
      if (auto st = store_->commit_object_file(key_, temp_path_, final_path_); !st) {
        return std::unexpected(std::move(fail_with(std::move(st.error())).error()));
      }
    } else {
      if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
        const int err = errno;
        // The upload directory is gone: aborted or completed while this part streamed.
        auto error = err == ENOENT
                         ? upload_not_found(final_path_.parent_path().filename().string()).error()
                         : io_error("rename", final_path_, err);
        return std::unexpected(std::move(fail_with(std::move(error)).error()));
      }
      if (store_->options_.durable) {
        if (auto st = fsync_dir(final_path_.parent_path()); !st) {
          committed_ = true;  // renamed: the part exists even though the fsync failed
          return std::unexpected(std::move(st.error()));
        }
      }
    }
    committed_ = true;

    core::ObjectInfo info;
    info.key = key_;
    info.size = written_;
    info.etag = std::move(etag);
    info.content_type = content_type_;
    info.checksum_sha256 = std::move(sha256);
    info.last_modified = header.last_modified;
    return info;
  });
}

// --------------------------------------------------------------------------- LocalObjectStore

LocalObjectStore::LocalObjectStore(LocalStoreOptions options, BaseUrl base,
                                   const core::Clock& clock)
    : options_(std::move(options)),
      base_(std::move(base)),
      clock_(&clock),
      objects_dir_(options_.root / "objects"),
      uploads_dir_(options_.root / ".multipart"),
      tmp_dir_(options_.root / ".tmp"),
      signer_(aws::SignerConfig{options_.credentials, options_.region, "s3", std::nullopt}, clock) {
  verify_config_.region = options_.region;
  verify_config_.service = "s3";
}

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::open(LocalStoreOptions options,
                                                                 const core::Clock& clock) {
  return guarded("open local store", [&]() -> Result<std::unique_ptr<LocalObjectStore>> {
    const auto invalid = [](std::string what) {
      return core::fail(ErrorCode::kConfigInvalid, fmt::format("local object store: {}", what));
    };
    if (options.root.empty()) return invalid("the root directory is empty");
    if (options.credentials.access_key_id.empty() ||
        options.credentials.secret_access_key.empty()) {
      return invalid("the access key id and secret must be set");
    }
    if (options.region.empty()) return invalid("the region is empty");
    if (options.min_part_size < 1) return invalid("min_part_size must be positive");
    if (options.buffer_size < 4096) return invalid("buffer_size must be at least 4096");

    // public_base_url: scheme://authority, an optional trailing '/', nothing else.
    std::string_view url = options.public_base_url;
    while (!url.empty() && url.back() == '/') url.remove_suffix(1);
    BaseUrl base;
    if (url.starts_with("http://")) {
      base.scheme = "http";
    } else if (url.starts_with("https://")) {
      base.scheme = "https";
    } else {
      return invalid(fmt::format("public_base_url '{}' is not http(s)://host[:port]",
                                 options.public_base_url));
    }
    base.authority = url.substr(base.scheme.size() + 3);
    if (base.authority.empty() || base.authority.find_first_of("/?#@ ") != std::string::npos) {
      return invalid(
          fmt::format("public_base_url '{}' must be scheme://host[:port] without a "
                      "path (the path is signed)",
                      options.public_base_url));
    }
    // Browsers leave the default port out of Host, and Host is signed.
    const std::string default_port = base.scheme == "http" ? ":80" : ":443";
    if (base.authority.ends_with(default_port)) {
      base.authority.resize(base.authority.size() - default_port.size());
    }

    std::unique_ptr<LocalObjectStore> store{
        new LocalObjectStore(std::move(options), std::move(base), clock)};
    for (const auto& dir : {store->objects_dir_, store->uploads_dir_, store->tmp_dir_}) {
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) {
        return core::fail(ErrorCode::kStorageError,
                          fmt::format("cannot create {}: {}", dir.string(), ec.message()));
      }
    }
    store->remove_stale_temps();
    return store;
  });
}

void LocalObjectStore::remove_stale_temps() const {
  // Temp files of live writers (other processes share the root) are young; a day-old one was
  // left by a crash.
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  for (fs::directory_iterator it{tmp_dir_, ec}, end; !ec && it != end; it.increment(ec)) {
    std::error_code time_ec;
    const auto written = it->last_write_time(time_ec);
    if (!time_ec && now - written > kStaleTempAge) {
      std::error_code rm_ec;
      fs::remove_all(it->path(), rm_ec);
    }
  }
}

fs::path LocalObjectStore::object_path(std::string_view key) const {
  return objects_dir_ / fs::path{std::string{key}};
}

fs::path LocalObjectStore::upload_dir(std::string_view upload_id) const {
  return uploads_dir_ / std::string{upload_id};
}

std::optional<aws::Credentials> LocalObjectStore::lookup_credentials(
    std::string_view access_key_id) const {
  if (access_key_id != options_.credentials.access_key_id) return std::nullopt;
  return options_.credentials;
}

Result<ObjectHeader> LocalObjectStore::read_header(int fd, const fs::path& path) const {
  std::array<std::byte, kHeaderSize> bytes{};
  auto n = pread_full(fd, bytes, 0, path);
  if (!n) return std::unexpected(std::move(n.error()));
  if (*n != bytes.size()) {
    return core::fail(ErrorCode::kStorageError,
                      fmt::format("{} is shorter than an object header", path.string()));
  }
  auto header = decode_object_header(bytes);
  if (!header) {
    header.error().message += " in " + path.string();
    return header;
  }
  return header;
}

Result<std::unique_ptr<PendingWrite>> LocalObjectStore::begin_write(
    PendingWrite::Target target, std::string_view key, fs::path final_path,
    std::string content_type, std::optional<std::int64_t> length,
    std::optional<std::string> sha256) const {
  std::unique_ptr<PendingWrite> pending{new PendingWrite()};
  pending->store_ = this;
  pending->target_ = target;
  pending->key_ = key;
  pending->final_path_ = std::move(final_path);
  pending->content_type_ = std::move(content_type);
  pending->expected_length_ = length;
  pending->expected_sha256_ = std::move(sha256);

  auto md5 = aws::Digest::create(aws::Digest::Kind::kMd5);
  if (!md5) return std::unexpected(std::move(md5.error()));
  pending->md5_.emplace(std::move(*md5));
  // Objects always carry their SHA-256 (the pipeline verifies uploads with it); parts only when
  // the client declared one to check.
  if (target == PendingWrite::Target::kObject || pending->expected_sha256_) {
    auto sha = aws::Digest::create(aws::Digest::Kind::kSha256);
    if (!sha) return std::unexpected(std::move(sha.error()));
    pending->sha256_.emplace(std::move(*sha));
  }

  auto name = aws::random_hex(12);
  if (!name) return std::unexpected(std::move(name.error()));
  const fs::path temp = tmp_dir_ / ("w-" + *name);
  // The body starts at kHeaderSize; the header is written at commit, once the digests are known.
  auto fd = open_file(temp, O_WRONLY | O_CREAT | O_EXCL, 0640);
  if (!fd) return std::unexpected(std::move(fd.error()));
  pending->fd_ = std::move(*fd);
  pending->temp_path_ = temp;
  pending->buffer_.resize(options_.buffer_size);
  return pending;
}

Status LocalObjectStore::commit_object_file(std::string_view key, const fs::path& temp,
                                            const fs::path& final_path) const {
  const fs::path parent = final_path.parent_path();
  // A concurrent remove() may prune the parent between create_directories and rename: retry.
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::error_code ec;
    const bool created = fs::create_directories(parent, ec);
    if (ec) {
      if (ec == std::errc::not_a_directory || ec == std::errc::file_exists ||
          ec == std::errc::filename_too_long) {
        return key_conflict(key);
      }
      return core::fail(ErrorCode::kStorageError,
                        fmt::format("cannot create {}: {}", parent.string(), ec.message()));
    }
    if (::rename(temp.c_str(), final_path.c_str()) != 0) {
      const int err = errno;
      if (err == ENOENT) continue;
      if (err == EISDIR || err == ENOTDIR || err == ENOTEMPTY || err == EEXIST ||
          err == ENAMETOOLONG) {
        return key_conflict(key);
      }
      return std::unexpected(io_error("rename", final_path, err));
    }
    if (!options_.durable) return {};
    // The new entry, and every directory created for it, must reach the disk.
    fs::path dir = parent;
    if (auto st = fsync_dir(dir); !st) return st;
    if (created) {
      while (dir != objects_dir_ && dir.has_parent_path()) {
        dir = dir.parent_path();
        if (auto st = fsync_dir(dir); !st) return st;
      }
    }
    return {};
  }
  return core::fail(ErrorCode::kStorageError,
                    fmt::format("the folder of {} kept disappearing", final_path.string()));
}

void LocalObjectStore::prune_empty_parents(fs::path dir) const {
  // Best effort: rmdir fails on a folder that is not empty (or was just refilled), which ends it.
  while (dir != objects_dir_ && dir.string().starts_with(objects_dir_.string())) {
    if (::rmdir(dir.c_str()) != 0) break;
    dir = dir.parent_path();
  }
}

Result<core::ObjectInfo> LocalObjectStore::drain(core::ByteSource& source,
                                                 PendingWrite& pending) const {
  std::vector<std::byte> buffer(options_.buffer_size);
  while (true) {
    auto n = source.read(buffer);
    if (!n) return std::unexpected(std::move(n.error()));
    if (*n == 0) break;
    if (*n > buffer.size()) {
      return core::fail(ErrorCode::kInternal, "ByteSource::read returned more than asked");
    }
    if (auto st = pending.write(std::span{buffer.data(), *n}); !st) {
      return std::unexpected(std::move(st.error()));
    }
  }
  return pending.commit();
}

// ------------------------------------------------------------------------------- ObjectStore

Result<std::unique_ptr<ObjectReader>> LocalObjectStore::open_object(std::string_view key) const {
  return guarded("open object", [&]() -> Result<std::unique_ptr<ObjectReader>> {
    if (auto st = core::validate_object_key(key); !st) return std::unexpected(st.error());
    const fs::path path = object_path(key);
    int err = 0;
    auto fd = open_file(path, O_RDONLY, 0, &err);
    const auto not_found = [&] {
      return core::fail(ErrorCode::kObjectNotFound, fmt::format("object '{:.200}' not found", key));
    };
    if (!fd) {
      if (err == ENOENT || err == ENOTDIR || err == ENAMETOOLONG) return not_found();
      return std::unexpected(std::move(fd.error()));
    }
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0) return std::unexpected(io_error("fstat", path, errno));
    if (!S_ISREG(st.st_mode)) return not_found();  // a folder of other keys
    auto header = read_header(fd->get(), path);
    if (!header) return std::unexpected(std::move(header.error()));
    if (static_cast<std::int64_t>(st.st_size) != kHeaderSize + header->size) {
      return core::fail(ErrorCode::kStorageError,
                        fmt::format("{} has {} bytes, its header says {} + {}", path.string(),
                                    st.st_size, kHeaderSize, header->size));
    }
    core::ObjectInfo info;
    info.key = key;
    info.size = header->size;
    info.etag = std::move(header->etag);
    info.content_type = std::move(header->content_type);
    info.checksum_sha256 = std::move(header->checksum_sha256);
    info.last_modified = header->last_modified;
    return std::unique_ptr<ObjectReader>{
        new ObjectReader(std::move(*fd), path, std::move(info), options_.buffer_size)};
  });
}

Result<std::unique_ptr<PendingWrite>> LocalObjectStore::begin_put(
    std::string_view key, const core::PutOptions& options) const {
  return guarded("begin put", [&]() -> Result<std::unique_ptr<PendingWrite>> {
    if (auto st = core::validate_object_key(key); !st) return std::unexpected(st.error());
    const std::string content_type =
        options.content_type.empty() ? "application/octet-stream" : options.content_type;
    if (auto st = check_content_type(content_type); !st) return std::unexpected(st.error());
    if (auto st = check_checksum(options.checksum_sha256); !st) return std::unexpected(st.error());
    auto length = check_length(options.content_length);
    if (!length) return std::unexpected(std::move(length.error()));
    return begin_write(PendingWrite::Target::kObject, key, object_path(key), content_type, *length,
                       options.checksum_sha256);
  });
}

Result<core::ObjectInfo> LocalObjectStore::put(std::string_view key, core::ByteSource& source,
                                               const core::PutOptions& options) {
  return guarded("put", [&]() -> Result<core::ObjectInfo> {
    auto pending = begin_put(key, options);
    if (!pending) return std::unexpected(std::move(pending.error()));
    return drain(source, **pending);
  });
}

Result<core::ObjectInfo> LocalObjectStore::get(std::string_view key, core::ByteSink& sink,
                                               std::optional<core::ByteRange> range) {
  return guarded("get", [&]() -> Result<core::ObjectInfo> {
    auto reader = open_object(key);
    if (!reader) return std::unexpected(std::move(reader.error()));
    const std::int64_t size = (*reader)->info().size;
    std::int64_t first = 0;
    std::int64_t length = size;
    if (range) {
      if (range->first < 0 || range->first >= size ||
          (range->last && *range->last < range->first)) {
        return core::fail(ErrorCode::kInvalidRange,
                          fmt::format("range {}-{} of '{:.200}' ({} bytes) is not satisfiable",
                                      range->first, range->last.value_or(-1), key, size));
      }
      first = range->first;
      const std::int64_t last = std::min(range->last.value_or(size - 1), size - 1);
      length = last - first + 1;
    }
    if (auto st = (*reader)->copy_to(sink, first, length); !st) {
      return std::unexpected(std::move(st.error()));
    }
    return (*reader)->info();
  });
}

Result<std::optional<core::ObjectInfo>> LocalObjectStore::head(std::string_view key) {
  return guarded("head", [&]() -> Result<std::optional<core::ObjectInfo>> {
    auto reader = open_object(key);
    if (!reader) {
      if (reader.error().code == ErrorCode::kObjectNotFound) return std::nullopt;
      return std::unexpected(std::move(reader.error()));
    }
    return (*reader)->info();
  });
}

Status LocalObjectStore::remove(const std::vector<std::string>& keys) {
  return guarded("remove", [&]() -> Status {
    for (const auto& key : keys) {
      if (auto st = core::validate_object_key(key); !st) return st;
    }
    for (const auto& key : keys) {
      const fs::path path = object_path(key);
      if (::unlink(path.c_str()) != 0) {
        const int err = errno;
        // Missing (or a folder of other keys, which is no object): S3 says nothing either.
        if (err == ENOENT || err == ENOTDIR || err == EISDIR || err == ENAMETOOLONG) continue;
        return std::unexpected(io_error("unlink", path, err));
      }
      if (options_.durable) {
        if (auto st = fsync_dir(path.parent_path()); !st) return st;
      }
      prune_empty_parents(path.parent_path());
    }
    return {};
  });
}

// ---------------------------------------------------------------------------- MultipartStore

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

    auto id = aws::random_hex(16);
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
    if (auto st = fd->close(temp); !st) return cleanup_on_error(std::move(st.error()));
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
    const fs::path dir = upload_dir(upload_id);

    // Opens part i and checks it against the list: the ETag and S3's minimum part size.
    const auto open_part = [&](std::size_t i) -> Result<std::pair<Fd, ObjectHeader>> {
      const auto& part = parts[i];
      const fs::path path = dir / part_file_name(part.part_number);
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
      if (aws::unquote_etag(header->etag) != aws::unquote_etag(part.etag)) {
        return core::fail(ErrorCode::kInvalidPart,
                          fmt::format("part {}: ETag {} listed, {} stored", part.part_number,
                                      part.etag, header->etag),
                          "One or more of the specified parts could not be found or the "
                          "specified entity tag might not have matched the part's entity tag.");
      }
      if (i + 1 < parts.size() && header->size < options_.min_part_size) {
        return core::fail(ErrorCode::kEntityTooSmall,
                          fmt::format("part {} has {} bytes, below the minimum {}",
                                      part.part_number, header->size, options_.min_part_size),
                          "Your proposed upload is smaller than the minimum allowed size.");
      }
      return std::pair{std::move(*fd), std::move(*header)};
    };

    // Check every part before copying any byte.
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (auto part = open_part(i); !part) return std::unexpected(std::move(part.error()));
    }

    auto pending = begin_write(PendingWrite::Target::kObject, key, object_path(key),
                               record->content_type, std::nullopt, record->checksum_sha256);
    if (!pending) return std::unexpected(std::move(pending.error()));
    (*pending)->md5_.reset();  // the ETag is the MD5 of the parts' MD5s, not of the bytes
    auto etag_md5 = aws::Digest::create(aws::Digest::Kind::kMd5);
    if (!etag_md5) return std::unexpected(std::move(etag_md5.error()));

    std::vector<std::byte> buffer(options_.buffer_size);
    for (std::size_t i = 0; i < parts.size(); ++i) {
      // Opened again: a part replaced since the check must still match the listed ETag.
      auto part = open_part(i);
      if (!part) return std::unexpected(std::move(part.error()));
      auto& [fd, header] = *part;
      const auto md5 = aws::hex_decode(aws::unquote_etag(header.etag));
      if (!md5 || md5->size() != 16) {
        return core::fail(ErrorCode::kStorageError, fmt::format("part {} has a malformed ETag {}",
                                                                parts[i].part_number, header.etag));
      }
      if (auto st = etag_md5->update(std::as_bytes(std::span{*md5})); !st) {
        return std::unexpected(std::move(st.error()));
      }
      const fs::path path = dir / part_file_name(parts[i].part_number);
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
        if (auto st = (*pending)->write(std::span{buffer.data(), *n}); !st) {
          return std::unexpected(std::move(st.error()));
        }
        offset += static_cast<std::int64_t>(*n);
      }
    }
    auto digest = etag_md5->finish();
    if (!digest) return std::unexpected(std::move(digest.error()));
    (*pending)->etag_override_ =
        aws::quote_etag(fmt::format("{}-{}", aws::hex_lower(*digest), parts.size()));
    auto info = (*pending)->commit();
    if (!info) return info;

    // The object is in place; now the upload goes. A crash in between leaves the upload, and a
    // repeated complete assembles the same object again.
    auto suffix = aws::random_hex(6);
    const fs::path doomed = tmp_dir_ / fmt::format("done-{}-{}", upload_id, suffix.value_or("x"));
    if (::rename(dir.c_str(), doomed.c_str()) == 0) {
      std::error_code ec;
      fs::remove_all(doomed, ec);
      if (options_.durable) (void)fsync_dir(uploads_dir_);
    }
    return info;
  });
}

Status LocalObjectStore::abort_multipart(std::string_view key, std::string_view upload_id) {
  return guarded("abort multipart", [&]() -> Status {
    auto record = load_upload(key, upload_id);
    if (!record) return std::unexpected(std::move(record.error()));
    auto suffix = aws::random_hex(6);
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

// -------------------------------------------------------------------------------- UrlSigner

Result<core::PresignedRequest> LocalObjectStore::presign(
    aws::HttpRequest request, const std::vector<std::string>& signed_headers,
    std::chrono::seconds expires) const {
  if (expires < std::chrono::seconds{1} || expires > aws::kMaxPresignExpiry) {
    return core::fail(ErrorCode::kInvalidRequest,
                      fmt::format("URL lifetime {} s is outside 1..{} s", expires.count(),
                                  aws::kMaxPresignExpiry.count()));
  }
  aws::PresignOptions options;
  options.expires = expires;
  options.extra_signed_headers = signed_headers;
  options.scheme = base_.scheme;
  auto url = signer_.presign(request, options);
  if (!url) return std::unexpected(std::move(url.error()));
  const auto signed_at = aws::parse_amz_date(url->details.amz_date);
  if (!signed_at) return core::fail(ErrorCode::kInternal, "the signer made an unreadable date");

  core::PresignedRequest out;
  out.method = request.method;
  out.url = std::move(url->url);
  for (auto& [name, value] : url->headers) {
    // Signed, but set by every HTTP client from the body (browsers refuse to set it).
    if (!iequals(name, "content-length")) out.headers.emplace_back(name, value);
  }
  out.expires_at = *signed_at + expires;
  return out;
}

aws::HttpRequest LocalObjectStore::route_request(std::string method, std::string_view key) const {
  aws::HttpRequest request;
  request.method = std::move(method);
  request.host = base_.authority;
  request.path = std::string{kRoutePrefix} + aws::uri_encode(key, aws::Slash::kKeep);
  return request;
}

Result<core::PresignedRequest> LocalObjectStore::presign_put(std::string_view key,
                                                             const core::PresignPut& p) {
  return guarded("presign put", [&]() -> Result<core::PresignedRequest> {
    if (auto st = core::validate_object_key(key); !st) return std::unexpected(st.error());
    if (p.content_type.empty()) {
      return core::fail(ErrorCode::kInvalidRequest, "presign_put needs a content type");
    }
    if (auto st = check_content_type(p.content_type); !st) return std::unexpected(st.error());
    if (auto st = check_checksum(p.checksum_sha256); !st) return std::unexpected(st.error());
    if (p.content_length < 0 || p.content_length > kMaxPutSize) {
      return core::fail(ErrorCode::kInvalidRequest,
                        fmt::format("content length {} is outside 0..{} (larger files go in "
                                    "parts)",
                                    p.content_length, kMaxPutSize));
    }
    auto request = route_request("PUT", key);
    request.headers = {{"Content-Type", p.content_type},
                       {"Content-Length", std::to_string(p.content_length)}};
    std::vector<std::string> signed_headers{"content-type", "content-length"};
    if (p.checksum_sha256) {
      request.headers.emplace_back("x-amz-checksum-sha256", *p.checksum_sha256);
      signed_headers.emplace_back("x-amz-checksum-sha256");
    }
    return presign(std::move(request), signed_headers, p.expires);
  });
}

Result<core::PresignedRequest> LocalObjectStore::presign_upload_part(std::string_view key,
                                                                     const core::PresignPart& p) {
  return guarded("presign part", [&]() -> Result<core::PresignedRequest> {
    if (auto st = core::validate_object_key(key); !st) return std::unexpected(st.error());
    if (!is_valid_upload_id(p.upload_id)) {
      return core::fail(ErrorCode::kInvalidRequest,
                        fmt::format("upload id '{:.140}' is malformed", p.upload_id));
    }
    if (!core::is_valid_part_number(p.part_number)) {
      return core::fail(
          ErrorCode::kInvalidRequest,
          fmt::format("part number {} is outside 1..{}", p.part_number, core::kMaxPartNumber));
    }
    if (p.content_length && (*p.content_length < 0 || *p.content_length > kMaxPutSize)) {
      return core::fail(ErrorCode::kInvalidRequest, fmt::format("part length {} is outside 0..{}",
                                                                *p.content_length, kMaxPutSize));
    }
    auto request = route_request("PUT", key);
    request.query = {{"partNumber", std::to_string(p.part_number)}, {"uploadId", p.upload_id}};
    std::vector<std::string> signed_headers;
    if (p.content_length) {
      request.headers.emplace_back("Content-Length", std::to_string(*p.content_length));
      signed_headers.emplace_back("content-length");
    }
    return presign(std::move(request), signed_headers, p.expires);
  });
}

Result<core::PresignedRequest> LocalObjectStore::presign_get(std::string_view key,
                                                             const core::PresignGet& p) {
  return guarded("presign get", [&]() -> Result<core::PresignedRequest> {
    if (auto st = core::validate_object_key(key); !st) return std::unexpected(st.error());
    if (!is_header_safe(p.response_content_disposition)) {
      return core::fail(ErrorCode::kInvalidRequest,
                        "response_content_disposition contains a control character");
    }
    auto request = route_request("GET", key);
    if (!p.response_content_disposition.empty()) {
      request.query.emplace_back("response-content-disposition", p.response_content_disposition);
    }
    return presign(std::move(request), {}, p.expires);
  });
}

}  // namespace toq::storage
