#pragma once
// libvips for the photo step: initialised once per process, lazily (so that run_isolated's child,
// not the caller, is the process that starts libvips' threads), with every untrusted loader
// blocked, and with only the dynamic modules the formats read need. RAII owners for the GObject
// handles the step creates.

#include <memory>
#include <string>
#include <string_view>

#include <vips/vips.h>

#include "core/model/error.hpp"

namespace toq::media::vips {

// Starts libvips on first use: vips_init without libvips' dynamic modules, no operation cache (a
// worker decodes each file once), vips_block_untrusted_set(TRUE). Then loads the one module the
// sniffed format's loader lives in unless that loader is already there (loaded before, or built
// into a libvips without modules): "heif" and "avif" -> vips-heif, "pdf" -> vips-poppler; JPEG,
// PNG, WebP, TIFF and GIF are built into libvips and need none (nor does an empty format). jxl,
// magick and openslide are never loaded. Not thread-safe against a
// LoaderUnblock alive in another thread (a module load blocks every untrusted loader again).
// INTERNAL_ERROR when libvips or the module cannot start.
core::Status ensure_started(std::string_view sniffed_format = {});

struct ImageUnref {
  void operator()(VipsImage* image) const {
    if (image != nullptr) g_object_unref(image);
  }
};
// Owns one reference to a VipsImage.
using Image = std::unique_ptr<VipsImage, ImageUnref>;

// The text of libvips' error buffer (trimmed), and clears it: each failure reports its own cause.
std::string take_error();

// Unblocks one loader family for as long as the guard lives, then blocks it again. Only for loaders
// a step must use on purpose (PDF for documents); see document_thumbnail.cpp for why.
class LoaderUnblock {
 public:
  explicit LoaderUnblock(const char* loader_class);
  LoaderUnblock(const LoaderUnblock&) = delete;
  LoaderUnblock& operator=(const LoaderUnblock&) = delete;
  ~LoaderUnblock();

 private:
  const char* loader_class_;
};

}  // namespace toq::media::vips
