#pragma once
// Limits of the photo step, checked on the header before any pixel is decoded.

#include <cstdint>

namespace toq::media {

struct PhotoLimits {
  std::int64_t max_pixels = 100'000'000;  // width x height of the stored image (first page)
};

}  // namespace toq::media
