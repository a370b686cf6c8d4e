#pragma once
// The errors of the photo and document steps, each with a plain message and a hint for the
// photographer, written once so every step words them the same way.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/model/error.hpp"

namespace toq::media::photo_errors {

// CORRUPT_MEDIA: the bytes claim a supported format but do not decode (truncated, garbage).
core::Error corrupt(std::string_view what, std::string_view detail);

// UNSUPPORTED_FORMAT: the bytes are not one of the accepted photo formats (format as sniffed).
core::Error unsupported(std::string_view format, std::string_view detail);

// IMAGE_TOO_LARGE: more pixels than the limit, found on the header before decoding.
core::Error too_large(std::int64_t pixels, std::int64_t limit, int width, int height);

// IMAGE_TOO_LARGE: the decoder itself refused the header for its size (libheif's 16384 x 16384,
// libvips' 10,000,000 on an edge, which it also gives libpng), before our pixel limit could be
// checked. width and height when known (0 otherwise); detail is the decoder's text.
core::Error beyond_decoder(std::int64_t limit, std::int64_t width, std::int64_t height,
                           std::string_view detail);

// STORAGE_ERROR: a rendition could not be written to the work directory.
core::Error write_failed(std::string_view what, std::string_view detail);

}  // namespace toq::media::photo_errors
