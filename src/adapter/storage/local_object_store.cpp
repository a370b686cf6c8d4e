#include "adapter/storage/local_object_store.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/model/manifest.hpp"

#include "adapter/storage/file_io.hpp"
#include "adapter/storage/store_rules.hpp"
#include "support/crypto/random.hpp"

namespace toq::storage {
namespace {

using core::ErrorCode;
namespace fs = std::filesystem;

// public_base_url: scheme://authority, an optional trailing '/', nothing else.
Result<BaseUrl> parse_base_url(std::string_view text) {
  const auto invalid = [&](std::string_view why) {
    return core::fail(ErrorCode::kConfigInvalid,
                      fmt::format("local object store: public_base_url '{}' {}", text, why));
  };
  std::string_view url = text;
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  BaseUrl base;
  if (url.starts_with("http://")) {
    base.scheme = "http";
  } else if (url.starts_with("https://")) {
    base.scheme = "https";
  } else {
    return invalid("is not http(s)://host[:port]");
  }
  base.authority = url.substr(base.scheme.size() + 3);
  if (base.authority.empty() || base.authority.find_first_of("/?#@ ") != std::string::npos) {
    return invalid("must be scheme://host[:port] without a path (the path is signed)");
  }
  // Browsers leave the default port out of Host, and Host is signed.
  const std::string default_port = base.scheme == "http" ? ":80" : ":443";
  if (base.authority.ends_with(default_port)) {
    base.authority.resize(base.authority.size() - default_port.size());
  }
  return base;
}

}  // namespace

bool is_valid_upload_id(std::string_view upload_id) {
  if (upload_id.empty() || upload_id.size() > 128) return false;
  return std::ranges::all_of(upload_id, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

LocalObjectStore::LocalObjectStore(LocalStoreOptions options, BaseUrl base,
                                   const core::Clock& clock)
    : options_(std::move(options)),
      clock_(&clock),
      objects_dir_(options_.root / "objects"),
      uploads_dir_(options_.root / ".multipart"),
      tmp_dir_(options_.root / ".tmp"),
      sigv4_(std::make_unique<StoreSigV4>(options_.credentials, options_.region, std::move(base),
                                          clock)) {}

LocalObjectStore::~LocalObjectStore() = default;

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
    auto base = parse_base_url(options.public_base_url);
    if (!base) return std::unexpected(std::move(base.error()));

    std::unique_ptr<LocalObjectStore> store{
        new LocalObjectStore(std::move(options), std::move(*base), clock)};
    for (const auto& dir : {store->objects_dir_, store->uploads_dir_, store->tmp_dir_}) {
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) {
        return core::fail(ErrorCode::kStorageError,
                          fmt::format("cannot create {}: {}", dir.string(), ec.message()));
      }
    }
    (void)store->reap();
    return store;
  });
}

ReapReport LocalObjectStore::reap() const {
  ReapReport report;
  const auto now = fs::file_time_type::clock::now();
  const auto older_than = [&](const fs::directory_entry& entry, std::chrono::seconds age) {
    std::error_code ec;
    const auto written = entry.last_write_time(ec);
    return !ec && now - written > age;
  };
  std::error_code ec;
  for (fs::directory_iterator it{tmp_dir_, ec}, end; !ec && it != end; it.increment(ec)) {
    if (!older_than(*it, options_.stale_temp_age)) continue;
    std::error_code rm_ec;
    if (fs::remove_all(it->path(), rm_ec) > 0 && !rm_ec) ++report.temp_files;
  }
  for (fs::directory_iterator it{uploads_dir_, ec}, end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (!it->is_directory(type_ec) || !older_than(*it, options_.abandoned_upload_age)) continue;
    const std::string id = it->path().filename().string();
    if (!is_valid_upload_id(id)) continue;
    discard_upload_dir(id, "abandoned");
    std::error_code exists_ec;
    if (!fs::exists(it->path(), exists_ec)) ++report.uploads;
  }
  return report;
}

fs::path LocalObjectStore::object_path(std::string_view key) const {
  return objects_dir_ / fs::path{std::string{key}};
}

fs::path LocalObjectStore::upload_dir(std::string_view upload_id) const {
  return uploads_dir_ / std::string{upload_id};
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

  auto md5 = support::Md5::create();
  if (!md5) return std::unexpected(std::move(md5.error()));
  pending->md5_.emplace(std::move(*md5));
  // Objects always carry their SHA-256 (the pipeline verifies uploads with it); parts only when
  // the client declared one to check.
  if (target == PendingWrite::Target::kObject || pending->expected_sha256_) {
    auto sha = support::Sha256::create();
    if (!sha) return std::unexpected(std::move(sha.error()));
    pending->sha256_.emplace(std::move(*sha));
  }

  auto name = support::random_hex(12);
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

// ---- ObjectStore ----

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
    auto pending = begin_write(PendingWrite::Target::kObject, key, object_path(key), content_type,
                               *length, options.checksum_sha256);
    // Without an MD5 ETag the body is hashed once (SHA-256, which every object keeps).
    if (pending && !options.md5_etag) (*pending)->md5_.reset();
    return pending;
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

}  // namespace toq::storage
