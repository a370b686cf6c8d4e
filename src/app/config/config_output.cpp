// What the configuration gives out: the effective configuration as YAML, and the manifest limits
// the use cases check uploads against.

#include <yaml-cpp/yaml.h>

#include "app/config/config_keys.hpp"

namespace toq::app {

using detail::key_table;
using detail::Kind;
using detail::RawValue;

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
