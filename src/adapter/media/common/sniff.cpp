#include "adapter/media/common/sniff.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "adapter/media/common/byte_order.hpp"
#include "support/text.hpp"
#include "support/unique_fd.hpp"

namespace toq::media {
namespace {

using Bytes = std::span<const std::byte>;

Sniffed image(std::string format) {
  return {std::move(format), MediaClass::kImage, ""};
}
Sniffed video(std::string format, std::string demuxer) {
  return {std::move(format), MediaClass::kVideo, std::move(demuxer)};
}
Sniffed other(std::string format) {
  return {std::move(format), MediaClass::kUnknown, ""};
}

unsigned char at(Bytes b, std::size_t i) {
  return std::to_integer<unsigned char>(b[i]);
}

// True when `text` occurs at `offset`.
bool has(Bytes b, std::size_t offset, std::string_view text) {
  if (offset + text.size() > b.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (at(b, offset + i) != static_cast<unsigned char>(text[i])) return false;
  }
  return true;
}

bool has_bytes(Bytes b, std::size_t offset, std::initializer_list<unsigned char> bytes) {
  if (offset + bytes.size() > b.size()) return false;
  std::size_t i = offset;
  for (const unsigned char c : bytes) {
    if (at(b, i++) != c) return false;
  }
  return true;
}

std::string_view as_text(Bytes b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};  // NOLINT: byte view as chars
}

// ISO base media (MP4, MOV, HEIF, AVIF): the `ftyp` box names a major brand and compatible brands.
std::optional<Sniffed> sniff_iso_bmff(Bytes b) {
  if (!has(b, 4, "ftyp") || b.size() < 12) return std::nullopt;
  const std::size_t box_size = std::min<std::size_t>(be32(b, 0), b.size());
  std::vector<std::string_view> brands{as_text(b).substr(8, 4)};
  for (std::size_t off = 16; off + 4 <= box_size; off += 4)
    brands.push_back(as_text(b).substr(off, 4));
  const auto any_of = [&](std::initializer_list<std::string_view> wanted) {
    return std::ranges::any_of(brands, [&](std::string_view brand) {
      return std::ranges::find(wanted, brand) != wanted.end();
    });
  };
  const std::string_view major = brands.front();
  // An AVIF or HEIF still image may also list video-ish brands; the image brands decide first.
  if (major == "avif" || major == "avis") return image("avif");
  if (major == "heic" || major == "heix" || major == "hevc" || major == "hevx" || major == "heim" ||
      major == "heis" || major == "hevm" || major == "hevs") {
    return image("heif");
  }
  if (major == "mif1" || major == "msf1" || major == "mif2") {
    return image(any_of({"avif", "avis"}) ? "avif" : "heif");
  }
  if (major == "qt  ") return video("mov", "mov");
  if (any_of({"isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42",
              "mp71", "avc1", "M4V ", "M4VH", "M4VP", "3gp4", "3gp5", "3gp6",
              "3g2a", "dash", "MSNV", "f4v ", "XAVC", "mmp4", "qt  "})) {
    return video("mp4", "mov");
  }
  return other("unknown");  // audio-only (M4A), camera raw (CR3), ...
}

// QuickTime files written without an `ftyp` box start straight with a top-level atom.
bool is_bare_quicktime(Bytes b) {
  for (const std::string_view atom : {"moov", "mdat", "wide", "free", "skip", "pnot"}) {
    if (has(b, 4, atom)) return true;
  }
  return false;
}

// EBML: Matroska, or WebM when the DocType element (ID 0x4282) says so.
Sniffed sniff_ebml(Bytes b) {
  const std::string_view text = as_text(b);
  const std::size_t doctype = text.find("\x42\x82", 4);
  if (doctype != std::string_view::npos && doctype + 3 <= text.size()) {
    if (text.substr(doctype + 3, 4) == "webm") return video("webm", "matroska");
  }
  return video("matroska", "matroska");
}

// Transport stream: 188-byte packets (or 192 with a timestamp prefix, M2TS) each with sync 0x47.
bool is_mpegts(Bytes b, std::size_t first, std::size_t stride) {
  int packets = 0;
  for (std::size_t off = first; off < b.size() && packets < 4; off += stride) {
    if (at(b, off) != 0x47) return false;
    ++packets;
  }
  return packets >= 2;
}

// Skips a UTF-8 byte-order mark and leading white space (XML's: space, tab, CR, LF).
std::string_view skip_bom_and_space(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  return support::trim_start(text, " \t\r\n");
}

// Text: valid UTF-8 without control characters other than white space. A multi-byte sequence cut
// off by the end of a full head still counts (the file goes on).
bool is_text(std::string_view text, bool head_is_full) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') ||
          c == 0x7F) {
        return false;
      }
      ++i;
      continue;
    }
    std::size_t length = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
    } else {
      return false;
    }
    for (std::size_t k = 1; k < length; ++k) {
      if (i + k >= text.size()) return head_is_full;
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0U) != 0x80U) return false;
    }
    i += length;
  }
  return true;
}

