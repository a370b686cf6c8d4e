#include "app/config.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <type_traits>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <unistd.h>  // environ
#include <yaml-cpp/yaml.h>

#include "core/port/object_store.hpp"

#include "support/text.hpp"

namespace toq::app {
namespace {

using core::MediaGroup;
using core::MediaType;

// ---------------------------------------------------------------------------------------------
// Small text helpers

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

template <class T>
std::optional<T> parse_integer(std::string_view text) {
  text = support::trim(text);
  T value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
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

// ---------------------------------------------------------------------------------------------
// Enum names

template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

constexpr std::array kDatabaseDrivers = {
    EnumName<DatabaseDriver>{DatabaseDriver::kSqlite, "sqlite"},
    EnumName<DatabaseDriver>{DatabaseDriver::kMysql, "mysql"}};
constexpr std::array kStorageDrivers = {EnumName<StorageDriver>{StorageDriver::kLocal, "local"},
                                        EnumName<StorageDriver>{StorageDriver::kS3, "s3"}};
constexpr std::array kProcessingModes = {EnumName<ProcessingMode>{ProcessingMode::kLocal, "local"},
                                         EnumName<ProcessingMode>{ProcessingMode::kAws, "aws"}};
constexpr std::array kLogLevels = {EnumName<LogLevel>{LogLevel::kTrace, "trace"},
                                   EnumName<LogLevel>{LogLevel::kDebug, "debug"},
                                   EnumName<LogLevel>{LogLevel::kInfo, "info"},
                                   EnumName<LogLevel>{LogLevel::kWarn, "warn"},
                                   EnumName<LogLevel>{LogLevel::kError, "error"},
                                   EnumName<LogLevel>{LogLevel::kCritical, "critical"},
                                   EnumName<LogLevel>{LogLevel::kOff, "off"}};
constexpr std::array kLogFormats = {EnumName<LogFormat>{LogFormat::kJson, "json"},
                                    EnumName<LogFormat>{LogFormat::kText, "text"}};

template <class E, std::size_t N>
std::string_view enum_name(const std::array<EnumName<E>, N>& names, E value) {
  for (const auto& n : names) {
    if (n.value == value) return n.name;
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// The key table. Each key is defined once: how to parse it (YAML and environment alike), how to
// print it (dump_config, config_value) and which values are valid.

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

bool listen_ok(const std::string& v) {
  return parse_host_port(v).has_value();
}
bool optional_url_ok(const std::string& v) {
  return v.empty() || is_http_url(v);
}

std::string strip_trailing_slashes(std::string_view text) {
  auto t = support::trim(text);
  while (t.size() > 1 && t.back() == '/') t.remove_suffix(1);
  return std::string(t);
}

std::vector<KeySpec> build_table() {
  std::vector<KeySpec> t;
  constexpr std::string_view kUrlExpected = "expected an http:// or https:// URL";

  // Keys of one section must stay together: dump_config writes them in table order.
  t.push_back(string_key(
      "server.listen", [](auto& c) -> auto& { return c.server.listen; }, "0.0.0.0:9090", listen_ok,
      "expected host:port with a port from 1 to 65535 (IPv6 as [::1]:8080)"));
  t.push_back(int_key<int>(
      "server.shutdownGraceSeconds",
      [](auto& c) -> auto& { return c.server.shutdown_grace_seconds; }, 0, 3600, " seconds", "45"));
  t.push_back(bytes_key(
      "server.maxBodyBytes", [](auto& c) -> auto& { return c.server.max_body_bytes; }, 1, kGiB,
      "2MiB"));
  t.push_back(int_key<int>(
      "server.readTimeoutSeconds", [](auto& c) -> auto& { return c.server.read_timeout_seconds; },
      1, 3600, " seconds", "60"));
  t.push_back(path_key(
      "dataDir", [](auto& c) -> auto& { return c.data_dir; }, "/srv/toq-media", true));

  t.push_back(enum_key(
      "database.driver", [](auto& c) -> auto& { return c.database.driver; }, kDatabaseDrivers,
      "mysql"));
  t.push_back(path_key(
      "database.sqlite.path", [](auto& c) -> auto& { return c.database.sqlite.path; },
      "/srv/toq-media/db/media.db", false));
  t.push_back(int_key<int>(
      "database.sqlite.busyTimeoutMs",
      [](auto& c) -> auto& { return c.database.sqlite.busy_timeout_ms; }, 0, 600000,
      " milliseconds", "10000"));
  t.push_back(string_key(
      "database.mysql.host", [](auto& c) -> auto& { return c.database.mysql.host; },
      "db.internal"));
  t.push_back(int_key<int>(
      "database.mysql.port", [](auto& c) -> auto& { return c.database.mysql.port; }, 1, 65535, "",
      "3307"));
  t.push_back(string_key(
      "database.mysql.user", [](auto& c) -> auto& { return c.database.mysql.user; }, "toq"));
  t.push_back(secret_key(
      "database.mysql.password", [](auto& c) -> auto& { return c.database.mysql.password; },
      "s3cret-pw"));
  t.push_back(string_key(
      "database.mysql.database", [](auto& c) -> auto& { return c.database.mysql.database; },
      "toq_media"));
  t.push_back(string_key(
      "database.mysql.socket", [](auto& c) -> auto& { return c.database.mysql.socket; },
      "/run/mysqld/mysqld.sock"));
  t.push_back(int_key<int>(
      "database.mysql.poolSize", [](auto& c) -> auto& { return c.database.mysql.pool_size; }, 1,
      1000, "", "32"));
  t.push_back(int_key<int>(
      "database.mysql.connectTimeoutSeconds",
      [](auto& c) -> auto& { return c.database.mysql.connect_timeout_seconds; }, 1, 300, " seconds",
      "10"));
  t.push_back(int_key<int>(
      "database.mysql.readTimeoutSeconds",
      [](auto& c) -> auto& { return c.database.mysql.read_timeout_seconds; }, 1, 3600, " seconds",
      "60"));
  t.push_back(int_key<int>(
      "database.mysql.writeTimeoutSeconds",
      [](auto& c) -> auto& { return c.database.mysql.write_timeout_seconds; }, 1, 3600, " seconds",
      "60"));
  t.push_back(int_key<int>(
      "database.mysql.lockWaitTimeoutSeconds",
      [](auto& c) -> auto& { return c.database.mysql.lock_wait_timeout_seconds; }, 1, 3600,
      " seconds", "5"));

  t.push_back(enum_key(
      "storage.driver", [](auto& c) -> auto& { return c.storage.driver; }, kStorageDrivers, "s3"));
  t.push_back(string_key(
      "storage.publicBaseUrl", [](auto& c) -> auto& { return c.storage.public_base_url; },
      "https://media.example.com", optional_url_ok,
      std::string(kUrlExpected) + " without query or fragment (empty = http://<server.listen>)",
      strip_trailing_slashes));
  t.push_back(path_key(
      "storage.local.root", [](auto& c) -> auto& { return c.storage.local.root; },
      "/srv/toq-media/blobs", false));
  t.push_back(string_key(
      "storage.s3.bucket", [](auto& c) -> auto& { return c.storage.s3.bucket; }, "toq-media-prod",
      [](const std::string& v) { return v.empty() || is_bucket_name(v); },
      "expected an S3 bucket name (3 to 63 characters: a-z, 0-9, '.', '-')"));
  t.push_back(string_key(
      "storage.s3.region", [](auto& c) -> auto& { return c.storage.s3.region; }, "sa-east-1",
      [](const std::string& v) { return v.empty() || is_region(v); },
      "expected an AWS region name such as us-east-1"));
  t.push_back(string_key(
      "storage.s3.endpoint", [](auto& c) -> auto& { return c.storage.s3.endpoint; },
      "https://s3.sa-east-1.amazonaws.com", optional_url_ok,
      std::string(kUrlExpected) + " (empty = AWS)", strip_trailing_slashes));
  t.push_back(bool_key(
      "storage.s3.pathStyle", [](auto& c) -> auto& { return c.storage.s3.path_style; }, "true"));
  t.push_back(string_key(
      "storage.s3.accessKeyId", [](auto& c) -> auto& { return c.storage.s3.access_key_id; },
      "AKIAEXAMPLE"));
  t.push_back(secret_key(
      "storage.s3.secretAccessKey", [](auto& c) -> auto& { return c.storage.s3.secret_access_key; },
      "wJalrXUtnFEMI/K7MDENG"));
  t.push_back(secret_key(
      "storage.s3.sessionToken", [](auto& c) -> auto& { return c.storage.s3.session_token; },
      "FwoGZXIvYXdzEXAMPLE"));
  t.push_back(int_key<int>(
      "storage.urlTtlSeconds", [](auto& c) -> auto& { return c.storage.url_ttl_seconds; }, 1,
      604800, " seconds", "900", " (SigV4 presigned URLs live at most 7 days)"));
  t.push_back(bytes_key(
      "storage.multipartThresholdBytes",
      [](auto& c) -> auto& { return c.storage.multipart_threshold_bytes; }, 1, 5 * kGiB, "128MiB"));
  t.push_back(bytes_key(
      "storage.partSizeBytes", [](auto& c) -> auto& { return c.storage.part_size_bytes; },
      core::kMinPartSize, 5 * kGiB, "32MiB"));

  t.push_back(secret_key(
      "auth.jwtSecret", [](auto& c) -> auto& { return c.auth.jwt_secret; },
      "0123456789abcdef0123456789abcdef",
      [](const std::string& v) { return v.empty() || v.size() >= 32; },
      "expected at least 32 bytes (HS256 needs a 256-bit key), or empty to use the file in the "
      "data dir"));
  t.push_back(path_key(
      "auth.jwtPublicKeyFile", [](auto& c) -> auto& { return c.auth.jwt_public_key_file; },
      "/etc/toq-media/jwt.pem", false));
  t.push_back(string_key(
      "auth.issuer", [](auto& c) -> auto& { return c.auth.issuer; }, "https://auth.toq.example"));
  t.push_back(string_key(
      "auth.audience", [](auto& c) -> auto& { return c.auth.audience; }, "toq-media"));
  t.push_back(int_key<int>(
      "auth.leewaySeconds", [](auto& c) -> auto& { return c.auth.leeway_seconds; }, 0, 300,
      " seconds", "30"));

  t.push_back(int_key<std::size_t>(
      "uploads.maxFilesPerBatch", [](auto& c) -> auto& { return c.uploads.max_files_per_batch; }, 1,
      10000, " files", "250"));
  const std::array<std::pair<MediaGroup, std::string>, 3> group_examples = {
      std::pair{MediaGroup::kPhoto, std::string("80MiB")},
      std::pair{MediaGroup::kVideo, std::string("20GiB")},
      std::pair{MediaGroup::kProject, std::string("100MiB")}};
  for (const auto& [group, example] : group_examples) {
    t.push_back(bytes_key(
        fmt::format("uploads.maxBytes.{}", core::to_string(group)),
        [g = group](auto& c) -> auto& { return map_entry(c.uploads.max_bytes, g); }, 1, 5 * kTiB,
        example));  // 5 TiB: the largest S3 object
  }
  for (const auto type : core::kAllMediaTypes) {
    std::string example;
    switch (core::group_of(type)) {
      case MediaGroup::kPhoto: example = "image/jpeg"; break;
      case MediaGroup::kVideo: example = "video/mp4"; break;
      case MediaGroup::kProject: example = "application/pdf,image/jpeg"; break;
    }
    t.push_back(list_key<std::set<std::string>>(
        fmt::format("uploads.allowedContentTypes.{}", camel_case(core::to_string(type))),
        [type](auto& c) -> auto& { return map_entry(c.uploads.allowed_content_types, type); },
        "expected a list of content types such as image/jpeg (type/subtype, no parameters)",
        example, [](std::string_view item) { return support::to_lower(item); }, is_content_type));
  }

  t.push_back(enum_key(
      "processing.mode", [](auto& c) -> auto& { return c.processing.mode; }, kProcessingModes,
      "aws"));
  t.push_back(int_key<int>(
      "processing.workers", [](auto& c) -> auto& { return c.processing.workers; }, 0, 1024,
      " worker processes", "8", " (0 = one per CPU core)"));
  t.push_back(bool_key(
      "processing.startWorkers", [](auto& c) -> auto& { return c.processing.start_workers; },
      "false"));
  t.push_back(int_key<int>(
      "processing.leaseSeconds", [](auto& c) -> auto& { return c.processing.lease_seconds; }, 2,
      3600, " seconds", "30", " (a dead worker's job is taken over after this)"));
  t.push_back(int_key<int>(
      "processing.maxAttempts", [](auto& c) -> auto& { return c.processing.max_attempts; }, 1, 100,
      " starts", "3", " (then the job fails for good)"));
  t.push_back(int_key<int>(
      "processing.pollMillis", [](auto& c) -> auto& { return c.processing.poll_millis; }, 50, 60000,
      " ms", "250", " (how often an idle worker looks for jobs)"));
  t.push_back(int_key<std::int64_t>(
      "processing.maxPixels", [](auto& c) -> auto& { return c.processing.max_pixels; }, 1,
      std::int64_t{1} << 40, " pixels", "50000000", " (photos above it: IMAGE_TOO_LARGE)"));
  t.push_back(int_key<int>(
      "processing.maxVideoSeconds", [](auto& c) -> auto& { return c.processing.max_video_seconds; },
      1, 86400, " seconds", "900", " (longer videos: VIDEO_TOO_LONG)"));
  t.push_back(int_key<int>(
      "processing.assetTimeoutSeconds",
      [](auto& c) -> auto& { return c.processing.asset_timeout_seconds; }, 10, 86400, " seconds",
      "1800", " (one file's decode or transcode; then PROCESSING_TIMEOUT)"));

  t.push_back(list_key<std::vector<std::string>>(
      "cors.allowedOrigins", [](auto& c) -> auto& { return c.cors.allowed_origins; },
      "expected a list of origins such as https://app.example.com (scheme://host[:port], no "
      "path), or *",
      "https://app.toq.example,https://admin.toq.example",
      [](std::string_view item) { return support::to_lower(item); },
      [](const std::string& v) { return is_origin(v); }));

  t.push_back(path_key(
      "web.root", [](auto& c) -> auto& { return c.web.root; }, "/usr/share/toq-media/web", false));

  t.push_back(string_key(
      "webhooks.url", [](auto& c) -> auto& { return c.webhooks.url; },
      "https://platform.toq.example/hooks/media", optional_url_ok,
      std::string(kUrlExpected) + " (empty = no webhooks)"));
  t.push_back(secret_key(
      "webhooks.secret", [](auto& c) -> auto& { return c.webhooks.secret; },
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));

  t.push_back(enum_key(
      "log.level", [](auto& c) -> auto& { return c.log.level; }, kLogLevels, "debug"));
  t.push_back(enum_key(
      "log.format", [](auto& c) -> auto& { return c.log.format; }, kLogFormats, "text"));

  for (auto& spec : t) spec.env_var = env_var_for(spec.path);
  return t;
}

const std::vector<KeySpec>& key_table() {
  static const std::vector<KeySpec> kTable = build_table();
  return kTable;
}

const KeySpec* find_key(std::string_view path) {
  for (const auto& spec : key_table()) {
    if (spec.path == path) return &spec;
  }
  return nullptr;
}

// "storage" and "storage.s3" are sections: proper prefixes of some key path.
bool is_section(std::string_view path) {
  return std::any_of(key_table().begin(), key_table().end(), [path](const KeySpec& spec) {
    return spec.path.size() > path.size() && spec.path.starts_with(path) &&
           spec.path[path.size()] == '.';
  });
}

std::vector<std::string> section_children(std::string_view section) {
  std::vector<std::string> children;
  for (const auto& spec : key_table()) {
    if (!spec.path.starts_with(section) || spec.path.size() <= section.size() ||
        spec.path[section.size()] != '.') {
      continue;
    }
    auto child = spec.path.substr(section.size() + 1);
    child = child.substr(0, child.find('.'));
    if (std::find(children.begin(), children.end(), child) == children.end()) {
      children.push_back(child);
    }
  }
  return children;
}

std::string render(const RawValue& raw) {
  if (const auto* text = std::get_if<std::string>(&raw)) return *text;
  return "[" + join(std::get<std::vector<std::string>>(raw), ", ") + "]";
}

std::string env_text(const RawValue& raw) {
  if (const auto* text = std::get_if<std::string>(&raw)) return *text;
  return join(std::get<std::vector<std::string>>(raw), ",");
}

// ---------------------------------------------------------------------------------------------
// Loading

// Where a key's current value came from, for error messages.
struct Origin {
  std::string where;  // "config.yaml:3:5" or "TOQ_MEDIA_SERVER_LISTEN"
  std::string raw;    // the text as written there
};

class Problems {
 public:
  void add(std::string field, std::string rule, std::string message) {
    errors_.push_back(core::FieldError{std::move(field), std::move(rule), std::move(message)});
  }
  [[nodiscard]] bool empty() const { return errors_.empty(); }

  core::Error to_error() const {
    std::vector<std::string> lines;
    for (const auto& e : errors_) lines.push_back(e.reason);
    auto error = core::make_error(
        core::ErrorCode::kConfigInvalid,
        lines.size() == 1
            ? lines.front()
            : fmt::format("{} configuration errors:\n{}", lines.size(), join(lines, "\n")),
        {}, "See docs/config.example.yaml for every key, its default and its meaning.");
    error.details = core::FieldErrors{errors_};
    return error;
  }

 private:
  std::vector<core::FieldError> errors_;
};

std::string shown(const KeySpec& spec, std::string_view raw) {
  return spec.secret && !raw.empty() ? std::string("***") : std::string(raw);
}

class Loader {
 public:
  explicit Loader(Problems& problems) : problems_(problems) {}

  void apply_yaml(std::string_view text, std::string_view source) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      problems_.add("", "YAML_SYNTAX",
                    fmt::format("{}: invalid YAML: {}", where(e.mark, source), e.msg));
      return;
    }
    if (!root || root.IsNull()) return;  // an empty file means "all defaults"
    if (!root.IsMap()) {
      problems_.add("", "INVALID_VALUE",
                    fmt::format("{}: expected a mapping of configuration keys at the top level",
                                where(root.Mark(), source)));
      return;
    }
    walk(root, "", source);
  }

  void apply_env(const Environment& env) {
    for (const auto& spec : key_table()) {
      auto value = env.get(spec.env_var);
      if (!value) continue;
      apply(spec, RawValue(*value), spec.env_var, *value);
    }
    std::vector<std::string> all_vars;
    for (const auto& spec : key_table()) all_vars.push_back(spec.env_var);
    auto names = env.names();
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      if (!name.starts_with(kEnvPrefix) || name == kConfigFileEnvVar) continue;
      if (std::find(all_vars.begin(), all_vars.end(), name) != all_vars.end()) continue;
      auto message =
          fmt::format("{}: unknown environment variable (no configuration key maps to it)", name);
      if (auto guess = nearest(name, all_vars))
        message += fmt::format("; did you mean {}?", *guess);
      problems_.add(name, "UNKNOWN_KEY", std::move(message));
    }
  }

  Config& config() { return config_; }
  const std::map<std::string, Origin, std::less<>>& origins() const { return origins_; }

 private:
  static std::string where(const YAML::Mark& mark, std::string_view source) {
    if (mark.is_null()) return std::string(source);
    return fmt::format("{}:{}:{}", source, mark.line + 1, mark.column + 1);
  }

  void walk(const YAML::Node& map, const std::string& prefix, std::string_view source) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      // By value: yaml-cpp's operator-> returns a proxy that dies at the end of the statement.
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) {
        problems_.add(
            prefix, "UNKNOWN_KEY",
            fmt::format("{}: expected a plain key (from {})",
                        prefix.empty() ? "(top level)" : prefix, where(key.Mark(), source)));
        continue;
      }
      const std::string path = prefix.empty() ? key.Scalar() : prefix + "." + key.Scalar();
      if (!seen.insert(path).second) {
        problems_.add(
            path, "DUPLICATE_KEY",
            fmt::format("{}: key given twice (from {})", path, where(key.Mark(), source)));
        continue;
      }
      if (const auto* spec = find_key(path)) {
        apply_node(*spec, value, where(value.Mark(), source));
      } else if (is_section(path)) {
        if (value.IsMap()) {
          walk(value, path, source);
        } else if (!value.IsNull()) {
          problems_.add(
              path, "INVALID_VALUE",
              fmt::format("{}: expected a mapping with the keys {} (from {})", path,
                          join(section_children(path), ", "), where(value.Mark(), source)));
        }
      } else {
        unknown_key(path, where(key.Mark(), source));
      }
    }
  }

  void unknown_key(const std::string& path, const std::string& at) {
    std::vector<std::string> paths;
    for (const auto& spec : key_table()) paths.push_back(spec.path);
    auto message = fmt::format("{}: unknown key (from {})", path, at);
    if (auto guess = nearest(path, paths)) message += fmt::format("; did you mean '{}'?", *guess);
    problems_.add(path, "UNKNOWN_KEY", std::move(message));
  }

  void apply_node(const KeySpec& spec, const YAML::Node& node, const std::string& at) {
    if (node.IsNull()) {
      apply(spec, RawValue(std::string()), at, "");
    } else if (node.IsScalar()) {
      apply(spec, RawValue(node.Scalar()), at, node.Scalar());
    } else if (node.IsSequence() && spec.kind == Kind::kList) {
      std::vector<std::string> items;
      for (const auto& item : node) {
        if (!item.IsScalar()) {
          problems_.add(spec.path, "INVALID_VALUE",
                        fmt::format("{}: {}, got a nested collection (from {})", spec.path,
                                    spec.expected, at));
          return;
        }
        items.push_back(item.Scalar());
      }
      const RawValue raw(items);
      apply(spec, raw, at, render(raw));
    } else {
      problems_.add(spec.path, "INVALID_VALUE",
                    fmt::format("{}: {}, got a {} (from {})", spec.path, spec.expected,
                                node.IsSequence() ? "list" : "mapping", at));
    }
  }

  void apply(const KeySpec& spec, const RawValue& raw, const std::string& at,
             const std::string& raw_text) {
    if (!spec.set(config_, raw) || !spec.valid(config_)) {
      problems_.add(spec.path, "INVALID_VALUE",
                    fmt::format("{}: {}, got '{}' (from {})", spec.path, spec.expected,
                                shown(spec, raw_text), at));
      return;
    }
    origins_[spec.path] = Origin{at, raw_text};
  }

  Problems& problems_;
  Config config_;
  std::map<std::string, Origin, std::less<>> origins_;
};

