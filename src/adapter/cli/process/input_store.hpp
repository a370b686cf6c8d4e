#pragma once
// The store `toq-media process` works on: the scratch embedded store, in which each input file is
// adopted under its raw key instead of being copied in. get() and head() of an adopted key read
// the input file itself; copy_to_file() (core/port/object_file_copier.hpp) hard-links it into the
// work directory, or copies it when that is on another file system. Every other key, and an
// adopted key once put() or remove() touched it, is the scratch store's. The inputs are never
// written to: the pipeline only reads its work copy, and the fetch step's SHA-256 of that copy,
// checked against the one measured at adoption, catches an input changed meanwhile.
//
// Thread-safe: the pipeline's workers share it.

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/port/object_file_copier.hpp"
#include "core/port/object_store.hpp"

namespace toq::cli {

class InputStore final : public core::ObjectStore, public core::ObjectFileCopier {
 public:
  explicit InputStore(core::ObjectStore& scratch) : scratch_(scratch) {}

  // Makes `key` read the file at `path`, whose size and SHA-256 are measured now (the info
  // returned: what the upload is declared as). STORAGE_ERROR when it cannot be read.
  core::Result<core::ObjectInfo> adopt(std::string_view key, const std::filesystem::path& path);

  core::Result<core::ObjectInfo> put(std::string_view key, core::ByteSource& source,
                                     const core::PutOptions& options) override;
  core::Result<core::ObjectInfo> get(std::string_view key, core::ByteSink& sink,
                                     std::optional<core::ByteRange> range = std::nullopt) override;
  core::Result<std::optional<core::ObjectInfo>> head(std::string_view key) override;
  core::Status remove(const std::vector<std::string>& keys) override;

  // Adopted keys only (the scratch store is then the fallback: its bytes streamed into the file).
  core::Result<core::ObjectInfo> copy_to_file(std::string_view key,
                                              const std::filesystem::path& path) override;

 private:
  struct Adopted {
    std::filesystem::path path;
    core::ObjectInfo info;
  };
  std::optional<Adopted> adopted(std::string_view key) const;

  core::ObjectStore& scratch_;
  mutable std::mutex mutex_;
  std::map<std::string, Adopted, std::less<>> adopted_;
};

}  // namespace toq::cli
