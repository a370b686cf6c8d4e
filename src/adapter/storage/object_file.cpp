#include "adapter/storage/object_file.hpp"

#include <charconv>
#include <chrono>

#include <fmt/format.h>

namespace toq::storage {
namespace {

constexpr std::string_view kObjectMagic = "toq-object 1";
constexpr std::string_view kUploadMagic = "toq-upload 1";

using Fields = std::vector<std::pair<std::string_view, std::string_view>>;

core::Error corrupt(std::string_view what) {
  return core::make_error(core::ErrorCode::kStorageError,
                          fmt::format("corrupt local-store metadata: {}", what));
}

// Splits "magic\nname value\n...\n\n" into fields; nullopt when the shape is wrong.
std::optional<Fields> parse_fields(std::string_view text, std::string_view magic) {
  const auto first = text.find('\n');
  if (first == std::string_view::npos || text.substr(0, first) != magic) return std::nullopt;
  Fields fields;
  std::size_t pos = first + 1;
  while (pos < text.size()) {
    const auto end = text.find('\n', pos);
    if (end == std::string_view::npos) return std::nullopt;
    const auto line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) return fields;  // the blank line ends the header
    const auto space = line.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    fields.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::int64_t to_millis(core::Timestamp t) {
  return t.time_since_epoch().count();
}
core::Timestamp from_millis(std::int64_t ms) {
  return core::Timestamp{std::chrono::milliseconds{ms}};
}

}  // namespace

bool is_header_safe(std::string_view value) {
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

Result<std::string> encode_object_header(const ObjectHeader& header) {
  if (!is_header_safe(header.etag) || !is_header_safe(header.content_type) ||
      (header.checksum_sha256 && !is_header_safe(*header.checksum_sha256))) {
    return core::fail(core::ErrorCode::kInvalidRequest,
                      "object metadata contains a control character",
                      "The content type is not valid.");
  }
  std::string text = fmt::format("{}\nsize {}\netag {}\ncontent-type {}\n", kObjectMagic,
                                 header.size, header.etag, header.content_type);
  if (header.checksum_sha256) text += fmt::format("sha256 {}\n", *header.checksum_sha256);
  text += fmt::format("last-modified {}\n\n", to_millis(header.last_modified));
  if (text.size() > static_cast<std::size_t>(kHeaderSize)) {
    return core::fail(core::ErrorCode::kInvalidRequest, "object metadata is too large",
                      "The content type is too long.");
  }
  text.resize(static_cast<std::size_t>(kHeaderSize), '\0');
  return text;
}

Result<ObjectHeader> decode_object_header(std::span<const std::byte> bytes) {
  const std::string_view text{reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  const auto fields = parse_fields(text, kObjectMagic);
  if (!fields) return std::unexpected(corrupt("object header"));
  ObjectHeader header;
  bool has_size = false;
  bool has_etag = false;
  for (const auto& [name, value] : *fields) {
    if (name == "size") {
      const auto n = parse_int(value);
      if (!n || *n < 0) return std::unexpected(corrupt("object size"));
      header.size = *n;
      has_size = true;
    } else if (name == "etag") {
      header.etag = value;
      has_etag = true;
    } else if (name == "content-type") {
      header.content_type = value;
    } else if (name == "sha256") {
      header.checksum_sha256 = std::string{value};
    } else if (name == "last-modified") {
      const auto n = parse_int(value);
      if (!n) return std::unexpected(corrupt("last-modified"));
      header.last_modified = from_millis(*n);
    }
    // Unknown names are skipped: a later version may add fields.
  }
  if (!has_size || !has_etag) return std::unexpected(corrupt("object header lacks size or etag"));
  return header;
}

std::string encode_upload_record(const UploadRecord& record) {
  std::string text =
      fmt::format("{}\nkey {}\ncontent-type {}\n", kUploadMagic, record.key, record.content_type);
  if (record.checksum_sha256) text += fmt::format("sha256 {}\n", *record.checksum_sha256);
  text += fmt::format("created {}\n\n", to_millis(record.created));
  return text;
}

Result<UploadRecord> decode_upload_record(std::string_view text) {
  const auto fields = parse_fields(text, kUploadMagic);
  if (!fields) return std::unexpected(corrupt("upload record"));
  UploadRecord record;
  bool has_key = false;
  for (const auto& [name, value] : *fields) {
    if (name == "key") {
      record.key = value;
      has_key = true;
    } else if (name == "content-type") {
      record.content_type = value;
    } else if (name == "sha256") {
      record.checksum_sha256 = std::string{value};
    } else if (name == "created") {
      const auto n = parse_int(value);
      if (!n) return std::unexpected(corrupt("upload created"));
      record.created = from_millis(*n);
    }
  }
  if (!has_key) return std::unexpected(corrupt("upload record lacks the key"));
  return record;
}

}  // namespace toq::storage