// ---------------------------------------------------------------------------------------------
// Validation

class Validator {
 public:
  Validator(const Config& config, const std::map<std::string, Origin, std::less<>>& origins,
            Problems& problems)
      : config_(config), origins_(origins), problems_(problems) {}

  void run() {
    for (const auto& spec : key_table()) {
      if (spec.valid(config_)) continue;
      problems_.add(spec.path, "INVALID_VALUE",
                    fmt::format("{}: {}, got '{}'{}", spec.path, spec.expected,
                                shown(spec, value_text(spec.path)), from(spec.path)));
    }
    cross_checks();
  }

 private:
  // The value as the user wrote it when known, else as the config prints it.
  std::string value_text(std::string_view path) const {
    if (auto it = origins_.find(path); it != origins_.end()) return it->second.raw;
    return env_text(find_key(path)->get(config_));
  }

  std::string from(std::string_view path) const {
    if (auto it = origins_.find(path); it != origins_.end()) {
      return fmt::format(" (from {})", it->second.where);
    }
    return {};
  }

  // "(storage.driver from TOQ_MEDIA_STORAGE_DRIVER)" or "" for a default.
  std::string because(std::string_view path) const {
    if (auto it = origins_.find(path); it != origins_.end()) {
      return fmt::format(" ({} from {})", path, it->second.where);
    }
    return {};
  }

