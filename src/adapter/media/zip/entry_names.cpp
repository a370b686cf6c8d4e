#include "adapter/media/zip/entry_names.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include <fmt/core.h>

#include "support/text.hpp"

namespace toq::media {
namespace {

constexpr char32_t kInvalid = 0xFFFFFFFF;

// One decoded code point and how many bytes it took; kInvalid (1 byte) for anything that is not
// well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
struct CodePoint {
  char32_t value = kInvalid;
  std::size_t length = 1;
};

CodePoint decode(std::string_view s, std::size_t i) {
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

void append_utf8(std::string& out, char32_t cp) {
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

bool is_control(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

// Invisible characters that change how a name is displayed (bidi) or hide in it (zero width).
bool is_format(char32_t cp) {
  return cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

bool is_windows_forbidden(char32_t cp) {
  return cp == '<' || cp == '>' || cp == ':' || cp == '"' || cp == '|' || cp == '?' || cp == '*';
}

bool is_unicode_space(char32_t cp) {
  return cp == 0x00A0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

// Lowercase for ASCII, Latin-1 and Latin Extended-A (the letters of Portuguese and its
// neighbours); other code points unchanged.
char32_t to_lower(char32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
  if (cp == 0x130) return 'i';
  if (cp == 0x178) return 0xFF;
  if ((cp >= 0x100 && cp <= 0x12F) || (cp >= 0x132 && cp <= 0x137) ||
      (cp >= 0x14A && cp <= 0x177)) {
    return (cp % 2 == 0) ? cp + 1 : cp;
  }
  if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) {
    return (cp % 2 == 1) ? cp + 1 : cp;
  }
  return cp;
}

// The base letter(s) of a lowercase Latin-1 / Latin Extended-A letter; empty when it has none.
std::string_view fold_latin(char32_t cp) {
  // U+00DF..U+00FF
  static constexpr std::array<std::string_view, 33> kLatin1 = {
      "ss", "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i",  "i", "i",
      "d",  "n", "o", "o", "o", "o", "o", "",   "o", "u", "u", "u", "u", "y", "th", "y"};
  if (cp >= 0xDF && cp <= 0xFF) return kLatin1[cp - 0xDF];
  struct Range {
    char32_t first;
    char32_t last;
    std::string_view base;
  };
  static constexpr std::array<Range, 22> kExtendedA = {{
      {0x100, 0x105, "a"}, {0x106, 0x10D, "c"},  {0x10E, 0x111, "d"}, {0x112, 0x11B, "e"},
      {0x11C, 0x123, "g"}, {0x124, 0x127, "h"},  {0x128, 0x131, "i"}, {0x132, 0x133, "ij"},
      {0x134, 0x135, "j"}, {0x136, 0x138, "k"},  {0x139, 0x142, "l"}, {0x143, 0x14B, "n"},
      {0x14C, 0x151, "o"}, {0x152, 0x153, "oe"}, {0x154, 0x159, "r"}, {0x15A, 0x161, "s"},
      {0x162, 0x167, "t"}, {0x168, 0x173, "u"},  {0x174, 0x175, "w"}, {0x176, 0x178, "y"},
      {0x179, 0x17E, "z"}, {0x17F, 0x17F, "s"},
  }};
  for (const auto& r : kExtendedA) {
    if (cp >= r.first && cp <= r.last) return r.base;
  }
  return {};
}

bool is_windows_device(std::string_view segment) {
  std::string_view base = segment.substr(0, segment.find('.'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  static constexpr std::array<std::string_view, 6> kNames = {"CON", "PRN",    "AUX",
                                                             "NUL", "CONIN$", "CONOUT$"};
  for (const auto n : kNames) {
    if (support::iequals(base, n)) return true;
  }
  if (base.size() == 4 &&
      (support::iequals(base.substr(0, 3), "COM") || support::iequals(base.substr(0, 3), "LPT"))) {
    return base[3] >= '1' && base[3] <= '9';
  }
  return false;
}

// ".jpg" of "foto.jpg": from the last dot, when it is not the first byte and at most 16 bytes
// long (a longer tail is part of the name, not an extension).
std::size_t extension_start(std::string_view file) {
  const auto dot = file.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || file.size() - dot > 16) return file.size();
  return dot;
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

// `stem` cut so that stem + tail fits in kMaxEntrySegmentBytes, without trailing dots or spaces.
std::string bounded(std::string_view stem, std::string_view tail) {
  const std::size_t room =
      kMaxEntrySegmentBytes > tail.size() ? kMaxEntrySegmentBytes - tail.size() : 1;
  std::string out{cut_utf8(stem, room)};
  strip_trailing_dots_and_spaces(out);
  if (out.empty()) out = "_";
  return out + std::string{tail};
}

std::optional<std::string> sanitize_segment(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    const auto cp = decode(raw, i);
    i += cp.length;
    if (cp.value == kInvalid || is_control(cp.value) || is_windows_forbidden(cp.value)) {
      out.push_back('_');
    } else if (!is_format(cp.value)) {
      append_utf8(out, cp.value);
    }
  }
  const auto first = out.find_first_not_of(' ');
  out.erase(0, first == std::string::npos ? out.size() : first);
  strip_trailing_dots_and_spaces(out);
  if (out.empty()) return std::nullopt;  // also "." and ".."
  if (is_windows_device(out)) out.insert(0, "_");
  if (out.size() > kMaxEntrySegmentBytes) {
    const std::size_t ext = extension_start(out);
    out = bounded(std::string_view{out}.substr(0, ext), std::string_view{out}.substr(ext));
  }
  return out;
}

bool is_media_extension(std::string_view ext) {
  static constexpr std::array<std::string_view, 18> kKnown = {
      "jpg", "jpeg", "png", "heic", "heif", "webp", "tif", "tiff", "gif",
      "mp4", "mov",  "m4v", "avi",  "mkv",  "webm", "mpg", "pdf",  "avif"};
  return std::any_of(kKnown.begin(), kKnown.end(),
                     [&](std::string_view k) { return support::iequals(k, ext); });
}

}  // namespace

std::string sanitize_entry_name(std::string_view name) {
  // A drive letter, "C:" or "C:\": Windows would make the name absolute or drive-relative.
  if (name.size() >= 2 && name[1] == ':' &&
      ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'))) {
    name.remove_prefix(2);
  }
  std::string out;
  std::size_t start = 0;
  while (start <= name.size()) {
    // '/' and '\' bytes never occur inside a multi-byte UTF-8 sequence: splitting on them first is
    // safe even for invalid input.
    const auto end = name.find_first_of("/\\", start);
    const auto raw = name.substr(start, end == std::string_view::npos ? name.npos : end - start);
    if (auto segment = sanitize_segment(raw)) {
      if (!out.empty()) out.push_back('/');
      out += *segment;
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out.empty() ? std::string{kFallbackEntryName} : out;
}

std::string entry_name(std::string_view group, int sequence, std::string_view title_or_filename,
                       std::string_view extension) {
  std::string_view title = title_or_filename;
  if (const auto dot = title.rfind('.'); dot != std::string_view::npos && dot > 0) {
    const auto ext = title.substr(dot + 1);
    std::string_view wanted = extension;
    while (!wanted.empty() && wanted.front() == '.') wanted.remove_prefix(1);
    if (is_media_extension(ext) || support::iequals(ext, wanted)) title = title.substr(0, dot);
  }

  std::string slug;
  const auto separator = [&] {
    if (!slug.empty() && slug.back() != '-') slug.push_back('-');
  };
  for (std::size_t i = 0; i < title.size();) {
    const auto cp = decode(title, i);
    i += cp.length;
    const char32_t c = cp.value;
    if (c == kInvalid || is_format(c)) continue;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) {
      slug.push_back(static_cast<char>(to_lower(c)));
    } else if (c < 0x80 || is_control(c) || is_unicode_space(c)) {
      separator();
    } else {
      append_utf8(slug, to_lower(c));
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();

  std::string ext;
  for (const char ch : extension) {
    if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) ext.push_back(ch);
    if (ch >= 'A' && ch <= 'Z') ext.push_back(static_cast<char>(ch + 32));
  }

  std::string file = fmt::format("{:02d}", std::max(sequence, 0));
  if (!slug.empty()) file += "-" + slug;
  if (!ext.empty()) file += "." + ext;
  const std::string folder = group.empty() ? std::string{} : sanitize_entry_name(group) + "/";
  return sanitize_entry_name(folder + file);
}

std::string entry_name_fold(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size();) {
    const auto cp = decode(name, i);
    i += cp.length;
    if (cp.value == kInvalid) {
      out.push_back('_');
      continue;
    }
    if (cp.value >= 0x300 && cp.value <= 0x36F) continue;  // combining accents
    const char32_t lower = to_lower(cp.value);
    if (const auto base = fold_latin(lower); !base.empty()) {
      out += base;
    } else if (lower >= 0x80) {
      append_utf8(out, lower);
    } else {
      out.push_back(static_cast<char>(lower));
    }
  }
  return out;
}

std::string EntryNamer::unique(std::string name) {
  if (taken_.insert(entry_name_fold(name)).second) return name;
  const auto slash = name.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string{} : name.substr(0, slash + 1);
  const std::string_view file = std::string_view{name}.substr(dir.size());
  const std::size_t ext = extension_start(file);
  for (int n = 2;; ++n) {
    const std::string tail = fmt::format("-{}{}", n, file.substr(ext));
    std::string candidate = dir + bounded(file.substr(0, ext), tail);
    if (taken_.insert(entry_name_fold(candidate)).second) return candidate;
  }
}

}  // namespace toq::media
