#pragma once
// How the key table's entries are made (internal to app/config): one builder per kind of value
// (string, secret, path, integer, bytes, bool, enum, list), each giving a KeySpec that parses,
// prints and checks the value through an accessor of Config. config_keys.cpp and aws_keys.cpp
// build the table with them.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "app/config/config_keys.hpp"
#include "app/config/config_values.hpp"
#include "support/text.hpp"

namespace toq::app::detail {

template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

template <class E, std::size_t N>
std::string_view enum_name(const std::array<EnumName<E>, N>& names, E value) {
  for (const auto& n : names) {
    if (n.value == value) return n.name;
  }
  return "unknown";
}

// Access to a map entry from a generic accessor lambda, for const and non-const configs alike.
template <class Map>
auto& map_entry(Map& map, const typename std::remove_const_t<Map>::key_type& key) {
  if constexpr (std::is_const_v<Map>) {
    static const typename std::remove_const_t<Map>::mapped_type kEmpty{};
    const auto it = map.find(key);
    return it == map.end() ? kEmpty : it->second;
  } else {
    return map[key];
  }
}

template <class T, class Access>
KeySpec scalar_key(std::string path, Kind kind, Access access, std::string expected,
                   std::string example, std::function<std::optional<T>(std::string_view)> parse,
                   std::function<std::string(const T&)> print,
                   std::function<bool(const T&)> check = {}) {
  KeySpec spec;
  spec.path = std::move(path);
  spec.kind = kind;
  spec.expected = std::move(expected);
  spec.example = std::move(example);
  spec.set = [access, parse](Config& config, const RawValue& raw) {
    const auto* text = std::get_if<std::string>(&raw);
    if (text == nullptr) return false;
    auto value = parse(*text);
    if (!value) return false;
    access(config) = std::move(*value);
    return true;
  };
  spec.get = [access, print](const Config& config) -> RawValue { return print(access(config)); };
  spec.valid = [access, check](const Config& config) { return !check || check(access(config)); };
  return spec;
}

template <class Access>
KeySpec string_key(std::string path, Access access, std::string example,
                   std::function<bool(const std::string&)> check = {},
                   std::string expected = "expected a string",
                   std::function<std::string(std::string_view)> normalize = {}) {
  return scalar_key<std::string>(
      std::move(path), Kind::kString, access, std::move(expected), std::move(example),
      [normalize](std::string_view text) -> std::optional<std::string> {
        return normalize ? normalize(text) : std::string(text);
      },
      [](const std::string& v) { return v; }, std::move(check));
}

template <class Access>
KeySpec secret_key(std::string path, Access access, std::string example,
                   std::function<bool(const std::string&)> check = {},
                   std::string expected = "expected a string") {
  auto spec = string_key(std::move(path), access, std::move(example), std::move(check),
                         std::move(expected));
  spec.secret = true;
  return spec;
}

template <class Access>
KeySpec path_key(std::string path, Access access, std::string example, bool required) {
  return scalar_key<std::filesystem::path>(
      std::move(path), Kind::kString, access,
      required ? "expected a non-empty path" : "expected a path", std::move(example),
      [](std::string_view text) -> std::optional<std::filesystem::path> {
        return std::filesystem::path(support::trim(text));
      },
      [](const std::filesystem::path& p) { return p.string(); },
      [required](const std::filesystem::path& p) { return !required || !p.empty(); });
}

template <class T, class Access>
KeySpec int_key(std::string path, Access access, T min, T max, std::string_view unit,
                std::string example, std::string_view note = {}) {
  return scalar_key<T>(
      std::move(path), Kind::kNumber, access,
      fmt::format("expected an integer from {} to {}{}{}", min, max, unit, note),
      std::move(example), [](std::string_view text) { return parse_integer<T>(text); },
      [](const T& v) { return std::to_string(v); },
      [min, max](const T& v) { return v >= min && v <= max; });
}

template <class Access>
KeySpec bytes_key(std::string path, Access access, std::int64_t min, std::int64_t max,
                  std::string example) {
  auto expected = min == 1 ? fmt::format("expected a positive integer number of bytes, at most {}",
                                         format_byte_size(max))
                           : fmt::format("expected a number of bytes from {} to {}",
                                         format_byte_size(min), format_byte_size(max));
  expected += " (suffixes KiB, MiB, GiB, TiB allowed, e.g. 64MiB)";
  return scalar_key<std::int64_t>(
      std::move(path), Kind::kNumber, access, std::move(expected), std::move(example),
      [](std::string_view text) { return parse_byte_size(text); },
      [](const std::int64_t& v) { return format_byte_size(v); },
      [min, max](const std::int64_t& v) { return v >= min && v <= max; });
}

template <class Access>
KeySpec bool_key(std::string path, Access access, std::string example) {
  return scalar_key<bool>(
      std::move(path), Kind::kBool, access, "expected true or false", std::move(example),
      [](std::string_view text) { return parse_bool(text); },
      [](const bool& v) { return std::string(v ? "true" : "false"); });
}

template <class E, std::size_t N, class Access>
KeySpec enum_key(std::string path, Access access, const std::array<EnumName<E>, N>& names,
                 std::string example) {
  std::vector<std::string> spelled;
  for (const auto& n : names) spelled.emplace_back(n.name);
  return scalar_key<E>(
      std::move(path), Kind::kString, access,
      fmt::format("expected one of: {}", join(spelled, ", ")), std::move(example),
      [&names](std::string_view text) -> std::optional<E> {
        auto t = support::to_lower(support::trim(text));
        if (t == "warning") t = "warn";  // spdlog's and syslog's spelling
        for (const auto& n : names) {
          if (n.name == t) return n.value;
        }
        return std::nullopt;
      },
      [&names](const E& v) { return std::string(enum_name(names, v)); });
}

// A list of strings; `normalize` runs on each item and `check` on each stored item.
template <class Container, class Access>
KeySpec list_key(std::string path, Access access, std::string expected, std::string example,
                 std::function<std::string(std::string_view)> normalize,
                 std::function<bool(const std::string&)> check) {
  KeySpec spec;
  spec.path = std::move(path);
  spec.kind = Kind::kList;
  spec.expected = std::move(expected);
  spec.example = std::move(example);
  spec.set = [access, normalize](Config& config, const RawValue& raw) {
    std::vector<std::string> items;
    if (const auto* text = std::get_if<std::string>(&raw)) {
      items = split_list(*text);
    } else {
      for (const auto& item : std::get<std::vector<std::string>>(raw)) {
        if (!support::trim(item).empty()) items.emplace_back(support::trim(item));
      }
    }
    Container values;
    for (const auto& item : items) values.insert(values.end(), normalize(item));
    access(config) = std::move(values);
    return true;
  };
  spec.get = [access](const Config& config) -> RawValue {
    const auto& values = access(config);
    return std::vector<std::string>(values.begin(), values.end());
  };
  spec.valid = [access, check](const Config& config) {
    const auto& values = access(config);
    return std::all_of(values.begin(), values.end(), check);
  };
  return spec;
}

inline bool listen_ok(const std::string& v) {
  return parse_host_port(v).has_value();
}
inline bool optional_url_ok(const std::string& v) {
  return v.empty() || is_http_url(v);
}

inline std::string strip_trailing_slashes(std::string_view text) {
  auto t = support::trim(text);
  while (t.size() > 1 && t.back() == '/') t.remove_suffix(1);
  return std::string(t);
}

// aws.*, in table order after processing.* (aws_keys.cpp).
void add_aws_keys(std::vector<KeySpec>& t);

}  // namespace toq::app::detail