bool is_svg(std::string_view text) {
  const std::string_view start = skip_bom_and_space(text);
  if (!support::istarts_with(start, "<?xml") && !support::istarts_with(start, "<svg") &&
      !support::istarts_with(start, "<!--") && !support::istarts_with(start, "<!doctype svg")) {
    return false;
  }
  return text.find("<svg") != std::string_view::npos || text.find("<SVG") != std::string_view::npos;
}

// A PDF header: "%PDF-" in the first 1024 bytes, as PDF readers accept it, with nothing before it
// but a BOM and white space, or bytes that are not text (the binary wrapper some senders put in
// front of the file, such as MacBinary's 128 bytes). Text before it (an SVG, an HTML page, a note
// that quotes "%PDF-1.7") makes the file that text, not a damaged PDF.
bool is_pdf(std::string_view text) {
  const std::size_t header = text.find("%PDF-");
  if (header == std::string_view::npos || header >= 1024) return false;
  const std::string_view before = text.substr(0, header);
  return skip_bom_and_space(before).empty() || !is_text(before, false);
}

}  // namespace

Sniffed sniff(std::span<const std::byte> head) {
  const Bytes b = head.subspan(0, std::min(head.size(), kSniffHeadBytes));
  if (b.empty()) return other("empty");

  if (has_bytes(b, 0, {0xFF, 0xD8, 0xFF})) return image("jpeg");
  if (has_bytes(b, 0, {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})) return image("png");
  if (has(b, 0, "GIF87a") || has(b, 0, "GIF89a")) return image("gif");
  if (has(b, 0, "RIFF") && has(b, 8, "WEBP")) return image("webp");
  if (has(b, 0, "RIFF") && has(b, 8, "AVI ")) return video("avi", "avi");
  if (has_bytes(b, 0, {'I', 'I', 0x2A, 0x00}) || has_bytes(b, 0, {'M', 'M', 0x00, 0x2A}) ||
      has_bytes(b, 0, {'I', 'I', 0x2B, 0x00}) || has_bytes(b, 0, {'M', 'M', 0x00, 0x2B})) {
    return image("tiff");
  }
  if (auto iso = sniff_iso_bmff(b)) return *iso;
  if (is_bare_quicktime(b)) return video("mov", "mov");
  if (has_bytes(b, 0, {0x1A, 0x45, 0xDF, 0xA3})) return sniff_ebml(b);
  if (has_bytes(b, 0, {0x00, 0x00, 0x01, 0xBA})) return video("mpegps", "mpeg");
  if (is_mpegts(b, 0, 188) || is_mpegts(b, 4, 192)) return video("mpegts", "mpegts");

  const std::string_view text = as_text(b);
  if (is_pdf(text)) return {"pdf", MediaClass::kDocument, ""};
  if (is_text(text, b.size() == kSniffHeadBytes)) {
    if (skip_bom_and_space(text).starts_with("#EXTM3U")) return other("hls");
    if (is_svg(text)) return image("svg");
    return other("text");
  }
  return other("unknown");
}

core::Result<Sniffed> sniff_file(const std::filesystem::path& path) {
  const support::UniqueFd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  const int fd = file.get();
  if (fd < 0) {
    const int err = errno;
    return core::fail(
        core::ErrorCode::kStorageError,
        fmt::format("cannot open {} for sniffing: {}", path.string(), std::strerror(err)));
  }
  std::array<std::byte, kSniffHeadBytes> head{};
  std::size_t got = 0;
  int read_errno = 0;
  while (got < head.size()) {
    const ssize_t n = ::read(fd, head.data() + got, head.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      read_errno = errno;
      break;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (read_errno != 0) {
    return core::fail(
        core::ErrorCode::kStorageError,
        fmt::format("cannot read {} for sniffing: {}", path.string(), std::strerror(read_errno)));
  }
  return sniff(std::span<const std::byte>(head.data(), got));
}

}  // namespace toq::media
