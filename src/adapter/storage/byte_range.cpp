#include "adapter/storage/byte_range.hpp"

#include <algorithm>

#include "support/http_syntax.hpp"
#include "support/text.hpp"

namespace toq::storage {

RangeSpec parse_range(std::string_view header, std::int64_t size) {
  header = support::trim_ows(header);
  if (!header.starts_with("bytes=")) return {};
  const std::string_view spec = support::trim_ows(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return {};
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  const auto first_text = support::trim_ows(spec.substr(0, dash));
  const auto last_text = support::trim_ows(spec.substr(dash + 1));
  if (first_text.empty()) {  // suffix: the last N bytes
    const auto n = support::parse_decimal<std::int64_t>(last_text);
    if (!n) return {};
    if (*n == 0 || size == 0) return {RangeKind::kUnsatisfiable};
    return {RangeKind::kSatisfiable, std::max<std::int64_t>(0, size - *n), size - 1};
  }
  const auto first = support::parse_decimal<std::int64_t>(first_text);
  if (!first) return {};
  std::int64_t last = size - 1;
  if (!last_text.empty()) {
    const auto l = support::parse_decimal<std::int64_t>(last_text);
    if (!l || *l < *first) return {};
    last = std::min(*l, size - 1);
  }
  if (*first >= size) return {RangeKind::kUnsatisfiable};
  return {RangeKind::kSatisfiable, *first, last};
}

}  // namespace toq::storage
