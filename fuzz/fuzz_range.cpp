// The Range header of a store GET. Invariants: a satisfiable range lies inside the object
// (0 <= first <= last < size); anything else is "none" (serve it all) or unsatisfiable.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "adapter/storage/byte_range.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  std::int64_t object_size = 0;
  std::memcpy(&object_size, data, sizeof object_size);
  if (object_size < 0) object_size = -(object_size + 1);
  const std::string_view header(reinterpret_cast<const char*>(data + 8), size - 8);
  for (const std::int64_t s : {object_size, object_size % 4096, std::int64_t{0}, std::int64_t{1}}) {
    const auto range = toq::storage::parse_range(header, s);
    if (range.kind == toq::storage::RangeKind::kSatisfiable) {
      TOQ_FUZZ_CHECK(range.first >= 0);
      TOQ_FUZZ_CHECK(range.first <= range.last);
      TOQ_FUZZ_CHECK(range.last < s);
    }
  }
  return 0;
}
