// The YAML side of loading, and load_config itself.

#include "app/config/config_loader.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "app/config/config_validation.hpp"
#include "support/text.hpp"

namespace toq::app {

namespace detail {

void Loader::apply_yaml(std::string_view text, std::string_view source) {
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

std::string Loader::where(const YAML::Mark& mark, std::string_view source) {
  if (mark.is_null()) return std::string(source);
  return fmt::format("{}:{}:{}", source, mark.line + 1, mark.column + 1);
}

void Loader::walk(const YAML::Node& map, const std::string& prefix, std::string_view source) {
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    // By value: yaml-cpp's operator-> returns a proxy that dies at the end of the statement.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar()) {
      problems_.add(
          prefix, "UNKNOWN_KEY",
          fmt::format("{}: expected a plain key (from {})", prefix.empty() ? "(top level)" : prefix,
                      where(key.Mark(), source)));
      continue;
    }
    const std::string path = prefix.empty() ? key.Scalar() : prefix + "." + key.Scalar();
    if (!seen.insert(path).second) {
      problems_.add(path, "DUPLICATE_KEY",
                    fmt::format("{}: key given twice (from {})", path, where(key.Mark(), source)));
      continue;
    }
    if (const auto* spec = find_key(path)) {
      apply_node(*spec, value, where(value.Mark(), source));
    } else if (is_section(path)) {
      if (value.IsMap()) {
        walk(value, path, source);
      } else if (!value.IsNull()) {
        problems_.add(path, "INVALID_VALUE",
                      fmt::format("{}: expected a mapping with the keys {} (from {})", path,
                                  join(section_children(path), ", "), where(value.Mark(), source)));
      }
    } else {
      unknown_key(path, where(key.Mark(), source));
    }
  }
}

void Loader::unknown_key(const std::string& path, const std::string& at) {
  std::vector<std::string> paths;
  for (const auto& spec : key_table()) paths.push_back(spec.path);
  auto message = fmt::format("{}: unknown key (from {})", path, at);
  if (auto guess = nearest(path, paths)) message += fmt::format("; did you mean '{}'?", *guess);
  problems_.add(path, "UNKNOWN_KEY", std::move(message));
}

void Loader::apply_node(const KeySpec& spec, const YAML::Node& node, const std::string& at) {
  if (node.IsNull()) {
    apply(spec, RawValue(std::string()), at, "");
  } else if (node.IsScalar()) {
    apply(spec, RawValue(node.Scalar()), at, node.Scalar());
  } else if (node.IsSequence() && spec.kind == Kind::kList) {
    std::vector<std::string> items;
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        problems_.add(
            spec.path, "INVALID_VALUE",
            fmt::format("{}: {}, got a nested collection (from {})", spec.path, spec.expected, at));
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

void Loader::apply(const KeySpec& spec, const RawValue& raw, const std::string& at,
                   const std::string& raw_text) {
  if (!spec.set(config_, raw) || !spec.valid(config_)) {
    problems_.add(spec.path, "INVALID_VALUE",
                  fmt::format("{}: {}, got '{}' (from {})", spec.path, spec.expected,
                              shown(spec, raw_text), at));
    return;
  }
  origins_[spec.path] = Origin{at, raw_text};
}

core::Result<Config> finish(Loader& loader, Problems& problems) {
  if (!problems.empty()) return std::unexpected(problems.to_error());
  resolve_derived_defaults(loader.config());
  check_config(loader.config(), loader.origins(), problems);
  if (!problems.empty()) return std::unexpected(problems.to_error());
  return std::move(loader.config());
}

}  // namespace detail

using detail::finish;
using detail::Loader;
using detail::Problems;

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

}  // namespace toq::app