  void require(bool present, std::string_view key, std::string_view condition_key,
               std::string_view condition_value) {
    if (present) return;
    problems_.add(std::string(key), "REQUIRED",
                  fmt::format("{}: required when {} is '{}'{}", key, condition_key, condition_value,
                              because(condition_key)));
  }

  void cross_checks() {
    const auto& c = config_;
    if (c.database.driver == DatabaseDriver::kMysql) {
      require(!c.database.mysql.host.empty() || !c.database.mysql.socket.empty(),
              "database.mysql.host", "database.driver", "mysql");
      require(!c.database.mysql.user.empty(), "database.mysql.user", "database.driver", "mysql");
      require(!c.database.mysql.database.empty(), "database.mysql.database", "database.driver",
              "mysql");
      if (c.database.mysql.lock_wait_timeout_seconds >= c.database.mysql.read_timeout_seconds) {
        problems_.add("database.mysql.lockWaitTimeoutSeconds", "RANGE",
                      fmt::format("database.mysql.lockWaitTimeoutSeconds ({}) must be below "
                                  "database.mysql.readTimeoutSeconds ({}): a statement waiting "
                                  "for a row lock would otherwise lose its connection first",
                                  c.database.mysql.lock_wait_timeout_seconds,
                                  c.database.mysql.read_timeout_seconds));
      }
    }
    if (c.storage.driver == StorageDriver::kS3) {
      require(!c.storage.s3.bucket.empty(), "storage.s3.bucket", "storage.driver", "s3");
      require(!c.storage.s3.region.empty(), "storage.s3.region", "storage.driver", "s3");
    }
    if (c.processing.mode == ProcessingMode::kAws) {
      // The pipeline runs in AWS and reads the uploads from the bucket.
      require(c.storage.driver == StorageDriver::kS3, "storage.driver", "processing.mode", "aws");
    }
    const auto& s3 = c.storage.s3;
    if (!s3.access_key_id.empty()) {
      require(!s3.secret_access_key.empty(), "storage.s3.secretAccessKey", "storage.s3.accessKeyId",
              "set");
    } else {
      for (const auto* key : {"storage.s3.secretAccessKey", "storage.s3.sessionToken"}) {
        if (!env_text(find_key(key)->get(c)).empty()) {
          problems_.add(key, "CONFLICT",
                        fmt::format("{}: set without storage.s3.accessKeyId{}", key, from(key)));
        }
      }
    }
    if (!c.webhooks.url.empty()) {
      require(!c.webhooks.secret.empty(), "webhooks.secret", "webhooks.url", "set");
    }
    if (c.storage.multipart_threshold_bytes < c.storage.part_size_bytes) {
      problems_.add("storage.multipartThresholdBytes", "OUT_OF_RANGE",
                    fmt::format("storage.multipartThresholdBytes: expected at least "
                                "storage.partSizeBytes ({}), got '{}'{}",
                                format_byte_size(c.storage.part_size_bytes),
                                value_text("storage.multipartThresholdBytes"),
                                from("storage.multipartThresholdBytes")));
    }
    // A multipart upload has at most kMaxPartNumber parts (S3, and the local store mirrors it).
    const std::int64_t largest_upload = c.storage.part_size_bytes * core::kMaxPartNumber;
    for (const auto& [group, bytes] : c.uploads.max_bytes) {
      if (bytes <= largest_upload) continue;
      const auto key = fmt::format("uploads.maxBytes.{}", core::to_string(group));
      problems_.add(key, "OUT_OF_RANGE",
                    fmt::format("{}: expected at most {} x storage.partSizeBytes = {} (the "
                                "multipart part limit), got '{}'{}",
                                key, core::kMaxPartNumber, format_byte_size(largest_upload),
                                value_text(key), from(key)));
    }
  }

