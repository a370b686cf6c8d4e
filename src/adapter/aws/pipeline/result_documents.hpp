#pragma once
// Reading and writing the contract's small JSON objects in the bucket: the ProcessingResults port
// (the service reads the asset result documents) and the helpers the tasks use for the documents
// they write and read (whole objects, at most kMaxDocumentBytes).

#include <optional>
#include <string>
#include <string_view>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"
#include "core/port/processing_results.hpp"

namespace toq::aws::pipeline {

// A result document is a few KiB; anything past this is not one.
inline constexpr std::size_t kMaxDocumentBytes = 1U << 20;

// The object's text, nullopt when it is missing; INVALID_REQUEST when it is larger than
// kMaxDocumentBytes; the store's error otherwise.
core::Result<std::optional<std::string>> read_document(core::ObjectStore& store,
                                                       std::string_view key);
// Puts `text` at `key` as application/json (complete or absent, as every put).
core::Status write_document(core::ObjectStore& store, std::string_view key, std::string_view text);

class StoreProcessingResults final : public core::ProcessingResults {
 public:
  explicit StoreProcessingResults(core::ObjectStore& store) : store_(store) {}
  core::Result<std::optional<core::AssetResultDocument>> asset_result(
      std::string_view key) override;

 private:
  core::ObjectStore& store_;
};

}  // namespace toq::aws::pipeline
