#include "adapter/media/zip/zip_writer.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/core.h>

#include "adapter/media/zip/archive_upload.hpp"
#include "adapter/media/zip/entry_names.hpp"
#include "support/base64.hpp"
#include "support/crypto/digest.hpp"
#include "support/hex.hpp"

namespace toq::media {
namespace {

using core::ErrorCode;

struct ArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;
using EntryPtr = std::unique_ptr<archive_entry, EntryFree>;

constexpr std::size_t kMaxPipeBytes = 8U << 20U;
// Generous per-entry overhead (headers, descriptor, central directory) for sizing parts.
constexpr std::int64_t kEntryOverhead = 512;

// What libarchive's write callback feeds: the upload and, for a multipart upload, the running
// SHA-256 (a streamed put gets it from the store). The first failure is kept so that the caller
// reports it rather than libarchive's generic "write failed".
struct Output {
  ArchiveUpload* upload = nullptr;
  support::Sha256* sha = nullptr;  // null: the store hashes the body
  std::int64_t bytes = 0;
  std::optional<core::Error> error;
};

la_ssize_t write_callback(archive* /*a*/, void* client, const void* buffer, size_t length) {
  auto& out = *static_cast<Output*>(client);
  if (out.error) return -1;
  const std::span<const std::byte> data{static_cast<const std::byte*>(buffer), length};
  if (auto hashed = out.sha != nullptr ? out.sha->update(data) : core::Status{}; !hashed) {
    out.error = std::move(hashed.error());
    return -1;
  }
  if (auto st = out.upload->write(data); !st) {
    out.error = std::move(st.error());
    return -1;
  }
  out.bytes += static_cast<std::int64_t>(length);
  return static_cast<la_ssize_t>(length);
}

// The sink an input writes its bytes into: counts them, refuses more than declared, and hands
// them to libarchive.
class EntrySink final : public core::ByteSink {
 public:
  EntrySink(archive* a, const ZipInput& input) : archive_(a), input_(input) {}

  core::Status write(std::span<const std::byte> data) override {
    if (written_ + static_cast<std::int64_t>(data.size()) > input_.size) {
      return core::fail(
          ErrorCode::kSizeMismatch,
          fmt::format("'{}' has more than the {} bytes declared", input_.name, input_.size));
    }
    while (!data.empty()) {
      const la_ssize_t n = archive_write_data(archive_, data.data(), data.size());
      if (n <= 0) {
        return core::fail(
            ErrorCode::kInternal,
            fmt::format(
                "writing '{}' into the ZIP failed: {}", input_.name,
                archive_error_string(archive_) ? archive_error_string(archive_) : "unknown error"));
      }
      written_ += n;
      data = data.subspan(static_cast<std::size_t>(n));
    }
    return {};
  }
  std::int64_t written() const { return written_; }

