#include "adapter/storage/content_disposition.hpp"

#include <array>

namespace toq::storage {
namespace {

// Base letters of U+00C0..U+00FF; '_' where there is none (×, ÷, Æ, ß, ...).
constexpr std::string_view kLatin1Fold =
    "AAAAAA_CEEEEIIII"   // C0-CF
    "DNOOOOO_OUUUUY__"   // D0-DF
    "aaaaaa_ceeeeiiii"   // E0-EF
    "dnooooo_ouuuuy_y";  // F0-FF

// RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" /
// "|" / "~"; everything else is percent-encoded.
bool is_attr_char(unsigned char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  constexpr std::string_view kExtra = "!#$&+-.^_`|~";
  return kExtra.find(static_cast<char>(c)) != std::string_view::npos;
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  std::size_t n = 0;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4;
  else
    return 0;
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0U) != 0x80U) return 0;
  }
  return n;
}

}  // namespace

std::string content_disposition(std::string_view utf8_filename, bool inline_disposition) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string fallback;
  std::string extended;
  for (std::size_t i = 0; i < utf8_filename.size();) {
    const auto c = static_cast<unsigned char>(utf8_filename[i]);
    const std::size_t n = utf8_length(utf8_filename, i);
    if (n == 1) {
      const bool plain = c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
      fallback.push_back(plain ? static_cast<char>(c) : '_');
    } else if (n == 2 && (c == 0xC3)) {
      // U+00C0..U+00FF: two bytes, C3 80..C3 BF.
      const auto low = static_cast<unsigned char>(utf8_filename[i + 1]);
      fallback.push_back(kLatin1Fold[static_cast<std::size_t>(low - 0x80U)]);
    } else {
      fallback.push_back('_');
    }
    const std::size_t take = n == 0 ? 1 : n;
    for (std::size_t k = 0; k < take; ++k) {
      const auto b = static_cast<unsigned char>(utf8_filename[i + k]);
      if (is_attr_char(b)) {
        extended.push_back(static_cast<char>(b));
      } else {
        extended.push_back('%');
        extended.push_back(kHex[b >> 4U]);
        extended.push_back(kHex[b & 0x0FU]);
      }
    }
    i += take;
  }
  std::string out = inline_disposition ? "inline" : "attachment";
  out += "; filename=\"" + fallback + "\"";
  if (fallback != utf8_filename) out += "; filename*=UTF-8''" + extended;
  return out;
}

}  // namespace toq::storage
