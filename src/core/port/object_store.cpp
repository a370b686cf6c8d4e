#include "core/port/object_store.hpp"

#include <fmt/format.h>

namespace toq::core {

Status validate_object_key(std::string_view key) {
  auto refuse = [&](std::string_view why) -> Status {
    return fail(ErrorCode::kInvalidRequest,
                fmt::format("object key '{:.200}' refused: {}", key, why),
                "The object key is not valid.");
  };
  if (key.empty()) return refuse("empty");
  if (key.size() > 1024) return refuse("longer than 1024 bytes");
  if (key.front() == '/') return refuse("starts with '/'");
  for (char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return refuse("contains a control character");
  }
  std::size_t start = 0;
  while (start <= key.size()) {
    auto end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    const auto segment = key.substr(start, end - start);
    if (segment == "." || segment == "..") return refuse("contains a '.' or '..' segment");
    if (segment.empty()) return refuse("contains an empty segment");
    start = end + 1;
  }
  return {};
}

std::optional<std::size_t> first_misordered_part(const std::vector<CompletedPart>& parts) {
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const int n = parts[i].part_number;
    if (!is_valid_part_number(n) || (i > 0 && n <= parts[i - 1].part_number)) return i;
  }
  return std::nullopt;
}

}  // namespace toq::core