  const Config& config_;
  const std::map<std::string, Origin, std::less<>>& origins_;
  Problems& problems_;
};

core::Result<Config> finish(Loader& loader, Problems& problems) {
  if (!problems.empty()) return std::unexpected(problems.to_error());
  resolve_derived_defaults(loader.config());
  Validator(loader.config(), loader.origins(), problems).run();
  if (!problems.empty()) return std::unexpected(problems.to_error());
  return std::move(loader.config());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public API

std::string_view to_string(DatabaseDriver value) {
  return enum_name(kDatabaseDrivers, value);
}
std::string_view to_string(StorageDriver value) {
  return enum_name(kStorageDrivers, value);
}
std::string_view to_string(ProcessingMode value) {
  return enum_name(kProcessingModes, value);
}
std::string_view to_string(LogLevel value) {
  return enum_name(kLogLevels, value);
}
std::string_view to_string(LogFormat value) {
  return enum_name(kLogFormats, value);
}

MapEnvironment::MapEnvironment(std::map<std::string, std::string, std::less<>> vars)
    : vars_(std::move(vars)) {}

MapEnvironment MapEnvironment::snapshot(const Environment& base) {
  MapEnvironment copy;
  for (const auto& name : base.names()) {
    if (auto value = base.get(name)) copy.vars_[name] = *value;
  }
  return copy;
}

void MapEnvironment::set(std::string name, std::string value) {
  vars_[std::move(name)] = std::move(value);
}

void MapEnvironment::unset(std::string_view name) {
  if (auto it = vars_.find(name); it != vars_.end()) vars_.erase(it);
}

std::optional<std::string> MapEnvironment::get(std::string_view name) const {
  if (auto it = vars_.find(name); it != vars_.end()) return it->second;
  return std::nullopt;
}

std::vector<std::string> MapEnvironment::names() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : vars_) out.push_back(name);
  return out;
}

