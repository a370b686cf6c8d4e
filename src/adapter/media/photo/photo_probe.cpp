#include "adapter/media/photo/photo_probe.hpp"

#include "adapter/media/photo/photo_loader.hpp"

namespace toq::media {

core::Result<PhotoProbe> probe_photo(const std::filesystem::path& input,
                                     const PhotoLimits& limits) {
  auto opened = open_photo(input, limits);
  if (!opened) return std::unexpected(opened.error());
  return std::move(opened->probe);
}

}  // namespace toq::media
