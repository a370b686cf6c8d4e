#pragma once
// Request bodies and response sinks for the AWS adapters.
//
// ReplayableSource (http_transport.hpp) marks a body the transport may resend; MemorySource and
// FileSource are replayable, PrefixedSource is not (its tail is a caller's one-shot stream).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

#include "adapter/aws/http_transport.hpp"

namespace toq::aws {

// A string, replayable: small bodies (XML, buffered small objects).
class MemorySource final : public ReplayableSource {
 public:
  explicit MemorySource(std::string data) : data_(std::move(data)) {}
  Result<std::size_t> read(std::span<std::byte> buf) override;
  Status rewind() override;
  const std::string& data() const { return data_; }

 private:
  std::string data_;
  std::size_t pos_ = 0;
};

// A file, replayable. Owns its descriptor (closed on destruction).
class FileSource final : public ReplayableSource {
 public:
  // STORAGE_ERROR when the file cannot be opened.
  static Result<std::unique_ptr<FileSource>> open(const std::filesystem::path& path);
  // An anonymous temporary file in `dir` (empty: $TMPDIR or /tmp), already unlinked: it vanishes
  // with the object, whatever happens. Write with append(), then rewind() and read.
  static Result<std::unique_ptr<FileSource>> temporary(const std::filesystem::path& dir);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  Result<std::size_t> read(std::span<std::byte> buf) override;
  Status rewind() override;
  Status append(std::span<const std::byte> data);
  // Bytes in the file (fstat).
  Result<std::int64_t> size() const;

 private:
  explicit FileSource(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// The bytes already read from a stream, then the rest of that stream. Not replayable.
class PrefixedSource final : public core::ByteSource {
 public:
  PrefixedSource(std::string prefix, core::ByteSource& rest)
      : prefix_(std::move(prefix)), rest_(&rest) {}
  Result<std::size_t> read(std::span<std::byte> buf) override;

 private:
  std::string prefix_;
  std::size_t pos_ = 0;
  core::ByteSource* rest_;
};

// Keeps everything in memory (small responses, tests).
class BufferSink final : public core::ByteSink {
 public:
  Status write(std::span<const std::byte> data) override;
  std::string bytes;
};

// Reads from `source` until `limit` bytes or its end; the bytes read.
Result<std::string> read_up_to(core::ByteSource& source, std::size_t limit);

}  // namespace toq::aws
