#pragma once
// How the configuration reports what is wrong (internal to app/config): every problem found,
// each naming the key and where its value came from, gathered into one CONFIG_INVALID error.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/model/error.hpp"

#include "app/config/config_keys.hpp"
#include "app/config/config_values.hpp"

namespace toq::app::detail {

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

// Where every key set so far got its value, by key path.
using Origins = std::map<std::string, Origin, std::less<>>;

// A value as an error message may show it: "***" for a non-empty secret.
inline std::string shown(const KeySpec& spec, std::string_view raw) {
  return spec.secret && !raw.empty() ? std::string("***") : std::string(raw);
}

}  // namespace toq::app::detail
