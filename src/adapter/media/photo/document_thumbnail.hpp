#pragma once
// The thumbnail of a project document (PROJECT_DOC, a PDF): page 1 rendered to 320 px on the long
// edge, as JPEG and WebP. Initialises libvips lazily; call it through run_isolated.

#include <filesystem>
#include <vector>

#include "core/model/error.hpp"

#include "adapter/media/common/output_file.hpp"

namespace toq::media {

// Returns `thumbnail.jpg` then `thumbnail.webp` in out_dir: page 1 only, scaled (up or down, the
// page is vector) to 320 px on its long edge, on white, sRGB, no metadata.
// UNSUPPORTED_FORMAT when the bytes are not a PDF, CORRUPT_MEDIA when poppler cannot render page 1,
// STORAGE_ERROR when out_dir cannot be written.
core::Result<std::vector<OutputFile>> make_document_thumbnail(const std::filesystem::path& pdf,
                                                              const std::filesystem::path& out_dir);

// A PDF's first page size in points (1/72 inch, as pdfload reads it at 72 dpi) and its page count.
struct DocumentProbe {
  int width = 0;
  int height = 0;
  int pages = 0;
};
// UNSUPPORTED_FORMAT when the bytes are not a PDF, CORRUPT_MEDIA when poppler cannot open it.
core::Result<DocumentProbe> probe_document(const std::filesystem::path& pdf);

}  // namespace toq::media
