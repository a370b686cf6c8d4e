#pragma once
// ASCII text helpers the whole code base shares: lower-casing, case-insensitive comparison and
// trimming. ASCII only, on purpose: what they compare (HTTP header names, config keys, hex,
// content types) is ASCII, and a locale must never change what it means. Bytes >= 0x80 pass
// through unchanged.

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace toq::support {

// The C locale's white space.
inline constexpr std::string_view kAsciiWhitespace = " \t\n\v\f\r";
// RFC 9110's optional white space (OWS): around HTTP header values and list items.
inline constexpr std::string_view kHttpWhitespace = " \t";

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_lower(std::string_view text);

// Equal ignoring ASCII case: "Content-Type" and "content-type".
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view prefix);

// `text` without the leading and trailing characters found in `chars`.
std::string_view trim(std::string_view text, std::string_view chars = kAsciiWhitespace);
std::string_view trim_start(std::string_view text, std::string_view chars = kAsciiWhitespace);

// A non-negative decimal made of ASCII digits only (no sign, no space, no "0x"); nullopt for
// anything else, the empty string and a value that does not fit `Int` included.
template <class Int>
std::optional<Int> parse_decimal(std::string_view text) {
  if (text.empty() || !std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  Int value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace toq::support
