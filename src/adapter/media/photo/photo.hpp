#pragma once
// The photo module in one include: probe, renditions, document thumbnail (libvips). Every function
// starts libvips lazily in the calling process; call them through run_isolated (isolated.hpp).

#include "adapter/media/photo/document_thumbnail.hpp"  // IWYU pragma: export
#include "adapter/media/photo/photo_limits.hpp"        // IWYU pragma: export
#include "adapter/media/photo/photo_probe.hpp"         // IWYU pragma: export
#include "adapter/media/photo/photo_renditions.hpp"    // IWYU pragma: export
