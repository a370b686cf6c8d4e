#pragma once
// libvips for the photo step: initialised once per process, lazily (so that run_isolated's child,
// not the caller, is the process that starts libvips' threads), with every untrusted loader
// blocked. RAII owners for the GObject handles the step creates.

#include <memory>
#include <string>

#include <vips/vips.h>

#include "core/model/error.hpp"

namespace toq::media::vips {

// Starts libvips on first use: vips_init, vips_block_untrusted_set(TRUE), no operation cache
// (a worker decodes each file once). INTERNAL_ERROR when libvips cannot start.
core::Status ensure_started();

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