 private:
  archive* archive_;
  const ZipInput& input_;
  std::int64_t written_ = 0;
};

core::Status validate(const std::vector<ZipInput>& inputs, const ZipOptions& options) {
  if (options.part_size < 1) {
    return core::fail(ErrorCode::kInvalidRequest,
                      fmt::format("part size {} must be positive", options.part_size));
  }
  std::unordered_map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& input = inputs[i];
    if (input.name.empty() || sanitize_entry_name(input.name) != input.name) {
      return core::fail(
          ErrorCode::kInvalidRequest,
          fmt::format("input {}: entry name '{:.200}' is not sanitised", i, input.name));
    }
    if (input.size < 0) {
      return core::fail(ErrorCode::kInvalidRequest, fmt::format("input {} ('{}'): negative size {}",
                                                                i, input.name, input.size));
    }
    if (!input.write_to) {
      return core::fail(ErrorCode::kInvalidRequest,
                        fmt::format("input {} ('{}') has nothing to write", i, input.name));
    }
    const auto [it, inserted] = seen.emplace(entry_name_fold(input.name), i);
    if (!inserted) {
      return core::fail(ErrorCode::kInvalidRequest,
                        fmt::format("inputs {} and {} ('{}', '{}') collide on a case-insensitive "
                                    "file system",
                                    it->second, i, inputs[it->second].name, input.name));
    }
  }
  return {};
}

core::Error archive_failure(archive* a, std::string_view what) {
  const char* text = archive_error_string(a);
  return core::make_error(ErrorCode::kInternal,
                          fmt::format("libarchive: {}: {}", what, text ? text : "unknown error"));
}

// Writes the whole archive into `output.upload`. Any error: the caller aborts the upload.
core::Status write_archive(Output& output, const std::vector<ZipInput>& inputs,
                           const ZipOptions& options) {
  ArchivePtr a{archive_write_new()};
  if (!a) return core::fail(ErrorCode::kInternal, "archive_write_new failed");
  if (archive_write_set_format_zip(a.get()) != ARCHIVE_OK ||
      archive_write_set_options(a.get(), "zip:compression=store,zip:hdrcharset=UTF-8") !=
          ARCHIVE_OK ||
      // No block buffering and no padding after the end record: every byte goes straight to the
      // callback, and the archive ends where the ZIP ends.
      archive_write_set_bytes_per_block(a.get(), 0) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK) {
    return std::unexpected(archive_failure(a.get(), "configuring the ZIP writer"));
  }
  if (archive_write_open2(a.get(), &output, nullptr, write_callback, nullptr, nullptr) !=
      ARCHIVE_OK) {
    if (output.error) return std::unexpected(std::move(*output.error));
    return std::unexpected(archive_failure(a.get(), "opening the ZIP"));
  }
  const auto mtime =
      std::chrono::duration_cast<std::chrono::seconds>(options.entry_time.time_since_epoch())
          .count();

  for (const auto& input : inputs) {
    EntryPtr entry{archive_entry_new()};
    if (!entry) return core::fail(ErrorCode::kInternal, "archive_entry_new failed");
    archive_entry_set_pathname_utf8(entry.get(), input.name.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_mtime(entry.get(), static_cast<time_t>(mtime), 0);
    archive_entry_set_size(entry.get(), input.size);
    // ARCHIVE_WARN here means the name could not be converted: fail rather than store it wrong.
    if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) {
      if (output.error) return std::unexpected(std::move(*output.error));
      return std::unexpected(archive_failure(a.get(), fmt::format("header of '{}'", input.name)));
    }
    EntrySink sink{a.get(), input};
    if (auto st = input.write_to(sink); !st) {
      if (output.error) return std::unexpected(std::move(*output.error));
      return st;
    }
    if (sink.written() != input.size) {
      return core::fail(
          ErrorCode::kSizeMismatch,
          fmt::format("'{}' has {} bytes, {} declared", input.name, sink.written(), input.size));
    }
    if (archive_write_finish_entry(a.get()) != ARCHIVE_OK) {
      if (output.error) return std::unexpected(std::move(*output.error));
      return std::unexpected(archive_failure(a.get(), fmt::format("end of '{}'", input.name)));
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    if (output.error) return std::unexpected(std::move(*output.error));
    return std::unexpected(archive_failure(a.get(), "closing the ZIP"));
  }
  if (output.error) return std::unexpected(std::move(*output.error));
  return {};
}

}  // namespace

core::Result<ZipResult> write_zip(core::ObjectStore& store, core::MultipartStore* multipart,
                                  std::string_view key, const std::vector<ZipInput>& inputs,
                                  const ZipOptions& options) {
  if (auto st = validate(inputs, options); !st) return std::unexpected(std::move(st.error()));

  // Every byte is hashed once besides its CRC-32. A streamed put (no content_length) gets the
  // archive's SHA-256 back from the store, which hashes every such body (ObjectStore::put), and
  // asks for no MD5 ETag, which nothing reads for the archive. A multipart upload is hashed here:
  // no store gives the SHA-256 of a whole multipart object.
  std::optional<support::Sha256> sha;
  core::PutOptions put_options;
  put_options.content_type = options.content_type;
  put_options.md5_etag = false;
  std::unique_ptr<ArchiveUpload> upload;
  if (multipart != nullptr) {
    auto created = support::Sha256::create();
    if (!created) return std::unexpected(std::move(created.error()));
    sha.emplace(std::move(*created));
    // Parts large enough that the archive fits in S3's 10,000.
    std::int64_t estimate = 1024;
    for (const auto& input : inputs) {
      estimate += input.size + kEntryOverhead + 2 * static_cast<std::int64_t>(input.name.size());
    }
    const std::int64_t part_size =
        std::max(options.part_size, (estimate + core::kMaxPartNumber - 1) / core::kMaxPartNumber);
    auto started = start_multipart_upload(*multipart, std::string{key}, put_options, part_size);
    if (!started) return std::unexpected(std::move(started.error()));
    upload = std::move(*started);
  } else {
    const auto pipe = static_cast<std::size_t>(
        std::min<std::int64_t>(options.part_size, static_cast<std::int64_t>(kMaxPipeBytes)));
    upload = start_streamed_put(store, std::string{key}, put_options, pipe);
  }

  Output output{upload.get(), sha ? &*sha : nullptr, 0, std::nullopt};
  const auto abandon = [&](core::Error error) {
    if (auto st = upload->abort(); !st) {
      error.message +=
          fmt::format("; cleaning up the upload of '{}' failed too: {}", key, st.error().message);
    }
    return std::unexpected(std::move(error));
  };
  if (auto st = write_archive(output, inputs, options); !st) return abandon(std::move(st.error()));

  std::optional<std::vector<unsigned char>> digest;
  if (sha) {
    auto finished = sha->finish();
    if (!finished) return abandon(std::move(finished.error()));
    digest.emplace(finished->begin(), finished->end());
  }
  auto object = upload->complete();  // aborts by itself on failure
  if (!object) return std::unexpected(std::move(object.error()));
  if (!digest && object->checksum_sha256) digest = support::base64_decode(*object->checksum_sha256);
  if (object->size != output.bytes || !digest || digest->size() != support::kSha256Size) {
    // The store kept other bytes than we wrote, or cannot say what it kept: never report that
    // archive as good.
    (void)store.remove({std::string{key}});
    return core::fail(ErrorCode::kStorageError,
                      object->size != output.bytes
                          ? fmt::format("the store reports {} bytes for '{}', {} were written",
                                        object->size, key, output.bytes)
                          : fmt::format("the store reports no SHA-256 for '{}'", key));
  }
  ZipResult result;
  result.bytes = output.bytes;
  result.sha256_hex = support::hex_lower(*digest);
  result.entries = static_cast<std::int64_t>(inputs.size());
  result.object = std::move(*object);
  return result;
}

ZipInput store_input(core::ObjectStore& store, std::string key, std::string name,
                     std::int64_t size) {
  ZipInput input;
  input.name = std::move(name);
  input.size = size;
  input.write_to = [&store, key = std::move(key)](core::ByteSink& sink) -> core::Status {
    auto info = store.get(key, sink);
    if (!info) return std::unexpected(std::move(info.error()));
    return {};
  };
  return input;
}

}  // namespace toq::media
