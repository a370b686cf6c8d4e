#pragma once
// What the local store's entry points check before they touch the disk, the errors they answer
// in the ports' words, and the names of its files. Internal to adapter/storage.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/model/error.hpp"

namespace toq::storage {

inline constexpr std::string_view kUploadRecordName = "upload";
inline constexpr std::size_t kMaxUploadRecordSize = 64 * 1024;

// Runs `f`, turning any escaping exception (std::bad_alloc, a filesystem_error from a throwing
// overload) into STORAGE_ERROR: no exception crosses the port.
template <class F>
auto guarded(std::string_view what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return core::fail(core::ErrorCode::kStorageError, fmt::format("{}: {}", what, e.what()));
  }
}

// INVALID_REQUEST for a content type that cannot go into an object header.
core::Status check_content_type(std::string_view content_type);
// INVALID_REQUEST for a checksum that is not the base64 of 32 bytes.
core::Status check_checksum(const std::optional<std::string>& checksum);
// INVALID_REQUEST for a negative length.
core::Result<std::optional<std::int64_t>> check_length(std::optional<std::int64_t> length);

std::unexpected<core::Error> upload_not_found(std::string_view upload_id);
// A key whose path collides with another key's folder (or a segment too long for the disk).
std::unexpected<core::Error> key_conflict(std::string_view key);

// "part-00042", and back.
std::string part_file_name(int part_number);
std::optional<int> parse_part_file_name(std::string_view name);

}  // namespace toq::storage
