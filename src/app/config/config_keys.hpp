#pragma once
// The configuration's key table (internal to app/config): each key defined once, with how it is
// parsed (YAML and environment alike), printed (dump_config, config_value) and checked. The
// table is in the order dump_config writes the file.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/config.hpp"

namespace toq::app::detail {

// A value as it arrives from YAML or the environment, before parsing.
using RawValue = std::variant<std::string, std::vector<std::string>>;

// How dump_config writes a value.
enum class Kind : std::uint8_t { kString, kNumber, kBool, kList };

struct KeySpec {
  std::string path;
  std::string env_var;
  Kind kind = Kind::kString;
  bool secret = false;
  std::string expected;  // "expected ...", completes "<key>: <expected>, got '<value>'"
  std::string example;   // valid, not the default; see ConfigKeyInfo
  std::function<bool(Config&, const RawValue&)> set;  // false: not parseable
  std::function<RawValue(const Config&)> get;
  std::function<bool(const Config&)> valid;  // the stored value is within the key's domain
};

const std::vector<KeySpec>& key_table();
// The spec of a key path, or null.
const KeySpec* find_key(std::string_view path);
// "storage" and "storage.s3" are sections: proper prefixes of some key path.
bool is_section(std::string_view path);
// The names directly under a section, in table order.
std::vector<std::string> section_children(std::string_view section);
// A value as a message shows it ("[a, b]" for a list), and as an environment variable holds it.
std::string render(const RawValue& raw);
std::string env_text(const RawValue& raw);

}  // namespace toq::app::detail
