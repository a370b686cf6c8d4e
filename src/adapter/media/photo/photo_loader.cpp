#include "adapter/media/photo/photo_loader.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <optional>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "adapter/media/common/byte_order.hpp"
#include "adapter/media/common/sniff.hpp"
#include "adapter/media/photo/photo_errors.hpp"

namespace toq::media {
namespace {

// Sniffed format -> the one libvips loader class allowed to read it. Everything else (svg, pdf,
// magick, matrix, csv, fits, openslide, raw, vips, ppm, ...) is refused before libvips sees it.
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kAllowed{{
    {"jpeg", "VipsForeignLoadJpegFile"},
    {"png", "VipsForeignLoadPngFile"},
    {"webp", "VipsForeignLoadWebpFile"},
    {"heif", "VipsForeignLoadHeifFile"},
    {"avif", "VipsForeignLoadHeifFile"},
    {"tiff", "VipsForeignLoadTiffFile"},
    {"gif", "VipsForeignLoadNsgifFile"},
}};

int exif_orientation(VipsImage* image) {
  int orientation = 1;
  if (vips_image_get_typeof(image, VIPS_META_ORIENTATION) != 0 &&
      vips_image_get_int(image, VIPS_META_ORIENTATION, &orientation) != 0) {
    vips_error_clear();
    orientation = 1;
  }
  return orientation >= 1 && orientation <= 8 ? orientation : 1;
}

PhotoProbe probe_of(VipsImage* image) {
  PhotoProbe p;
  const char* loader = nullptr;
  if (vips_image_get_typeof(image, VIPS_META_LOADER) != 0 &&
      vips_image_get_string(image, VIPS_META_LOADER, &loader) == 0 && loader != nullptr) {
    p.loader = loader;
  }
  vips_error_clear();
  const int stored_width = vips_image_get_width(image);
  const int stored_height = vips_image_get_page_height(image);
  p.orientation = exif_orientation(image);
  const bool swapped = p.orientation >= 5;  // 5..8 turn the image by 90 degrees
  p.width = swapped ? stored_height : stored_width;
  p.height = swapped ? stored_width : stored_height;
  const char* nick = vips_enum_nick(VIPS_TYPE_INTERPRETATION, vips_image_get_interpretation(image));
  p.interpretation = nick != nullptr ? nick : "";
  p.bands = vips_image_get_bands(image);
  p.has_alpha = vips_image_hasalpha(image) != 0;
  p.pages = std::max(1, vips_image_get_n_pages(image));
  p.pixels = std::int64_t{stored_width} * std::int64_t{stored_height};
  return p;
}

// A PNG's IHDR size (bytes 16-23), or nothing when the file has no IHDR first.
std::optional<std::pair<std::int64_t, std::int64_t>> png_header_size(
    const std::filesystem::path& input) {
  std::array<std::byte, 24> head{};
  std::ifstream in(input, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(head.data()), head.size())) return std::nullopt;  // NOLINT
  if (std::string_view(reinterpret_cast<const char*>(head.data()) + 12, 4) != "IHDR") {  // NOLINT
    return std::nullopt;
  }
  return std::pair{std::int64_t{be32(head, 16)}, std::int64_t{be32(head, 20)}};
}

// "... Image size 20000x20000 exceeds the maximum image size 16384x16384" (libheif): the size.
std::pair<std::int64_t, std::int64_t> quoted_size(std::string_view detail) {
  const auto at = detail.find("Image size ");
  if (at == std::string_view::npos) return {0, 0};
  std::int64_t width = 0;
  std::int64_t height = 0;
  const char* p = detail.data() + at + 11;
  const char* end = detail.data() + detail.size();
  auto [x, ec] = std::from_chars(p, end, width);
  if (ec != std::errc{} || x == end || *x != 'x') return {0, 0};
  if (std::from_chars(x + 1, end, height).ec != std::errc{}) return {0, 0};
  return {width, height};
}

// When libvips could not open the header: IMAGE_TOO_LARGE if that is because a decoder refuses
// its size (each has a bound of its own, reached before our pixel limit could be checked), so that
// a 20,000,000-row PNG or a 400-megapixel HEIC is not called damaged.
std::optional<core::Error> refused_for_size(const std::filesystem::path& input,
                                            std::string_view format, std::string_view detail,
                                            const PhotoLimits& limits) {
  // libvips gives libpng its own bound (VIPS_MAX_COORD) as the user limit; libpng only warns
  // (the libvips error text says nothing), so the header says it.
  if (format == "png") {
    if (const auto size = png_header_size(input);
        size && (size->first > VIPS_MAX_COORD || size->second > VIPS_MAX_COORD)) {
      return photo_errors::beyond_decoder(limits.max_pixels, size->first, size->second, detail);
    }
  }
  if (detail.find("exceeds the maximum image size") != std::string_view::npos) {  // libheif
    const auto [width, height] = quoted_size(detail);
    return photo_errors::beyond_decoder(limits.max_pixels, width, height, detail);
  }
  if (detail.find("width/height out of range") != std::string_view::npos) {  // libvips' own
    return photo_errors::beyond_decoder(limits.max_pixels, 0, 0, detail);
  }
  return std::nullopt;
}

}  // namespace

core::Result<OpenedPhoto> open_photo(const std::filesystem::path& input,
                                     const PhotoLimits& limits) {
  auto sniffed = sniff_file(input);
  if (!sniffed) return std::unexpected(sniffed.error());
  if (sniffed->format == "empty") {
    return std::unexpected(photo_errors::unsupported("empty", "the file is empty (zero bytes)"));
  }
  const auto* allowed = std::ranges::find(kAllowed, std::string_view(sniffed->format),
                                          &std::pair<std::string_view, std::string_view>::first);
  if (allowed == kAllowed.end()) {
    return std::unexpected(photo_errors::unsupported(
        sniffed->format, "photos must be JPEG, PNG, WebP, HEIF, TIFF or GIF"));
  }
  if (auto started = vips::ensure_started(sniffed->format); !started) {
    return std::unexpected(started.error());
  }
  const char* found = vips_foreign_find_load(input.c_str());
  if (found == nullptr) {
    return std::unexpected(photo_errors::corrupt("the photo", vips::take_error()));
  }
  if (std::string_view(found) != allowed->second) {
    return std::unexpected(photo_errors::unsupported(
        sniffed->format,
        fmt::format("libvips would read it with {}, which is not allowed", found)));
  }
  // Header only: libvips reads pixels lazily, when an operation asks for them.
  VipsImage* raw = vips_image_new_from_file(input.c_str(), "access", VIPS_ACCESS_SEQUENTIAL,
                                            "fail_on", VIPS_FAIL_ON_ERROR, nullptr);
  if (raw == nullptr) {
    const std::string detail = vips::take_error();
    if (auto too_large = refused_for_size(input, sniffed->format, detail, limits)) {
      return std::unexpected(std::move(*too_large));
    }
    return std::unexpected(photo_errors::corrupt("the photo", detail));
  }
  OpenedPhoto opened{vips::Image(raw), probe_of(raw)};
  const PhotoProbe& p = opened.probe;
  if (p.pixels > limits.max_pixels) {
    return std::unexpected(photo_errors::too_large(p.pixels, limits.max_pixels, p.width, p.height));
  }
  return opened;
}

}  // namespace toq::media