std::optional<std::string> ProcessEnvironment::get(std::string_view name) const {
  const std::string key(name);
  if (const char* value = std::getenv(key.c_str())) return std::string(value);
  return std::nullopt;
}

std::vector<std::string> ProcessEnvironment::names() const {
  std::vector<std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    out.emplace_back(text.substr(0, text.find('=')));
  }
  return out;
}

std::string env_var_for(std::string_view key_path) {
  std::string out(kEnvPrefix);
  char previous = '.';
  for (const char c : key_path) {
    if (c == '.') {
      out += '_';
    } else if (c >= 'A' && c <= 'Z') {
      if (previous != '.' && !(previous >= 'A' && previous <= 'Z')) out += '_';
      out += c;
    } else {
      out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    previous = c;
  }
  return out;
}

std::vector<ConfigKeyInfo> config_keys() {
  std::vector<ConfigKeyInfo> out;
  for (const auto& spec : key_table()) {
    out.push_back(ConfigKeyInfo{spec.path, spec.env_var, spec.secret, spec.kind == Kind::kList,
                                spec.example});
  }
  return out;
}

std::optional<std::string> config_value(const Config& config, std::string_view key_path) {
  const auto* spec = find_key(key_path);
  if (spec == nullptr) return std::nullopt;
  return env_text(spec->get(config));
}

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

void resolve_derived_defaults(Config& config) {
  if (config.database.sqlite.path.empty()) {
    config.database.sqlite.path = config.data_dir / "toq-media.db";
  }
  if (config.storage.local.root.empty()) config.storage.local.root = config.data_dir / "objects";
  if (config.storage.public_base_url.empty()) {
    if (auto hp = parse_host_port(config.server.listen)) {
      // A wildcard address is not something a browser can connect to; loopback is.
      std::string host = hp->host;
      if (host == "0.0.0.0") host = "127.0.0.1";
      if (host == "::") host = "::1";
      if (host.find(':') != std::string::npos) host = "[" + host + "]";
      config.storage.public_base_url = fmt::format("http://{}:{}", host, hp->port);
    }
  }
}

core::Status validate_config(const Config& config) {
  Problems problems;
  const std::map<std::string, Origin, std::less<>> no_origins;
  Validator(config, no_origins, problems).run();
  if (!problems.empty()) return std::unexpected(problems.to_error());
  return {};
}

core::Result<Config> load_config_from_string(std::string_view yaml, std::string_view source_name,
                                             const Environment& env) {
  Problems problems;
  Loader loader(problems);
  loader.apply_yaml(yaml, source_name);
  loader.apply_env(env);
  return finish(loader, problems);
}

core::Result<Config> load_config(const std::optional<std::filesystem::path>& file,
                                 const Environment& env) {
  std::optional<std::filesystem::path> path = file;
  if (!path) {
    if (auto from_env = env.get(kConfigFileEnvVar); from_env && !support::trim(*from_env).empty()) {
      path = std::filesystem::path(std::string(support::trim(*from_env)));
    }
  }
  if (!path) {
    Problems problems;
    Loader loader(problems);
    loader.apply_env(env);
    return finish(loader, problems);
  }
  std::ifstream in(*path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return core::fail(core::ErrorCode::kConfigInvalid,
                      fmt::format("config file '{}' cannot be read: {}", path->string(),
                                  err != 0 ? std::strerror(err) : "open failed"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return core::fail(core::ErrorCode::kConfigInvalid,
                      fmt::format("config file '{}' cannot be read", path->string()));
  }
  return load_config_from_string(text.str(), path->string(), env);
}

std::string dump_config(const Config& config, bool redact_secrets) {
  YAML::Emitter out;
  out << YAML::Comment("toq-media effective configuration") << YAML::Newline;
  out << YAML::BeginMap;
  std::vector<std::string> open;  // sections currently open, outermost first
  for (const auto& spec : key_table()) {
    std::vector<std::string> segments;
    for (std::string_view rest = spec.path;;) {
      const auto dot = rest.find('.');
      segments.emplace_back(rest.substr(0, dot));
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    std::size_t common = 0;
    while (common < open.size() && common + 1 < segments.size() &&
           open[common] == segments[common]) {
      ++common;
    }
    while (open.size() > common) {
      out << YAML::EndMap;
      open.pop_back();
    }
    for (std::size_t i = common; i + 1 < segments.size(); ++i) {
      out << YAML::Key << segments[i] << YAML::Value << YAML::BeginMap;
      open.push_back(segments[i]);
    }
    out << YAML::Key << segments.back() << YAML::Value;

    const RawValue value = spec.get(config);
    const auto redact = [&](const std::string& text) {
      return redact_secrets && spec.secret && !text.empty() ? std::string("***") : text;
    };
    if (const auto* items = std::get_if<std::vector<std::string>>(&value)) {
      out << YAML::Flow << YAML::BeginSeq;
      for (const auto& item : *items) out << YAML::DoubleQuoted << item;
      out << YAML::EndSeq;
    } else if (spec.kind == Kind::kString) {
      out << YAML::DoubleQuoted << redact(std::get<std::string>(value));
    } else {
      out << std::get<std::string>(value);
    }
  }
  while (!open.empty()) {
    out << YAML::EndMap;
    open.pop_back();
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

core::ManifestLimits manifest_limits(const Config& config) {
  core::ManifestLimits limits;
  limits.max_files_per_batch = config.uploads.max_files_per_batch;
  limits.max_bytes = config.uploads.max_bytes;
  limits.allowed_content_types = config.uploads.allowed_content_types;
  return limits;
}

}  // namespace toq::app
