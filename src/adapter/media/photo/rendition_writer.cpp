#include "adapter/media/photo/rendition_writer.hpp"

#include <cstdint>
#include <fstream>
#include <memory>
#include <system_error>

#include <fmt/format.h>
#include <webp/encode.h>

#include "adapter/media/photo/photo_errors.hpp"

namespace toq::media {
namespace {

namespace fs = std::filesystem;

constexpr int kJpegQuality = 85;
constexpr float kWebpQuality = 80.0F;

struct ArrayUnref {
  void operator()(VipsArrayDouble* array) const { vips_area_unref(VIPS_AREA(array)); }
};

// JPEG has no alpha: composite on white (what a photo shown on a white page looks like).
core::Result<vips::Image> flatten_on_white(VipsImage* image) {
  if (vips_image_hasalpha(image) == 0) {
    g_object_ref(image);
    return vips::Image(image);
  }
  const std::unique_ptr<VipsArrayDouble, ArrayUnref> white(vips_array_double_newv(1, 255.0));
  VipsImage* out = nullptr;
  if (vips_flatten(image, &out, "background", white.get(), nullptr) != 0) {
    return std::unexpected(photo_errors::corrupt("the photo", vips::take_error()));
  }
  return vips::Image(out);
}

// Renames a finished temporary file into place: complete or absent.
core::Result<OutputFile> commit(const fs::path& temp_path, const fs::path& final_path,
                                OutputFile file) {
  std::error_code ec;
  fs::rename(temp_path, final_path, ec);
  if (ec) {
    fs::remove(temp_path, ec);
    return std::unexpected(photo_errors::write_failed(final_path.string(), ec.message()));
  }
  const auto bytes = fs::file_size(final_path, ec);
  if (ec) return std::unexpected(photo_errors::write_failed(final_path.string(), ec.message()));
  file.path = final_path;
  file.bytes = static_cast<std::int64_t>(bytes);
  return file;
}

OutputFile describe(VipsImage* image, const std::string& name, const char* format,
                    const char* extension) {
  return OutputFile{.name = name,
                    .format = format,
                    .extension = extension,
                    .path = {},
                    .width = vips_image_get_width(image),
                    .height = vips_image_get_height(image),
                    .bytes = 0};
}

// JPEG through libvips; strip: no EXIF (so no GPS, no orientation), XMP, IPTC or ICC.
core::Result<OutputFile> write_jpeg(VipsImage* image, const fs::path& out_dir,
                                    const std::string& name) {
  const fs::path final_path = out_dir / fmt::format("{}.jpg", name);
  const fs::path temp_path = out_dir / fmt::format(".{}.jpg.partial", name);
  if (vips_jpegsave(image, temp_path.c_str(), "Q", kJpegQuality, "strip", TRUE, "optimize_coding",
                    TRUE, nullptr) != 0) {
    std::error_code ec;
    fs::remove(temp_path, ec);
    return std::unexpected(photo_errors::write_failed(final_path.string(), vips::take_error()));
  }
  return commit(temp_path, final_path, describe(image, name, "jpeg", "jpg"));
}

struct WebpFree {
  void operator()(std::uint8_t* data) const { WebPFree(data); }
};

// WebP straight through libwebp's simple encoder, which writes the image data and nothing else:
// libvips 8.14.1's webpsave ignores `strip` and writes EXIF (GPS included), XMP and ICC (the
// metadata tests caught it); even for an image without metadata it makes up an EXIF block.
core::Result<OutputFile> write_webp(VipsImage* image, const fs::path& out_dir,
                                    const std::string& name) {
  const fs::path final_path = out_dir / fmt::format("{}.webp", name);
  const fs::path temp_path = out_dir / fmt::format(".{}.webp.partial", name);
  const int width = vips_image_get_width(image);
  const int height = vips_image_get_height(image);
  const int bands = vips_image_get_bands(image);
  const auto* pixels = static_cast<const std::uint8_t*>(vips_image_get_data(image));
  if (pixels == nullptr || (bands != 3 && bands != 4) ||
      vips_image_get_format(image) != VIPS_FORMAT_UCHAR) {
    vips_error_clear();
    return std::unexpected(
        photo_errors::write_failed(final_path.string(), "the image is not 8-bit RGB(A) in memory"));
  }
  std::uint8_t* encoded = nullptr;
  const std::size_t size =
      bands == 4 ? WebPEncodeRGBA(pixels, width, height, width * 4, kWebpQuality, &encoded)
                 : WebPEncodeRGB(pixels, width, height, width * 3, kWebpQuality, &encoded);
  const std::unique_ptr<std::uint8_t, WebpFree> owned(encoded);
  if (size == 0 || encoded == nullptr) {
    return std::unexpected(photo_errors::write_failed(final_path.string(), "libwebp failed"));
  }
  std::ofstream out(temp_path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(encoded),  // NOLINT: bytes to the stream
            static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::error_code ec;
    fs::remove(temp_path, ec);
    return std::unexpected(photo_errors::write_failed(final_path.string(), "write failed"));
  }
  return commit(temp_path, final_path, describe(image, name, "webp", "webp"));
}

}  // namespace

core::Result<std::vector<OutputFile>> write_jpeg_and_webp(VipsImage* image, const fs::path& out_dir,
                                                          const std::string& name) {
  auto flat = flatten_on_white(image);
  if (!flat) return std::unexpected(flat.error());
  auto jpeg = write_jpeg(flat->get(), out_dir, name);
  if (!jpeg) return std::unexpected(jpeg.error());
  auto webp = write_webp(image, out_dir, name);
  if (!webp) return std::unexpected(webp.error());
  return std::vector<OutputFile>{std::move(*jpeg), std::move(*webp)};
}

core::Result<vips::Image> to_srgb8(VipsImage* image) {
  vips::Image current(image);
  g_object_ref(image);
  if (vips_image_get_interpretation(current.get()) != VIPS_INTERPRETATION_sRGB) {
    VipsImage* out = nullptr;
    if (vips_colourspace(current.get(), &out, VIPS_INTERPRETATION_sRGB, nullptr) != 0) {
      return std::unexpected(photo_errors::corrupt("the photo's colours", vips::take_error()));
    }
    current.reset(out);
  }
  if (vips_image_get_format(current.get()) != VIPS_FORMAT_UCHAR) {
    VipsImage* out = nullptr;
    if (vips_cast_uchar(current.get(), &out, nullptr) != 0) {
      return std::unexpected(photo_errors::corrupt("the photo's colours", vips::take_error()));
    }
    current.reset(out);
  }
  return current;
}

core::Result<vips::Image> materialise(VipsImage* image, std::string_view what) {
  VipsImage* memory = vips_image_copy_memory(image);
  if (memory == nullptr) return std::unexpected(photo_errors::corrupt(what, vips::take_error()));
  return vips::Image(memory);
}

}  // namespace toq::media
