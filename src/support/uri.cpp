#include "support/uri.hpp"

#include <algorithm>
#include <cstdint>

#include "support/hex.hpp"

namespace toq::support {

namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string uri_encode(std::string_view bytes, Slash slash) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  // One pass straight into the string's buffer (keys and query values are encoded for every
  // presigned URL): at most three bytes per input byte, trimmed to what was written.
  std::string out;
  out.resize_and_overwrite(bytes.size() * 3, [&](char* buffer, std::size_t) {
    char* at = buffer;
    for (const char ch : bytes) {
      const auto c = static_cast<unsigned char>(ch);
      if (is_unreserved(c) || (c == '/' && slash == Slash::kKeep)) {
        *at++ = ch;
      } else {
        *at++ = '%';
        *at++ = kHex[c >> 4U];
        *at++ = kHex[c & 0x0FU];
      }
    }
    return static_cast<std::size_t>(at - buffer);
  });
  return out;
}

std::string uri_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(static_cast<std::uint8_t>(hi * 16 + lo)));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string normalize_path(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  if (path.front() == '/') out.push_back('/');
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i != 0) out.push_back('/');
    out.append(segments[i]);
  }
  if (path.back() == '/' && !segments.empty()) out.push_back('/');
  if (out.empty()) out.push_back('/');  // not `= "/"`: GCC 12 -O2 -Wrestrict false positive
  return out;
}

Params parse_query(std::string_view raw_query) {
  Params params;
  std::size_t start = 0;
  while (start <= raw_query.size()) {
    const std::size_t end = std::min(raw_query.find('&', start), raw_query.size());
    const std::string_view piece = raw_query.substr(start, end - start);
    if (!piece.empty()) {
      const std::size_t eq = piece.find('=');
      if (eq == std::string_view::npos) {
        params.emplace_back(uri_decode(piece), std::string{});
      } else {
        params.emplace_back(uri_decode(piece.substr(0, eq)), uri_decode(piece.substr(eq + 1)));
      }
    }
    start = end + 1;
  }
  return params;
}

}  // namespace toq::support
