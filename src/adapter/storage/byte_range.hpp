#pragma once
// The Range header of a GET on /storage/..., as S3 reads it: one "bytes=" range (first-last,
// first-, or -suffix) against an object of a known size. Malformed and multi-range headers are
// ignored (the whole object is served), as S3 does; a range that starts past the end is
// unsatisfiable (416).

#include <cstdint>
#include <string_view>

namespace toq::storage {

enum class RangeKind : unsigned char { kNone, kSatisfiable, kUnsatisfiable };

// kSatisfiable: 0 <= first <= last < size.
struct RangeSpec {
  RangeKind kind = RangeKind::kNone;
  std::int64_t first = 0;
  std::int64_t last = 0;
};

RangeSpec parse_range(std::string_view header, std::int64_t size);

}  // namespace toq::storage
