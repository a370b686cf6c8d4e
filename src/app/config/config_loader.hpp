#pragma once
// Loads the configuration's sources into a Config (internal to app/config): the YAML file
// (config_loader.cpp) and the TOQ_MEDIA_* environment overlay (config_environment.cpp). Each
// value is checked as it is set; every problem is gathered.

#include <string>
#include <string_view>

#include "app/config.hpp"
#include "app/config/config_keys.hpp"
#include "app/config/config_problems.hpp"

namespace YAML {
class Node;
class Mark;
}  // namespace YAML

namespace toq::app::detail {

class Loader {
 public:
  explicit Loader(Problems& problems) : problems_(problems) {}

  // A YAML document; `source` names it in messages ("config.yaml").
  void apply_yaml(std::string_view text, std::string_view source);
  // Every key's variable, and an error for each TOQ_MEDIA_* variable that is no key.
  void apply_env(const Environment& env);

  Config& config() { return config_; }
  const Origins& origins() const { return origins_; }

 private:
  static std::string where(const YAML::Mark& mark, std::string_view source);
  void walk(const YAML::Node& map, const std::string& prefix, std::string_view source);
  void unknown_key(const std::string& path, const std::string& at);
  void apply_node(const KeySpec& spec, const YAML::Node& node, const std::string& at);
  // Sets one key from its raw value and records where it came from; a problem when it does not
  // parse or is out of range.
  void apply(const KeySpec& spec, const RawValue& raw, const std::string& at,
             const std::string& raw_text);

  Problems& problems_;
  Config config_;
  Origins origins_;
};

// The loaded Config once every source is applied: derived defaults resolved, then every rule
// checked (config_validation.cpp); all problems at once.
core::Result<Config> finish(Loader& loader, Problems& problems);

}  // namespace toq::app::detail
