#include "adapter/aws/pipeline/result_documents.hpp"

#include <fmt/format.h>

#include "adapter/aws/pipeline/documents.hpp"
#include "support/io/byte_sources.hpp"

namespace toq::aws::pipeline {
namespace {

// Keeps at most kMaxDocumentBytes; more is an error (the get then fails).
class BoundedSink final : public core::ByteSink {
 public:
  core::Status write(std::span<const std::byte> data) override {
    if (text.size() + data.size() > kMaxDocumentBytes) {
      return core::fail(
          core::ErrorCode::kInvalidRequest,
          fmt::format("larger than {} bytes: not a result document", kMaxDocumentBytes));
    }
    text.append(reinterpret_cast<const char*>(data.data()), data.size());
    return {};
  }
  std::string text;
};

}  // namespace

core::Result<std::optional<std::string>> read_document(core::ObjectStore& store,
                                                       std::string_view key) {
  BoundedSink sink;
  auto got = store.get(key, sink);
  if (!got) {
    if (got.error().code == core::ErrorCode::kObjectNotFound) {
      return std::optional<std::string>();
    }
    auto e = got.error();
    e.message = fmt::format("reading {}: {}", key, e.message);
    return std::unexpected(std::move(e));
  }
  return std::optional<std::string>(std::move(sink.text));
}

core::Status write_document(core::ObjectStore& store, std::string_view key, std::string_view text) {
  support::MemorySource source{std::string(text)};
  core::PutOptions options;
  options.content_type = "application/json";
  options.content_length = static_cast<std::int64_t>(text.size());
  auto put = store.put(key, source, options);
  if (!put) return std::unexpected(put.error());
  return {};
}

core::Result<std::optional<core::AssetResultDocument>> StoreProcessingResults::asset_result(
    std::string_view key) {
  auto text = read_document(store_, key);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<core::AssetResultDocument>();
  auto doc = parse_asset_result_document(**text);
  if (!doc) {
    auto e = doc.error();
    e.message = fmt::format("{}: {}", key, e.message);
    return std::unexpected(std::move(e));
  }
  return std::optional<core::AssetResultDocument>(std::move(*doc));
}

}  // namespace toq::aws::pipeline
