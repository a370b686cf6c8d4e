#pragma once
// What the configuration tests share: loading from a map of variables or a YAML string, the
// message of a failed load, every example value at once, and a temporary config file.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <unistd.h>

#include "app/config.hpp"

namespace toq::app::config_test {

using Vars = std::map<std::string, std::string, std::less<>>;

inline core::Result<Config> from_env(Vars vars) {
  return load_config(std::nullopt, MapEnvironment(std::move(vars)));
}

inline core::Result<Config> from_yaml(std::string_view yaml, Vars vars = {}) {
  return load_config_from_string(yaml, "config.yaml", MapEnvironment(std::move(vars)));
}

// The message of a failed load, or a marker that makes the calling expectation fail.
template <class T>
std::string error_of(const core::Result<T>& result) {
  if (result) return "<loaded without error>";
  EXPECT_EQ(result.error().code, core::ErrorCode::kConfigInvalid);
  return result.error().message;
}

inline std::string error_of(const core::Status& status) {
  if (status) return "<valid>";
  EXPECT_EQ(status.error().code, core::ErrorCode::kConfigInvalid);
  return status.error().message;
}

// Every example value at once: a valid configuration where no key has its default.
inline Vars all_examples() {
  Vars vars;
  for (const auto& key : config_keys()) vars[key.env_var] = key.example;
  return vars;
}

// A file with `content` in the temp dir, removed again at the end of the scope.
class TempFile {
 public:
  explicit TempFile(std::string_view content) {
    static std::atomic<int> counter{0};
    path_ =
        std::filesystem::temp_directory_path() / ("toq_config_test_" + std::to_string(::getpid()) +
                                                  "_" + std::to_string(counter++) + ".yaml");
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace toq::app::config_test
