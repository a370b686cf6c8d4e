#include "adapter/media/photo/document_thumbnail.hpp"

#include <string_view>

#include <fmt/format.h>

#include "adapter/media/common/sniff.hpp"
#include "adapter/media/photo/rendition_writer.hpp"
#include "adapter/media/photo/vips_session.hpp"

namespace toq::media {
namespace {

constexpr int kThumbnailEdge = 320;
constexpr const char* kPdfLoader = "VipsForeignLoadPdf";  // the family: file, buffer, source
constexpr std::string_view kPdfFileLoader = "VipsForeignLoadPdfFile";

core::Error not_a_pdf(std::string_view format, std::string_view detail) {
  return core::make_error(
      core::ErrorCode::kUnsupportedFormat,
      fmt::format("the document's bytes are '{}', not a PDF: {}", format, detail),
      "The project document is not a PDF.", "Export the document as PDF and upload it again.");
}

// A PDF that does not open or render: CORRUPT_MEDIA in a document's words (the photo errors'
// text would tell the photographer to export a photo from the camera).
core::Error damaged(std::string_view what, std::string_view detail) {
  return core::make_error(
      core::ErrorCode::kCorruptMedia, fmt::format("{} could not be decoded: {}", what, detail),
      "The document is damaged or incomplete and could not be read as a PDF.",
      "Open it in a PDF reader to check it, then export or print it to PDF again and upload the "
      "new file.");
}

}  // namespace

core::Result<DocumentProbe> probe_document(const std::filesystem::path& pdf) {
  auto sniffed = sniff_file(pdf);
  if (!sniffed) return std::unexpected(sniffed.error());
  if (sniffed->format != "pdf") return std::unexpected(not_a_pdf(sniffed->format, "refused"));
  if (auto started = vips::ensure_started("pdf"); !started) return std::unexpected(started.error());
  const vips::LoaderUnblock unblock(kPdfLoader);  // see make_document_thumbnail
  VipsImage* header = nullptr;
  if (vips_pdfload(pdf.c_str(), &header, nullptr) != 0) {
    return std::unexpected(damaged("the document", vips::take_error()));
  }
  vips::Image page(header);
  DocumentProbe probe;
  probe.width = vips_image_get_width(page.get());
  probe.height = vips_image_get_page_height(page.get());
  probe.pages = vips_image_get_n_pages(page.get());
  // A page too large for libvips' int sizes (a MediaBox of kilometres) leaves the image at its
  // 1x1 default (GLib only warns): no real page is one point wide.
  if (probe.width <= 1 || probe.height <= 1) {
    return std::unexpected(
        damaged("the document", "page 1 has no usable size (its MediaBox is out of range)"));
  }
  return probe;
}

core::Result<std::vector<OutputFile>> make_document_thumbnail(
    const std::filesystem::path& pdf, const std::filesystem::path& out_dir) {
  auto sniffed = sniff_file(pdf);
  if (!sniffed) return std::unexpected(sniffed.error());
  if (sniffed->format != "pdf") return std::unexpected(not_a_pdf(sniffed->format, "refused"));
  if (auto started = vips::ensure_started("pdf"); !started) return std::unexpected(started.error());

  // libvips marks pdfload (poppler) untrusted, and ensure_started blocks every untrusted loader.
  // PDF is the one format this function exists for, so its loader family is unblocked here and
  // only for the duration of this call (the guard blocks it again); the photo path keeps refusing
  // PDFs. Unblocking is process-wide: the pipeline runs this through run_isolated, in a child
  // that does nothing else, which also contains a poppler crash or hang.
  const vips::LoaderUnblock unblock(kPdfLoader);
  const char* found = vips_foreign_find_load(pdf.c_str());
  if (found == nullptr) {
    return std::unexpected(damaged("the document", vips::take_error()));
  }
  if (std::string_view(found) != kPdfFileLoader) {
    return std::unexpected(not_a_pdf(sniffed->format, fmt::format("libvips chose {}", found)));
  }
  // Page 1 only (pdfload's default page=0, n=1), rendered at the scale that gives the size.
  VipsImage* out = nullptr;
  if (vips_thumbnail(pdf.c_str(), &out, kThumbnailEdge, "height", kThumbnailEdge, "size",
                     VIPS_SIZE_BOTH, "fail_on", VIPS_FAIL_ON_ERROR, nullptr) != 0) {
    return std::unexpected(damaged("the document's first page", vips::take_error()));
  }
  vips::Image page(out);
  auto srgb = to_srgb8(page.get());
  if (!srgb) return std::unexpected(srgb.error());
  auto memory = materialise(srgb->get(), "the document's first page");
  if (!memory) return std::unexpected(memory.error());
  // A PDF page is a sheet of paper: transparent areas are white in both formats.
  VipsImage* flat = nullptr;
  if (vips_image_hasalpha(memory->get()) != 0) {
    VipsArrayDouble* white = vips_array_double_newv(1, 255.0);
    const int rc = vips_flatten(memory->get(), &flat, "background", white, nullptr);
    vips_area_unref(VIPS_AREA(white));
    if (rc != 0) {
      return std::unexpected(damaged("the document's first page", vips::take_error()));
    }
    auto flat_memory = materialise(flat, "the document's first page");
    g_object_unref(flat);
    if (!flat_memory) return std::unexpected(flat_memory.error());
    memory = std::move(flat_memory);
  }
  return write_jpeg_and_webp(memory->get(), out_dir, "thumbnail");
}

}  // namespace toq::media
