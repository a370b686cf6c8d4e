#include "adapter/media/photo/photo_renditions.hpp"

#include <array>
#include <string_view>

#include "adapter/media/photo/photo_errors.hpp"
#include "adapter/media/photo/photo_loader.hpp"
#include "adapter/media/photo/rendition_writer.hpp"
#include "adapter/media/photo/vips_session.hpp"

namespace toq::media {
namespace {

struct Size {
  std::string_view name;
  int long_edge;
};

// Largest first: the cascade makes each size from the one before it.
constexpr std::array<Size, 4> kSizes{{
    {"large", 1920},
    {"medium", 1280},
    {"small", 640},
    {"thumbnail", 320},
}};

// The one decode: shrink-on-load to the largest size (JPEG DCT scaling, WebP/HEIF scaled load),
// upright from EXIF (the orientation tag is then dropped), fail_on=error so a truncated file is an
// error instead of grey pixels. Colour: an image with an embedded ICC profile, or CMYK (libvips
// then uses its CMYK fallback profile), is transformed to sRGB by the thumbnail itself; one without
// a profile is in device space already and is only converted (grey, 16-bit) by to_srgb8, because
// an sRGB export of a profile-less 16-bit image gives wrong colours in libvips 8.14.
core::Result<vips::Image> decode_largest(const std::filesystem::path& input, bool colour_managed) {
  VipsImage* out = nullptr;
  const int edge = kSizes.front().long_edge;
  const int rc =
      colour_managed
          ? vips_thumbnail(input.c_str(), &out, edge, "height", edge, "size", VIPS_SIZE_DOWN,
                           "export_profile", "srgb", "fail_on", VIPS_FAIL_ON_ERROR, nullptr)
          : vips_thumbnail(input.c_str(), &out, edge, "height", edge, "size", VIPS_SIZE_DOWN,
                           "fail_on", VIPS_FAIL_ON_ERROR, nullptr);
  if (rc != 0) return std::unexpected(photo_errors::corrupt("the photo", vips::take_error()));
  vips::Image decoded(out);
  auto srgb = to_srgb8(decoded.get());
  if (!srgb) return std::unexpected(srgb.error());
  return materialise(srgb->get(), "the photo");
}

// One step of the cascade, from an in-memory image (already upright and sRGB).
core::Result<vips::Image> shrink(VipsImage* larger, int long_edge) {
  VipsImage* out = nullptr;
  if (vips_thumbnail_image(larger, &out, long_edge, "height", long_edge, "size", VIPS_SIZE_DOWN,
                           "no_rotate", TRUE, nullptr) != 0) {
    return std::unexpected(photo_errors::corrupt("the photo", vips::take_error()));
  }
  vips::Image shrunk(out);
  return materialise(shrunk.get(), "the photo");
}

}  // namespace

core::Result<std::vector<OutputFile>> make_photo_renditions(const std::filesystem::path& input,
                                                            const std::filesystem::path& out_dir,
                                                            const PhotoLimits& limits) {
  // Format allow-list and pixel limit on the header, before any pixel is decoded.
  auto opened = open_photo(input, limits);
  if (!opened) return std::unexpected(opened.error());
  VipsImage* header = opened->header.get();
  const bool colour_managed = vips_image_get_typeof(header, VIPS_META_ICC_NAME) != 0 ||
                              vips_image_get_interpretation(header) == VIPS_INTERPRETATION_CMYK;
  opened->header.reset();

  auto current = decode_largest(input, colour_managed);
  if (!current) return std::unexpected(current.error());
  std::vector<OutputFile> outputs;
  for (const Size& size : kSizes) {
    if (size.long_edge != kSizes.front().long_edge) {
      auto next = shrink(current->get(), size.long_edge);
      if (!next) return std::unexpected(next.error());
      current = std::move(next);
    }
    auto files = write_jpeg_and_webp(current->get(), out_dir, std::string(size.name));
    if (!files) return std::unexpected(files.error());
    outputs.insert(outputs.end(), files->begin(), files->end());
  }
  return outputs;
}

}  // namespace toq::media
