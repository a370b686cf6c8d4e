#pragma once
// Optional capability of an object store whose objects are files on this machine: an object's
// bytes made into a local file without streaming them through the caller. The pipeline's fetch
// step uses it when the store has it (ObjectStore::get otherwise, as with S3) and then hashes the
// file it got, so the upload is still verified byte for byte.
//
// Contract:
// - copy_to_file() creates `path` (no file may exist there) holding exactly the object's bytes
//   and returns the object's info, as head() would. The file may share its storage with the
//   stored object (a hard link or a clone): the caller reads it and may unlink it, never writes
//   to it.
// - OBJECT_NOT_FOUND when the key is missing; STORAGE_ERROR when the file cannot be made. On any
//   error no file is left at `path`.

#include <filesystem>
#include <string_view>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

namespace toq::core {

class ObjectFileCopier {
 public:
  virtual ~ObjectFileCopier() = default;
  virtual Result<ObjectInfo> copy_to_file(std::string_view key,
                                          const std::filesystem::path& path) = 0;
};

}  // namespace toq::core
