#pragma once
// Request bodies and response sinks: the core::ByteSource / core::ByteSink implementations more
// than one module streams through (the HTTP client, the S3 adapter, the media pipeline).
//
// ReplayableSource marks a body that may be sent more than once (an HTTP retry); MemorySource and
// FileSource are replayable, PrefixedSource is not (its tail is a caller's one-shot stream).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

#include "support/unique_fd.hpp"

namespace toq::support {

// A body that can be read again: rewind() restarts it at byte 0.
class ReplayableSource : public core::ByteSource {
 public:
  virtual core::Status rewind() = 0;
};

// A string, replayable: small bodies (XML, JSON, buffered small objects).
class MemorySource final : public ReplayableSource {
 public:
  explicit MemorySource(std::string data) : data_(std::move(data)) {}
  core::Result<std::size_t> read(std::span<std::byte> buf) override;
  core::Status rewind() override;
  const std::string& data() const { return data_; }

 private:
  std::string data_;
  std::size_t pos_ = 0;
};

// A file, replayable. Owns its descriptor.
class FileSource final : public ReplayableSource {
 public:
  // STORAGE_ERROR when the file cannot be opened.
  static core::Result<std::unique_ptr<FileSource>> open(const std::filesystem::path& path);
  // An anonymous temporary file in `dir` (empty: $TMPDIR or /tmp), already unlinked: it vanishes
  // with the object, whatever happens. Write with append(), then rewind() and read.
  static core::Result<std::unique_ptr<FileSource>> temporary(const std::filesystem::path& dir);

  core::Result<std::size_t> read(std::span<std::byte> buf) override;
  core::Status rewind() override;
  core::Status append(std::span<const std::byte> data);
  // Bytes in the file (fstat).
  core::Result<std::int64_t> size() const;

 private:
  explicit FileSource(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

// The bytes already read from a stream, then the rest of that stream. Not replayable.
class PrefixedSource final : public core::ByteSource {
 public:
  PrefixedSource(std::string prefix, core::ByteSource& rest)
      : prefix_(std::move(prefix)), rest_(&rest) {}
  core::Result<std::size_t> read(std::span<std::byte> buf) override;

 private:
  std::string prefix_;
  std::size_t pos_ = 0;
  core::ByteSource* rest_;
};

// Keeps everything in memory (small responses, tests).
class BufferSink final : public core::ByteSink {
 public:
  core::Status write(std::span<const std::byte> data) override;
  std::string bytes;
};

// Drops what it is given (a response body nobody reads).
class DiscardSink final : public core::ByteSink {
 public:
  core::Status write(std::span<const std::byte> /*data*/) override { return {}; }
};

// Reads from `source` until `limit` bytes or its end; the bytes read.
core::Result<std::string> read_up_to(core::ByteSource& source, std::size_t limit);

}  // namespace toq::support
