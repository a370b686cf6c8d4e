#pragma once
// Probing a photo: the facts of its header (no pixel is decoded), after the format checks of
// photo_loader.hpp. Safe to call in the caller's process only when libvips may start there; the
// pipeline calls it through run_isolated.

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/model/error.hpp"

#include "adapter/media/photo/photo_limits.hpp"

namespace toq::media {

struct PhotoProbe {
  std::string loader;  // libvips loader nickname: "jpegload", "pngload", "heifload", ...
  int width = 0;       // as displayed, after the EXIF orientation
  int height = 0;
  int orientation = 1;         // EXIF orientation 1..8 (1 when absent or invalid)
  std::string interpretation;  // libvips nick: "srgb", "cmyk", "b-w", "rgb16", "grey16", ...
  int bands = 0;
  bool has_alpha = false;
  int pages = 1;            // frames of an animated GIF/WebP, pages of a TIFF, images of a HEIF
  std::int64_t pixels = 0;  // stored width x height of the first page (what the limit applies to)
};

// UNSUPPORTED_FORMAT when the bytes are not an accepted photo format (or are empty),
// CORRUPT_MEDIA when the header does not decode, IMAGE_TOO_LARGE above limits.max_pixels,
// STORAGE_ERROR when the file cannot be read.
core::Result<PhotoProbe> probe_photo(const std::filesystem::path& input, const PhotoLimits& limits);

}  // namespace toq::media
