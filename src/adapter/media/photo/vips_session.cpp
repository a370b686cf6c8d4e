#include "adapter/media/photo/vips_session.hpp"

#include <cstdlib>
#include <mutex>

#include <fmt/format.h>
#include <gmodule.h>

namespace toq::media::vips {
namespace {

// vips_init opens every module in <libdir>/vips-modules-<major>.<minor>, where libdir is
// "$VIPSHOME/lib" when VIPSHOME is set (vips_guess_libdir). Debian's 8.14 ships five (heif, jxl,
// magick, openslide, poppler); opening them with their libraries (ImageMagick, poppler, cairo,
// libheif's codecs, ...) costs about 20 ms of CPU per process, paid by every isolated child. A
// prefix without modules makes vips_init skip them; the one a format needs is opened by its path,
// as vips_init would open it (g_module_open registers its types).
constexpr const char* kPrefixWithoutModules = "/nonexistent";

// The module a format's loader lives in when libvips is built with modules (Debian), and the
// loader's nickname, present without any module in a libvips built with modules disabled (the AWS
// image, deploy/aws/image/Dockerfile).
struct Module {
  std::string_view name;
  const char* loader = nullptr;
};

Module module_for(std::string_view sniffed_format) {
  if (sniffed_format == "heif" || sniffed_format == "avif") return {"vips-heif", "heifload"};
  if (sniffed_format == "pdf") return {"vips-poppler", "pdfload"};
  return {};
}

struct Session {
  std::mutex mutex;
  bool tried = false;
  std::string failure;  // why libvips could not start; empty once started
};

Session& session() {
  static Session s;
  return s;
}

core::Status start(Session& s) {
  if (!s.tried) {
    s.tried = true;
    // Read by vips_init only; the child process that starts libvips does nothing else with it.
    ::setenv("VIPSHOME", kPrefixWithoutModules, 1);
    if (VIPS_INIT("toq-media") != 0) {
      s.failure = take_error();
    } else {
      // Loaders marked untrusted (svg, pdf, magick, matrix, csv, fits, ...) are refused by libvips
      // itself; the photo step adds its own allow-list on top (photo_loader.cpp).
      vips_block_untrusted_set(TRUE);
      vips_cache_set_max(0);
    }
  }
  if (!s.failure.empty()) {
    return core::fail(core::ErrorCode::kInternal, "libvips could not start: " + s.failure);
  }
  return {};
}

core::Status load_module(const Module& module) {
  if (module.name.empty()) return {};
  if (vips_type_find("VipsOperation", module.loader) != 0) return {};  // built in, or loaded
  const auto path = fmt::format("{}/vips-modules-{}.{}/{}.so", TOQ_VIPS_LIBDIR, VIPS_MAJOR_VERSION,
                                VIPS_MINOR_VERSION, module.name);
  // Never closed: the module's types stay registered for the life of the process, as vips_init's.
  if (g_module_open(path.c_str(), G_MODULE_BIND_LAZY) == nullptr) {
    return core::fail(
        core::ErrorCode::kInternal,
        fmt::format("libvips' module {} could not be loaded: {}", path, g_module_error()));
  }
  // The module's loaders are new classes: block the untrusted ones among them too.
  vips_block_untrusted_set(TRUE);
  return {};
}

}  // namespace

core::Status ensure_started(std::string_view sniffed_format) {
  auto& s = session();
  const std::scoped_lock lock(s.mutex);
  if (auto started = start(s); !started) return started;
  return load_module(module_for(sniffed_format));
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
