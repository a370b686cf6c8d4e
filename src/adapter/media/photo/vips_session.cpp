#include "adapter/media/photo/vips_session.hpp"

#include <mutex>

namespace toq::media::vips {

core::Status ensure_started() {
  static std::once_flag once;
  static bool started = false;
  static std::string failure;
  std::call_once(once, [] {
    if (VIPS_INIT("toq-media") != 0) {
      failure = take_error();
      return;
    }
    // Loaders marked untrusted (svg, pdf, magick, matrix, csv, fits, ...) are refused by libvips
    // itself; the photo step adds its own allow-list on top (photo_loader.cpp).
    vips_block_untrusted_set(TRUE);
    vips_cache_set_max(0);
    started = true;
  });
  if (!started) {
    return core::fail(core::ErrorCode::kInternal, "libvips could not start: " + failure);
  }
  return {};
}

std::string take_error() {
  std::string text = vips_error_buffer();
  vips_error_clear();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? std::string("unknown libvips error") : text;
}

LoaderUnblock::LoaderUnblock(const char* loader_class) : loader_class_(loader_class) {
  vips_operation_block_set(loader_class_, FALSE);
}

LoaderUnblock::~LoaderUnblock() {
  vips_operation_block_set(loader_class_, TRUE);
}

}  // namespace toq::media::vips
