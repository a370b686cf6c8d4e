#pragma once
// Opening a photo safely: the sniffed format and libvips' chosen loader must both be on the
// allow-list (JPEG, PNG, WebP, HEIF/HEIC/AVIF, TIFF, GIF), on top of vips_block_untrusted_set;
// then only the header is read and the pixel limit is checked before anything is decoded.

#include <filesystem>

#include "core/model/error.hpp"

#include "adapter/media/photo/photo_probe.hpp"
#include "adapter/media/photo/vips_session.hpp"

namespace toq::media {

struct OpenedPhoto {
  vips::Image header;  // the lazily loaded image: header fields only, no pixels decoded yet
  PhotoProbe probe;
};

// Starts libvips if needed, with the module the sniffed format needs. Errors as probe_photo's.
core::Result<OpenedPhoto> open_photo(const std::filesystem::path& input, const PhotoLimits& limits);

}  // namespace toq::media
