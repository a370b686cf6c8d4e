// The environment: the Environment views (the process's and a map's), and the TOQ_MEDIA_* overlay
// the loader applies over the file.

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>
#include <unistd.h>  // environ

#include "app/config/config_loader.hpp"

namespace toq::app {

namespace detail {

void Loader::apply_env(const Environment& env) {
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
    if (!name.starts_with(kEnvPrefix) || name == kConfigFileEnvVar || name == kTaskInputEnvVar) {
      continue;
    }
    if (std::find(all_vars.begin(), all_vars.end(), name) != all_vars.end()) continue;
    auto message =
        fmt::format("{}: unknown environment variable (no configuration key maps to it)", name);
    if (auto guess = nearest(name, all_vars)) message += fmt::format("; did you mean {}?", *guess);
    problems_.add(name, "UNKNOWN_KEY", std::move(message));
  }
}

}  // namespace detail

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

}  // namespace toq::app
