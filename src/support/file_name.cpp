#include "support/file_name.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "support/text.hpp"

namespace toq::support {
namespace {

bool is_windows_forbidden(char32_t cp) {
  return cp == '<' || cp == '>' || cp == ':' || cp == '"' || cp == '|' || cp == '?' || cp == '*' ||
         cp == '/' || cp == '\\';
}

bool is_windows_device(std::string_view segment) {
  std::string_view base = segment.substr(0, segment.find('.'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  static constexpr std::array<std::string_view, 6> kNames = {"CON", "PRN",    "AUX",
                                                             "NUL", "CONIN$", "CONOUT$"};
  for (const auto n : kNames) {
    if (iequals(base, n)) return true;
  }
  if (base.size() == 4 &&
      (iequals(base.substr(0, 3), "COM") || iequals(base.substr(0, 3), "LPT"))) {
    return base[3] >= '1' && base[3] <= '9';
  }
  return false;
}

// The longest prefix of `s` of at most `max` bytes that ends on a code point boundary.
std::string_view cut_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0U) == 0x80U) --end;
  return s.substr(0, end);
}

void strip_trailing_dots_and_spaces(std::string& s) {
  while (!s.empty() && (s.back() == '.' || s.back() == ' ')) s.pop_back();
}

}  // namespace

CodePoint utf8_decode(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return {b0, 1};
  std::size_t length = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
    cp = b0 & 0x1FU;
    min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    cp = b0 & 0x0FU;
    min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    cp = b0 & 0x07U;
    min = 0x10000;
  } else {
    return {};
  }
  if (i + length > s.size()) return {};
  for (std::size_t k = 1; k < length; ++k) {
    const unsigned char b = byte(i + k);
    if ((b & 0xC0U) != 0x80U) return {};
    cp = (cp << 6U) | (b & 0x3FU);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) {
    return {};
  }
  return {cp, length};
}

void utf8_append(std::string& out, char32_t cp) {
  const auto put = [&](std::uint32_t v) { out.push_back(static_cast<char>(v)); };
  const auto c = static_cast<std::uint32_t>(cp);
  if (c < 0x80) {
    put(c);
  } else if (c < 0x800) {
    put(0xC0U | (c >> 6U));
    put(0x80U | (c & 0x3FU));
  } else if (c < 0x10000) {
    put(0xE0U | (c >> 12U));
    put(0x80U | ((c >> 6U) & 0x3FU));
    put(0x80U | (c & 0x3FU));
  } else {
    put(0xF0U | (c >> 18U));
    put(0x80U | ((c >> 12U) & 0x3FU));
    put(0x80U | ((c >> 6U) & 0x3FU));
    put(0x80U | (c & 0x3FU));
  }
}

bool is_control_character(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

bool is_invisible_format(char32_t cp) {
  return cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

std::size_t file_extension_start(std::string_view file) {
  const auto dot = file.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || file.size() - dot > 16) return file.size();
  return dot;
}

std::string fit_file_name(std::string_view stem, std::string_view tail) {
  const std::size_t room = kMaxFileNameBytes > tail.size() ? kMaxFileNameBytes - tail.size() : 1;
  std::string out{cut_utf8(stem, room)};
  strip_trailing_dots_and_spaces(out);
  if (out.empty()) out = "_";
  return out + std::string{tail};
}

std::optional<std::string> clean_file_name(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    const auto cp = utf8_decode(raw, i);
    i += cp.length;
    if (cp.value == kInvalidCodePoint || is_control_character(cp.value) ||
        is_windows_forbidden(cp.value)) {
      out.push_back('_');
    } else if (!is_invisible_format(cp.value)) {
      utf8_append(out, cp.value);
    }
  }
  const auto first = out.find_first_not_of(' ');
  out.erase(0, first == std::string::npos ? out.size() : first);
  strip_trailing_dots_and_spaces(out);
  if (out.empty()) return std::nullopt;  // also "." and ".."
  if (is_windows_device(out)) out.insert(0, "_");
  if (out.size() > kMaxFileNameBytes) {
    const std::size_t ext = file_extension_start(out);
    out = fit_file_name(std::string_view{out}.substr(0, ext), std::string_view{out}.substr(ext));
  }
  return out;
}

std::string sanitize_file_name(std::string_view name) {
  auto clean = clean_file_name(name);
  return clean ? std::move(*clean) : std::string{kFallbackFileName};
}

}  // namespace toq::support
