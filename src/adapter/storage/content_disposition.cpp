#include "adapter/storage/content_disposition.hpp"

#include "support/file_name.hpp"

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

}  // namespace

std::string content_disposition(std::string_view utf8_filename, bool inline_disposition) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string fallback;
  std::string extended;
  for (std::size_t i = 0; i < utf8_filename.size();) {
    const support::CodePoint cp = support::utf8_decode(utf8_filename, i);
    if (cp.value < 0x80) {
      const bool plain = cp.value >= 0x20 && cp.value < 0x7F && cp.value != '"' && cp.value != '\\';
      fallback.push_back(plain ? static_cast<char>(cp.value) : '_');
    } else if (cp.value >= 0xC0 && cp.value <= 0xFF) {
      fallback.push_back(kLatin1Fold[cp.value - 0xC0]);
    } else {
      // Any other character, and each byte of invalid UTF-8 (kInvalidCodePoint, 1 byte).
      fallback.push_back('_');
    }
    for (std::size_t k = 0; k < cp.length; ++k) {
      const auto b = static_cast<unsigned char>(utf8_filename[i + k]);
      if (is_attr_char(b)) {
        extended.push_back(static_cast<char>(b));
      } else {
        extended.push_back('%');
        extended.push_back(kHex[b >> 4U]);
        extended.push_back(kHex[b & 0x0FU]);
      }
    }
    i += cp.length;
  }
  std::string out = inline_disposition ? "inline" : "attachment";
  out += "; filename=\"" + fallback + "\"";
  if (fallback != utf8_filename) out += "; filename*=UTF-8''" + extended;
  return out;
}

}  // namespace toq::storage
