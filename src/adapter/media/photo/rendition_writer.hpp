#pragma once
// Writing one rendition size as JPEG and WebP: every piece of metadata stripped (EXIF with GPS,
// XMP, IPTC, ICC), alpha flattened on white for JPEG and kept in WebP. Each file is written under a
// temporary name and renamed into place, so an output exists complete or not at all.

#include <filesystem>
#include <string>
#include <vector>

#include "core/model/error.hpp"

#include "adapter/media/common/output_file.hpp"
#include "adapter/media/photo/vips_session.hpp"

namespace toq::media {

// `image` must be 8-bit sRGB (3 bands, or 4 with alpha) held in memory (materialise()): it is
// read twice, and WebP is encoded from its pixels by libwebp. Returns `<name>.jpg` (format
// "jpeg") then `<name>.webp` (format "webp") in out_dir. STORAGE_ERROR when a file cannot be
// written (an encoder failure is reported the same way).
core::Result<std::vector<OutputFile>> write_jpeg_and_webp(VipsImage* image,
                                                          const std::filesystem::path& out_dir,
                                                          const std::string& name);

// The 8-bit sRGB form of a decoded image (3 bands, plus alpha when it has one): converts CMYK,
// grey, 16-bit and other spaces. CORRUPT_MEDIA when libvips cannot convert it.
core::Result<vips::Image> to_srgb8(VipsImage* image);

// Computes the pixels now and keeps them in memory, so the image can be read more than once (a
// sequential load cannot: "out of order read"). CORRUPT_MEDIA when decoding fails (truncated).
core::Result<vips::Image> materialise(VipsImage* image, std::string_view what);

}  // namespace toq::media
