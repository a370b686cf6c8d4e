#include "app/config/config_values.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include <fmt/format.h>

#include "app/config.hpp"

namespace toq::app {

namespace detail {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || is_digit(c);
}
bool is_alnum(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  while (true) {
    const auto comma = text.find(',');
    const auto item = support::trim(text.substr(0, comma));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

std::optional<bool> parse_bool(std::string_view text) {
  const auto t = support::to_lower(support::trim(text));
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  return std::nullopt;
}

// http(s)://something, no whitespace, query or fragment.
bool is_http_url(std::string_view s) {
  std::string_view rest;
  if (s.starts_with("http://")) {
    rest = s.substr(7);
  } else if (s.starts_with("https://")) {
    rest = s.substr(8);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == '/') return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '?' || c == '#';
  });
}

// scheme://host[:port] exactly as browsers send it in Origin, or "*".
bool is_origin(std::string_view s) {
  if (s == "*") return true;
  if (!is_http_url(s)) return false;
  const auto host = s.substr(s.find("://") + 3);
  if (host.find('/') != std::string_view::npos) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return is_lower_alnum(c) || c == '-' || c == '.' || c == ':' || c == '[' || c == ']';
  });
}

// RFC 6838 restricted names, lower case, no parameters: "image/jpeg".
bool is_content_type(std::string_view s) {
  const auto slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  const auto valid_name = [](std::string_view name) {
    if (name.empty() || name.size() > 127 || !is_lower_alnum(name.front())) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
      return is_lower_alnum(c) || std::string_view("!#$&^_.+-").find(c) != std::string_view::npos;
    });
  };
  return valid_name(s.substr(0, slash)) && valid_name(s.substr(slash + 1));
}

// S3 bucket naming rules (also what S3-compatible stores accept).
bool is_bucket_name(std::string_view s) {
  if (s.size() < 3 || s.size() > 63) return false;
  if (!is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_lower_alnum(c) || c == '-' || c == '.'; });
}

bool is_region(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return is_alnum(c) || c == '-' || c == '_'; });
}

// "PHOTO_VERTICAL" -> "photoVertical": config keys are camelCase.
std::string camel_case(std::string_view upper_snake) {
  std::string out;
  bool upper_next = false;
  for (char c : upper_snake) {
    if (c == '_') {
      upper_next = true;
      continue;
    }
    const char l = support::ascii_lower(c);
    out += (upper_next && l >= 'a' && l <= 'z') ? static_cast<char>(l - 'a' + 'A') : l;
    upper_next = false;
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t cost =
          support::ascii_lower(a[i - 1]) == support::ascii_lower(b[j - 1]) ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The closest candidate when it is close enough to be a plausible typo.
std::optional<std::string> nearest(std::string_view word, const std::vector<std::string>& pool) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(3, word.size() / 4) + 1;
  for (const auto& candidate : pool) {
    const auto d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

}  // namespace detail

using detail::is_alnum;
using detail::is_digit;
using detail::parse_integer;

std::optional<std::int64_t> parse_byte_size(std::string_view text) {
  text = support::trim(text);
  std::size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits])) ++digits;
  if (digits == 0) return std::nullopt;
  const auto number = parse_integer<std::int64_t>(text.substr(0, digits));
  if (!number) return std::nullopt;
  const auto unit = support::to_lower(support::trim(text.substr(digits)));
  static constexpr std::array<std::pair<std::string_view, std::int64_t>, 10> kUnits = {{
      {"", 1},
      {"b", 1},
      {"kib", kKiB},
      {"mib", kMiB},
      {"gib", kGiB},
      {"tib", kTiB},
      {"kb", 1000},
      {"mb", 1000 * 1000},
      {"gb", 1000 * 1000 * 1000},
      {"tb", std::int64_t{1000} * 1000 * 1000 * 1000},
  }};
  for (const auto& [name, factor] : kUnits) {
    if (name != unit) continue;
    if (*number > std::numeric_limits<std::int64_t>::max() / factor) return std::nullopt;
    return *number * factor;
  }
  return std::nullopt;
}

std::string format_byte_size(std::int64_t bytes) {
  static constexpr std::array<std::pair<std::string_view, std::int64_t>, 4> kUnits = {
      {{"TiB", kTiB}, {"GiB", kGiB}, {"MiB", kMiB}, {"KiB", kKiB}}};
  if (bytes > 0) {
    for (const auto& [name, factor] : kUnits) {
      if (bytes % factor == 0) return fmt::format("{}{}", bytes / factor, name);
    }
  }
  return std::to_string(bytes);
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    const bool v6 = std::all_of(host.begin(), host.end(), [](char c) {
      return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
             c == '.';
    });
    if (!v6 || host.find(':') == std::string_view::npos) return std::nullopt;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    const bool name = std::all_of(host.begin(), host.end(), [](char c) {
      return is_alnum(c) || c == '-' || c == '.' || c == '_';
    });
    if (!name) return std::nullopt;
  }
  if (host.empty() || port.empty() || !std::all_of(port.begin(), port.end(), is_digit)) {
    return std::nullopt;
  }
  const auto number = parse_integer<int>(port);
  if (!number || *number < 1 || *number > 65535) return std::nullopt;
  return HostPort{std::string(host), static_cast<std::uint16_t>(*number)};
}

}  // namespace toq::app
