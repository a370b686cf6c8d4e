#pragma once
// The value parsers and checks of the configuration (internal to app/config): lists, integers,
// booleans, URLs, origins, content types, S3 names, key spellings and typo suggestions. The
// public ones (byte sizes, host:port) are declared in app/config.hpp.

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "support/text.hpp"

namespace toq::app::detail {

bool is_digit(char c);
bool is_lower_alnum(char c);
bool is_alnum(char c);

// "a, b,,c" -> {"a", "b", "c"}: items trimmed, empty ones dropped.
std::vector<std::string> split_list(std::string_view text);
std::string join(const std::vector<std::string>& items, std::string_view sep);

// A whole decimal integer of type T, surrounding white space allowed.
template <class T>
std::optional<T> parse_integer(std::string_view text) {
  text = support::trim(text);
  T value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

// true/yes/on/1 and false/no/off/0, any case.
std::optional<bool> parse_bool(std::string_view text);
// http(s)://something, no whitespace, query or fragment.
bool is_http_url(std::string_view s);
// scheme://host[:port] exactly as browsers send it in Origin, or "*".
bool is_origin(std::string_view s);
// RFC 6838 restricted names, lower case, no parameters: "image/jpeg".
bool is_content_type(std::string_view s);
// S3 bucket naming rules (also what S3-compatible stores accept).
bool is_bucket_name(std::string_view s);
bool is_region(std::string_view s);
// "PHOTO_VERTICAL" -> "photoVertical": config keys are camelCase.
std::string camel_case(std::string_view upper_snake);
// The closest candidate when it is close enough to be a plausible typo.
std::optional<std::string> nearest(std::string_view word, const std::vector<std::string>& pool);

}  // namespace toq::app::detail
