#pragma once
// Local files as the object store's byte sources, and their SHA-256.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

namespace toq::media {

struct FileDigest {
  std::int64_t bytes = 0;
  std::string hex;     // lower-case hex SHA-256
  std::string base64;  // the same digest, standard base64 (S3's x-amz-checksum-sha256)
};

// STORAGE_ERROR when the file cannot be read.
core::Result<FileDigest> sha256_of_file(const std::filesystem::path& path);

// A ByteSource reading the file from its start; STORAGE_ERROR when it cannot be opened.
core::Result<std::unique_ptr<core::ByteSource>> open_file_source(const std::filesystem::path& path);

}  // namespace toq::media
