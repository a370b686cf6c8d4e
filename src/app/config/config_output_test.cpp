// dump_config (secrets redacted, round trips) and the documented example file.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "app/config.hpp"
#include "app/config/config_test_support.hpp"

namespace toq::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace toq::app::config_test;  // NOLINT(google-build-using-namespace)

// ---------------------------------------------------------------------------------------------
// dump_config

TEST(DumpConfig, RedactsSecrets) {
  auto config = from_env(all_examples());
  ASSERT_TRUE(config) << config.error().message;
  const std::string redacted = dump_config(*config, true);
  const std::string clear = dump_config(*config, false);
  for (const auto& key : config_keys()) {
    if (!key.secret) continue;
    SCOPED_TRACE(key.path);
    EXPECT_THAT(redacted, Not(HasSubstr(key.example)));
    EXPECT_THAT(clear, HasSubstr(key.example));
  }
  const YAML::Node doc = YAML::Load(redacted);
  EXPECT_EQ(doc["database"]["mysql"]["password"].as<std::string>(), "***");
  EXPECT_EQ(doc["storage"]["s3"]["secretAccessKey"].as<std::string>(), "***");
  EXPECT_EQ(doc["storage"]["s3"]["sessionToken"].as<std::string>(), "***");
  EXPECT_EQ(doc["auth"]["jwtSecret"].as<std::string>(), "***");
  EXPECT_EQ(doc["webhooks"]["secret"].as<std::string>(), "***");
  EXPECT_EQ(doc["storage"]["s3"]["accessKeyId"].as<std::string>(), "AKIAEXAMPLE");
}

TEST(DumpConfig, EmptySecretsStayVisiblyEmpty) {
  const Config defaults = *load_config(std::nullopt, MapEnvironment{});
  const YAML::Node doc = YAML::Load(dump_config(defaults, true));
  EXPECT_EQ(doc["auth"]["jwtSecret"].as<std::string>(), "");
}

TEST(DumpConfig, RoundTripsDefaultsAndEveryExample) {
  const Config defaults = *load_config(std::nullopt, MapEnvironment{});
  auto examples = from_env(all_examples());
  ASSERT_TRUE(examples) << examples.error().message;
  for (const Config& original : {defaults, *examples}) {
    const std::string yaml = dump_config(original, false);
    auto reloaded = from_yaml(yaml);
    ASSERT_TRUE(reloaded) << reloaded.error().message << "\n" << yaml;
    EXPECT_EQ(*reloaded, original) << yaml;
  }
}

TEST(DumpConfig, RoundTripsThroughAFileWithAwkwardStrings) {
  auto config = from_env({{"TOQ_MEDIA_AUTH_ISSUER", "it's: \"quoted\" # not a comment"},
                          {"TOQ_MEDIA_AUTH_AUDIENCE", "ação 🏠"},
                          {"TOQ_MEDIA_DATABASE_MYSQL_PASSWORD", "*** no"},
                          {"TOQ_MEDIA_LOG_LEVEL", "off"},
                          {"TOQ_MEDIA_CORS_ALLOWED_ORIGINS", "*"}});
  ASSERT_TRUE(config) << config.error().message;
  const TempFile file(dump_config(*config, false));
  auto reloaded = load_config(file.path(), MapEnvironment{});
  ASSERT_TRUE(reloaded) << reloaded.error().message;
  EXPECT_EQ(*reloaded, *config);
}

TEST(DumpConfig, WritesTheFileLayout) {
  const Config defaults = *load_config(std::nullopt, MapEnvironment{});
  const YAML::Node doc = YAML::Load(dump_config(defaults, false));
  EXPECT_EQ(doc["server"]["listen"].as<std::string>(), "127.0.0.1:8080");
  EXPECT_EQ(doc["storage"]["multipartThresholdBytes"].as<std::string>(), "64MiB");
  EXPECT_EQ(doc["uploads"]["maxBytes"]["video"].as<std::string>(), "10GiB");
  EXPECT_TRUE(doc["uploads"]["allowedContentTypes"]["photoVertical"].IsSequence());
  EXPECT_EQ(doc["dataDir"].as<std::string>(), "./var");
}

// ---------------------------------------------------------------------------------------------
// The documented example file

bool has_path(const YAML::Node& node, std::string_view path) {
  if (!node.IsMap()) return false;
  const auto dot = path.find('.');
  const YAML::Node child = node[std::string(path.substr(0, dot))];
  if (!child) return false;
  return dot == std::string_view::npos || has_path(child, path.substr(dot + 1));
}

TEST(ExampleFile, LoadsToTheDefaultsAndMentionsEveryKey) {
  const std::filesystem::path path =
      std::filesystem::path(TOQ_SOURCE_DIR) / "docs" / "config.example.yaml";
  auto config = load_config(path, MapEnvironment{});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(*config, *load_config(std::nullopt, MapEnvironment{}));
  const YAML::Node doc = YAML::LoadFile(path.string());
  for (const auto& key : config_keys()) {
    EXPECT_TRUE(has_path(doc, key.path)) << key.path << " is not in docs/config.example.yaml";
  }
}

}  // namespace
}  // namespace toq::app
