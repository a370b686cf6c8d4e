#pragma once
// The photo renditions: thumbnail 320, small 640, medium 1280, large 1920 px on the long edge, each
// as JPEG and WebP, from one decode with shrink-on-load, as a cascade (each size from the next
// larger one). Initialises libvips lazily: call it through run_isolated from a process that has not
// started libvips (see isolated.hpp).

#include <filesystem>
#include <vector>

#include "core/model/error.hpp"

#include "adapter/media/common/output_file.hpp"
#include "adapter/media/photo/photo_limits.hpp"

namespace toq::media {

// Returns exactly 8 files, largest first: large, medium, small, thumbnail, each `.jpg` then
// `.webp`, written into out_dir (which must exist). Guarantees: never upscaled (a source smaller
// than a size gives that size at the source's own dimensions); turned upright from the EXIF
// orientation; 8-bit sRGB; alpha flattened on white in JPEG and kept in WebP; no metadata at all
// (EXIF, GPS, XMP, IPTC, ICC). Errors: as probe_photo's, plus CORRUPT_MEDIA when the pixels do not
// decode (a truncated file), STORAGE_ERROR when out_dir cannot be written. On an error no complete
// rendition of a failed size is left behind under its final name.
core::Result<std::vector<OutputFile>> make_photo_renditions(const std::filesystem::path& input,
                                                            const std::filesystem::path& out_dir,
                                                            const PhotoLimits& limits);

}  // namespace toq::media
