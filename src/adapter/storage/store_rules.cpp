#include "adapter/storage/store_rules.hpp"

#include <charconv>

#include "core/model/manifest.hpp"

#include "adapter/storage/object_file.hpp"

namespace toq::storage {

using core::ErrorCode;

core::Status check_content_type(std::string_view content_type) {
  if (content_type.size() > kMaxContentTypeSize || !is_header_safe(content_type)) {
    return core::fail(ErrorCode::kInvalidRequest,
                      fmt::format("content type refused: '{:.100}'", content_type),
                      "The content type is not valid.");
  }
  return {};
}

core::Status check_checksum(const std::optional<std::string>& checksum) {
  if (checksum && !core::is_base64_sha256(*checksum)) {
    return core::fail(
        ErrorCode::kInvalidRequest,
        fmt::format("checksum_sha256 is not the base64 of 32 bytes: '{:.100}'", *checksum),
        "The SHA-256 checksum is not valid base64.");
  }
  return {};
}

core::Result<std::optional<std::int64_t>> check_length(std::optional<std::int64_t> length) {
  if (length && *length < 0) {
    return core::fail(ErrorCode::kInvalidRequest, "content_length is negative");
  }
  return length;
}

std::unexpected<core::Error> upload_not_found(std::string_view upload_id) {
  return core::fail(ErrorCode::kUploadNotFound,
                    fmt::format("multipart upload '{:.140}' not found", upload_id));
}

std::unexpected<core::Error> key_conflict(std::string_view key) {
  return core::fail(ErrorCode::kInvalidRequest,
                    fmt::format("key '{:.200}' conflicts with another key used as its folder (or "
                                "a segment is too long for the file system)",
                                key),
                    "The object key is not valid.");
}

std::string part_file_name(int part_number) {
  return fmt::format("part-{:05}", part_number);
}

std::optional<int> parse_part_file_name(std::string_view name) {
  if (name.size() != 10 || name.substr(0, 5) != "part-") return std::nullopt;
  int value = 0;
  const auto digits = name.substr(5);
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || ptr != digits.data() + digits.size()) return std::nullopt;
  return value;
}

}  // namespace toq::storage
