#include "adapter/media/zip/entry_names.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include <fmt/core.h>

#include "support/file_name.hpp"
#include "support/text.hpp"

namespace toq::media {
namespace {

using support::kInvalidCodePoint;
using support::utf8_append;
using support::utf8_decode;

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
    if (auto segment = support::clean_file_name(raw)) {
      if (!out.empty()) out.push_back('/');
      out += *segment;
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out.empty() ? std::string{support::kFallbackFileName} : out;
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
    const auto cp = utf8_decode(title, i);
    i += cp.length;
    const char32_t c = cp.value;
    if (c == kInvalidCodePoint || support::is_invisible_format(c)) continue;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) {
      slug.push_back(static_cast<char>(to_lower(c)));
    } else if (c < 0x80 || support::is_control_character(c) || is_unicode_space(c)) {
      separator();
    } else {
      utf8_append(slug, to_lower(c));
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
    const auto cp = utf8_decode(name, i);
    i += cp.length;
    if (cp.value == kInvalidCodePoint) {
      out.push_back('_');
      continue;
    }
    if (cp.value >= 0x300 && cp.value <= 0x36F) continue;  // combining accents
    const char32_t lower = to_lower(cp.value);
    if (const auto base = fold_latin(lower); !base.empty()) {
      out += base;
    } else if (lower >= 0x80) {
      utf8_append(out, lower);
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
  const std::size_t ext = support::file_extension_start(file);
  for (int n = 2;; ++n) {
    const std::string tail = fmt::format("-{}{}", n, file.substr(ext));
    std::string candidate = dir + support::fit_file_name(file.substr(0, ext), tail);
    if (taken_.insert(entry_name_fold(candidate)).second) return candidate;
  }
}

}  // namespace toq::media
