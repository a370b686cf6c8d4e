#pragma once
// An open object of the local store: its metadata and an open file, so that headers and bytes
// always describe the same version even if the key is overwritten meanwhile. Thread-safe reads
// (pread).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

#include "support/unique_fd.hpp"

namespace toq::storage {

class LocalObjectStore;

class ObjectReader {
 public:
  const core::ObjectInfo& info() const { return info_; }
  // Streams `length` bytes starting at `first` (object offsets) into `sink`. The caller checks
  // the range against info().size.
  core::Status copy_to(core::ByteSink& sink, std::int64_t first, std::int64_t length) const;
  // Reads the bytes at object offset `offset` into `buffer` (at most up to the object's end);
  // how many were read, 0 at or past the end. STORAGE_ERROR for a file shorter than its header
  // says or an I/O error.
  core::Result<std::size_t> read_at(std::int64_t offset, std::span<std::byte> buffer) const;

 private:
  friend class LocalObjectStore;
  ObjectReader(support::UniqueFd fd, std::filesystem::path path, core::ObjectInfo info,
               std::size_t buffer_size)
      : fd_(std::move(fd)),
        path_(std::move(path)),
        info_(std::move(info)),
        buffer_size_(buffer_size) {}

  support::UniqueFd fd_;
  std::filesystem::path path_;
  core::ObjectInfo info_;
  std::size_t buffer_size_;
};

}  // namespace toq::storage
