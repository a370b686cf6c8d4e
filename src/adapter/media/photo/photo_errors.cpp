#include "adapter/media/photo/photo_errors.hpp"

#include <fmt/format.h>

namespace toq::media::photo_errors {

using core::ErrorCode;

core::Error corrupt(std::string_view what, std::string_view detail) {
  return core::make_error(
      ErrorCode::kCorruptMedia, fmt::format("{} could not be decoded: {}", what, detail),
      "The file is damaged or incomplete and could not be read as an image.",
      "Export the photo again from the camera or editing software (JPEG or HEIC) and upload it "
      "again; if it was copied from a card or phone, check that the copy finished.");
}

core::Error unsupported(std::string_view format, std::string_view detail) {
  return core::make_error(
      ErrorCode::kUnsupportedFormat,
      fmt::format("the file's bytes are '{}', not an accepted photo format: {}", format, detail),
      "The file is not in an accepted photo format.",
      "Upload photos as JPEG, PNG, WebP, HEIC/HEIF, TIFF or GIF; export vector drawings and PDFs "
      "as JPEG or PNG first.");
}

core::Error too_large(std::int64_t pixels, std::int64_t limit, int width, int height) {
  return core::make_error(
      ErrorCode::kImageTooLarge,
      fmt::format("the photo is {}x{} ({} pixels), above the limit of {} pixels", width, height,
                  pixels, limit),
      fmt::format("The photo has more than {} megapixels.", limit / 1'000'000),
      fmt::format("Resize it to at most {} megapixels (for example 12000 x 8000) and upload it "
                  "again.",
                  limit / 1'000'000));
}

core::Error beyond_decoder(std::int64_t limit, std::int64_t width, std::int64_t height,
                           std::string_view detail) {
  const bool known = width > 0 && height > 0;
  return core::make_error(
      ErrorCode::kImageTooLarge,
      known ? fmt::format("the photo's header declares {}x{}, more than its decoder accepts: {}",
                          width, height, detail)
            : fmt::format("the photo's header declares a size its decoder does not accept: {}",
                          detail),
      known ? fmt::format("The photo is {}x{} pixels, larger than can be processed.", width, height)
            : std::string("The photo's width or height is larger than can be processed."),
      // The refusal may be for one side alone (a 1 x 20,000,000 strip is 20 megapixels).
      fmt::format("Resize it to at most {} megapixels and 65535 pixels on its longer side (for "
                  "example 12000 x 8000) and upload it again.",
                  limit / 1'000'000));
}

core::Error write_failed(std::string_view what, std::string_view detail) {
  return core::make_error(ErrorCode::kStorageError,
                          fmt::format("could not write {}: {}", what, detail));
}

}  // namespace toq::media::photo_errors
