// The configuration's sources (defaults, the YAML file, the environment, overrides), its key
// table, and the typo protection of load_config.

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "app/config.hpp"
#include "app/config/config_test_support.hpp"

namespace toq::app {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace toq::app::config_test;  // NOLINT(google-build-using-namespace)

// ---------------------------------------------------------------------------------------------
// Defaults and sources

TEST(ConfigDefaults, NoFileNoEnvironmentGivesTheEmbeddedDefaults) {
  auto config = load_config(std::nullopt, MapEnvironment{});
  ASSERT_TRUE(config) << config.error().message;
  const Config& c = *config;
  EXPECT_EQ(c.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.server.shutdown_grace_seconds, 20);
  EXPECT_EQ(c.server.max_body_bytes, 1 * kMiB);
  EXPECT_EQ(c.data_dir, std::filesystem::path("./var"));
  EXPECT_EQ(c.database.driver, DatabaseDriver::kSqlite);
  EXPECT_EQ(c.database.sqlite.path, std::filesystem::path("./var/toq-media.db"));
  EXPECT_EQ(c.database.sqlite.busy_timeout_ms, 5000);
  EXPECT_EQ(c.database.mysql.port, 3306);
  EXPECT_EQ(c.database.mysql.host, "");
  EXPECT_EQ(c.storage.driver, StorageDriver::kLocal);
  EXPECT_EQ(c.storage.public_base_url, "http://127.0.0.1:8080");
  EXPECT_EQ(c.storage.local.root, std::filesystem::path("./var/objects"));
  EXPECT_FALSE(c.storage.s3.path_style);
  EXPECT_EQ(c.storage.url_ttl_seconds, 3600);
  EXPECT_EQ(c.storage.multipart_threshold_bytes, 64 * kMiB);
  EXPECT_EQ(c.storage.part_size_bytes, 16 * kMiB);
  EXPECT_EQ(c.auth.jwt_secret, "");
  EXPECT_EQ(c.auth.leeway_seconds, 60);
  EXPECT_EQ(c.uploads.max_files_per_batch, 100U);
  EXPECT_EQ(c.uploads.max_bytes.at(core::MediaGroup::kPhoto), 60 * kMiB);
  EXPECT_EQ(c.uploads.max_bytes.at(core::MediaGroup::kVideo), 10 * kGiB);
  EXPECT_EQ(c.uploads.max_bytes.at(core::MediaGroup::kProject), 60 * kMiB);
  EXPECT_EQ(c.uploads.allowed_content_types, core::ManifestLimits::default_content_types());
  EXPECT_EQ(c.uploads.expire_after_seconds, 86400);
  EXPECT_EQ(c.uploads.expiry_sweep_seconds, 60);
  EXPECT_EQ(c.processing.mode, ProcessingMode::kLocal);
  EXPECT_EQ(c.processing.workers, 0);
  EXPECT_TRUE(c.cors.allowed_origins.empty());
  EXPECT_EQ(c.webhooks.url, "");
  EXPECT_EQ(c.log.level, LogLevel::kInfo);
  EXPECT_EQ(c.log.format, LogFormat::kJson);
}

TEST(ConfigDefaults, ManifestLimitsCarryTheConfiguredValues) {
  auto config =
      from_env({{"TOQ_MEDIA_UPLOADS_MAX_FILES_PER_BATCH", "7"},
                {"TOQ_MEDIA_UPLOADS_MAX_BYTES_VIDEO", "2GiB"},
                {"TOQ_MEDIA_UPLOADS_ALLOWED_CONTENT_TYPES_PROJECT_DOC", "application/pdf"}});
  ASSERT_TRUE(config) << config.error().message;
  const auto limits = manifest_limits(*config);
  EXPECT_EQ(limits.max_files_per_batch, 7U);
  EXPECT_EQ(limits.max_bytes.at(core::MediaGroup::kVideo), 2 * kGiB);
  EXPECT_EQ(limits.max_bytes.at(core::MediaGroup::kPhoto), 60 * kMiB);
  EXPECT_EQ(limits.allowed_content_types.at(core::MediaType::kProjectDoc),
            std::set<std::string>{"application/pdf"});
  // What config does not own keeps the core's contract values.
  EXPECT_EQ(limits.max_title_chars, core::ManifestLimits{}.max_title_chars);
}

TEST(ConfigUploads, ExpiryComesFromTheEnvironmentWithinItsRange) {
  auto config = from_env({{"TOQ_MEDIA_UPLOADS_EXPIRE_AFTER_SECONDS", "7200"},
                          {"TOQ_MEDIA_UPLOADS_EXPIRY_SWEEP_SECONDS", "5"}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->uploads.expire_after_seconds, 7200);
  EXPECT_EQ(config->uploads.expiry_sweep_seconds, 5);
  auto zero = from_env({{"TOQ_MEDIA_UPLOADS_EXPIRE_AFTER_SECONDS", "0"}});
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().message.find("uploads.expireAfterSeconds"), std::string::npos)
      << zero.error().message;
}

TEST(ConfigSources, YamlFileValuesAreApplied) {
  const TempFile file(R"(# a production-like file
server:
  listen: "0.0.0.0:9000"
dataDir: /srv/media
database:
  driver: mysql
  mysql:
    host: db
    user: toq
    password: pw
    database: media
storage:
  driver: s3
  publicBaseUrl: https://media.example.com/
  s3: {bucket: toq-media, region: sa-east-1, pathStyle: yes}
  partSizeBytes: 8 MiB
uploads:
  maxFilesPerBatch: 20
  maxBytes:
    video: 2GiB
  allowedContentTypes:
    photoVertical: [image/JPEG, " image/png "]
cors:
  allowedOrigins:
    - https://app.example.com
    - http://localhost:5173
log: {level: warning, format: text}
)");
  auto config = load_config(file.path(), MapEnvironment{});
  ASSERT_TRUE(config) << config.error().message;
  const Config& c = *config;
  EXPECT_EQ(c.server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.storage.public_base_url, "https://media.example.com");  // trailing slash dropped
  EXPECT_EQ(c.data_dir, std::filesystem::path("/srv/media"));
  EXPECT_EQ(c.database.sqlite.path, std::filesystem::path("/srv/media/toq-media.db"));
  EXPECT_EQ(c.storage.local.root, std::filesystem::path("/srv/media/objects"));
  EXPECT_EQ(c.database.driver, DatabaseDriver::kMysql);
  EXPECT_EQ(c.database.mysql.host, "db");
  EXPECT_EQ(c.database.mysql.password, "pw");
  EXPECT_EQ(c.storage.driver, StorageDriver::kS3);
  EXPECT_EQ(c.storage.s3.bucket, "toq-media");
  EXPECT_TRUE(c.storage.s3.path_style);
  EXPECT_EQ(c.storage.part_size_bytes, 8 * kMiB);
  EXPECT_EQ(c.uploads.max_files_per_batch, 20U);
  EXPECT_EQ(c.uploads.max_bytes.at(core::MediaGroup::kVideo), 2 * kGiB);
  EXPECT_EQ(c.uploads.max_bytes.at(core::MediaGroup::kPhoto), 60 * kMiB);
  EXPECT_EQ(c.uploads.allowed_content_types.at(core::MediaType::kPhotoVertical),
            (std::set<std::string>{"image/jpeg", "image/png"}));
  EXPECT_EQ(c.uploads.allowed_content_types.at(core::MediaType::kPhotoHorizontal),
            core::ManifestLimits::default_content_types().at(core::MediaType::kPhotoHorizontal));
  EXPECT_EQ(c.cors.allowed_origins,
            (std::vector<std::string>{"https://app.example.com", "http://localhost:5173"}));
  EXPECT_EQ(c.log.level, LogLevel::kWarn);
  EXPECT_EQ(c.log.format, LogFormat::kText);
}

TEST(ConfigSources, EmptyFileMeansDefaults) {
  auto config = from_yaml("# nothing here\n");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(*config, *load_config(std::nullopt, MapEnvironment{}));
}

TEST(ConfigSources, EnvironmentOverridesFile) {
  auto config = from_yaml(
      "server:\n  listen: 127.0.0.1:9000\n  shutdownGraceSeconds: 5\ncors:\n  allowedOrigins: "
      "[https://a.example]\n",
      {{"TOQ_MEDIA_SERVER_LISTEN", "127.0.0.1:9100"},
       {"TOQ_MEDIA_CORS_ALLOWED_ORIGINS", " https://b.example , https://c.example,"}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->server.listen, "127.0.0.1:9100");
  EXPECT_EQ(config->storage.public_base_url, "http://127.0.0.1:9100");
  EXPECT_EQ(config->server.shutdown_grace_seconds, 5);  // from the file, not overridden
  EXPECT_EQ(config->cors.allowed_origins,
            (std::vector<std::string>{"https://b.example", "https://c.example"}));
}

TEST(ConfigSources, DerivedPathsFollowTheFinalDataDirUnlessSetExplicitly) {
  auto config = from_yaml("dataDir: /from/file\nstorage:\n  local:\n    root: /explicit/objects\n",
                          {{"TOQ_MEDIA_DATA_DIR", "/from/env"}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->data_dir, std::filesystem::path("/from/env"));
  EXPECT_EQ(config->database.sqlite.path, std::filesystem::path("/from/env/toq-media.db"));
  EXPECT_EQ(config->storage.local.root, std::filesystem::path("/explicit/objects"));
}

TEST(ConfigSources, PublicBaseUrlDerivedFromWildcardListenUsesLoopback) {
  auto v4 = from_env({{"TOQ_MEDIA_SERVER_LISTEN", "0.0.0.0:8081"}});
  ASSERT_TRUE(v4) << v4.error().message;
  EXPECT_EQ(v4->storage.public_base_url, "http://127.0.0.1:8081");
  auto v6 = from_env({{"TOQ_MEDIA_SERVER_LISTEN", "[::]:8082"}});
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->storage.public_base_url, "http://[::1]:8082");
}

TEST(ConfigSources, ConfigFileCanBeNamedByTheEnvironment) {
  const TempFile file("processing:\n  workers: 3\n");
  auto config = from_env({{"TOQ_MEDIA_CONFIG", file.path().string()}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->processing.workers, 3);
}

TEST(ConfigSources, ExplicitFileWinsOverTheEnvironmentsFile) {
  const TempFile explicit_file("processing:\n  workers: 4\n");
  auto config = load_config(explicit_file.path(),
                            MapEnvironment({{"TOQ_MEDIA_CONFIG", "/nonexistent/other.yaml"}}));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->processing.workers, 4);
}

TEST(ConfigSources, UnreadableFileIsAnErrorNamingIt) {
  auto config = load_config(std::filesystem::path("/nonexistent/toq.yaml"), MapEnvironment{});
  EXPECT_THAT(error_of(config), HasSubstr("/nonexistent/toq.yaml"));
}

TEST(ConfigSources, ProcessEnvironmentSeesRealVariables) {
  ::setenv("TOQ_MEDIA_CONFIG_TEST_PROBE", "x", 1);
  const ProcessEnvironment env;
  EXPECT_EQ(env.get("TOQ_MEDIA_CONFIG_TEST_PROBE"), "x");
  const auto names = env.names();
  EXPECT_NE(std::find(names.begin(), names.end(), "TOQ_MEDIA_CONFIG_TEST_PROBE"), names.end());
  auto snapshot = MapEnvironment::snapshot(env);
  EXPECT_EQ(snapshot.get("TOQ_MEDIA_CONFIG_TEST_PROBE"), "x");
  ::unsetenv("TOQ_MEDIA_CONFIG_TEST_PROBE");
  EXPECT_FALSE(env.get("TOQ_MEDIA_CONFIG_TEST_PROBE"));
}

TEST(ConfigSources, CommandLineOverridesLayerOnAnEnvironmentSnapshot) {
  auto env = MapEnvironment::snapshot(MapEnvironment({{"TOQ_MEDIA_DATA_DIR", "/a"}}));
  env.set("TOQ_MEDIA_DATA_DIR", "/b");  // --data-dir /b
  auto config = load_config(std::nullopt, env);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->database.sqlite.path, std::filesystem::path("/b/toq-media.db"));
  env.unset("TOQ_MEDIA_DATA_DIR");
  EXPECT_FALSE(env.get("TOQ_MEDIA_DATA_DIR"));
}

// ---------------------------------------------------------------------------------------------
// The key table

TEST(ConfigKeys, EnvironmentNamesAreDerivedMechanically) {
  EXPECT_EQ(env_var_for("storage.publicBaseUrl"), "TOQ_MEDIA_STORAGE_PUBLIC_BASE_URL");
  EXPECT_EQ(env_var_for("uploads.maxBytes.photo"), "TOQ_MEDIA_UPLOADS_MAX_BYTES_PHOTO");
  EXPECT_EQ(env_var_for("storage.s3.accessKeyId"), "TOQ_MEDIA_STORAGE_S3_ACCESS_KEY_ID");
  EXPECT_EQ(env_var_for("dataDir"), "TOQ_MEDIA_DATA_DIR");
  std::set<std::string> vars;
  std::set<std::string> paths;
  for (const auto& key : config_keys()) {
    EXPECT_EQ(key.env_var, env_var_for(key.path));
    EXPECT_TRUE(vars.insert(key.env_var).second) << "two keys map to " << key.env_var;
    EXPECT_TRUE(paths.insert(key.path).second) << "key listed twice: " << key.path;
    EXPECT_NE(key.env_var, kConfigFileEnvVar);
  }
  EXPECT_TRUE(paths.contains("uploads.allowedContentTypes.photoVertical"));
  EXPECT_TRUE(paths.contains("uploads.allowedContentTypes.projectRender"));
  EXPECT_TRUE(paths.contains("cors.allowedOrigins"));
}

TEST(ConfigKeys, EveryKeyIsReachableFromTheEnvironment) {
  const Config defaults = *load_config(std::nullopt, MapEnvironment{});
  auto config = from_env(all_examples());
  ASSERT_TRUE(config) << config.error().message;
  for (const auto& key : config_keys()) {
    SCOPED_TRACE(key.env_var);
    EXPECT_NE(config_value(defaults, key.path), key.example) << "example equals the default";
    EXPECT_EQ(config_value(*config, key.path), key.example);
  }
  // Spot-check that the values land in the fields they are named after.
  EXPECT_EQ(config->storage.public_base_url, "https://media.example.com");
  EXPECT_EQ(config->storage.s3.secret_access_key, "wJalrXUtnFEMI/K7MDENG");
  EXPECT_EQ(config->storage.part_size_bytes, 32 * kMiB);
  EXPECT_EQ(config->uploads.max_bytes.at(core::MediaGroup::kProject), 100 * kMiB);
  EXPECT_EQ(config->database.mysql.port, 3307);
  EXPECT_TRUE(config->storage.s3.path_style);
}

TEST(ConfigKeys, EveryKeyIsReachableFromTheEnvironmentOnItsOwn) {
  // Keys that only validate together with others get those others from the examples too.
  const std::map<std::string, Vars> needs = {
      {"database.driver",
       {{"TOQ_MEDIA_DATABASE_MYSQL_HOST", "h"},
        {"TOQ_MEDIA_DATABASE_MYSQL_USER", "u"},
        {"TOQ_MEDIA_DATABASE_MYSQL_DATABASE", "d"}}},
      {"storage.driver",
       {{"TOQ_MEDIA_STORAGE_S3_BUCKET", "bucket"}, {"TOQ_MEDIA_STORAGE_S3_REGION", "r"}}},
      {"processing.mode",
       {{"TOQ_MEDIA_STORAGE_DRIVER", "s3"},
        {"TOQ_MEDIA_STORAGE_S3_BUCKET", "bucket"},
        {"TOQ_MEDIA_STORAGE_S3_REGION", "r"},
        {"TOQ_MEDIA_AWS_STATE_MACHINE_ARN", "arn:aws:states:r:1:stateMachine:m"}}},
      {"storage.s3.secretAccessKey", {{"TOQ_MEDIA_STORAGE_S3_ACCESS_KEY_ID", "AKIA"}}},
      {"storage.s3.sessionToken",
       {{"TOQ_MEDIA_STORAGE_S3_ACCESS_KEY_ID", "AKIA"},
        {"TOQ_MEDIA_STORAGE_S3_SECRET_ACCESS_KEY", "secret"}}},
      {"storage.s3.accessKeyId", {{"TOQ_MEDIA_STORAGE_S3_SECRET_ACCESS_KEY", "secret"}}},
      {"webhooks.url", {{"TOQ_MEDIA_WEBHOOKS_SECRET", "s"}}},
  };
  for (const auto& key : config_keys()) {
    SCOPED_TRACE(key.env_var);
    Vars vars = {{key.env_var, key.example}};
    if (auto it = needs.find(key.path); it != needs.end())
      vars.insert(it->second.begin(), it->second.end());
    auto config = from_env(vars);
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config_value(*config, key.path), key.example);
  }
}

TEST(ConfigKeys, UnknownKeyPathHasNoValue) {
  EXPECT_FALSE(config_value(Config{}, "server.nope"));
}

// ---------------------------------------------------------------------------------------------
// Typo protection

TEST(ConfigErrors, UnknownYamlKeyNamesKeyLineAndSuggestion) {
  auto config = from_yaml("server:\n  listen: 127.0.0.1:8080\n  listn: 127.0.0.1:9\n");
  const auto message = error_of(config);
  EXPECT_THAT(message, HasSubstr("server.listn: unknown key"));
  EXPECT_THAT(message, HasSubstr("config.yaml:3:3"));
  EXPECT_THAT(message, HasSubstr("did you mean 'server.listen'?"));
  ASSERT_TRUE(std::holds_alternative<core::FieldErrors>(config.error().details));
  const auto& fields = std::get<core::FieldErrors>(config.error().details).fields;
  ASSERT_EQ(fields.size(), 1U);
  EXPECT_EQ(fields[0].field, "server.listn");
  EXPECT_EQ(fields[0].rule, "UNKNOWN_KEY");
}

TEST(ConfigErrors, UnknownTopLevelAndNestedKeysAreReported) {
  const auto message = error_of(
      from_yaml("logging:\n  level: debug\nstorage:\n  s3:\n    bucket: b-1\n    acessKeyId: x\n"));
  EXPECT_THAT(message, HasSubstr("logging: unknown key (from config.yaml:1:1)"));
  EXPECT_THAT(message, HasSubstr("storage.s3.acessKeyId: unknown key (from config.yaml:6:5)"));
  EXPECT_THAT(message, HasSubstr("did you mean 'storage.s3.accessKeyId'?"));
  EXPECT_THAT(message, HasSubstr("2 configuration errors"));
}

TEST(ConfigErrors, SnakeCaseSpellingInYamlIsUnknown) {
  EXPECT_THAT(error_of(from_yaml("storage:\n  public_base_url: http://x\n")),
              HasSubstr("storage.public_base_url: unknown key"));
}

TEST(ConfigErrors, PublicBaseUrlIsAStorageKeyNotAServerKey) {
  EXPECT_THAT(error_of(from_yaml("server:\n  publicBaseUrl: http://x\n")),
              HasSubstr("server.publicBaseUrl: unknown key"));
  EXPECT_THAT(error_of(from_env({{"TOQ_MEDIA_SERVER_PUBLIC_BASE_URL", "http://x"}})),
              HasSubstr("TOQ_MEDIA_SERVER_PUBLIC_BASE_URL: unknown environment variable"));
}

TEST(ConfigErrors, DuplicateYamlKeyIsAnError) {
  EXPECT_THAT(error_of(from_yaml("log:\n  level: info\n  level: debug\n")),
              HasSubstr("log.level: key given twice (from config.yaml:3:3)"));
}

TEST(ConfigErrors, SectionGivenAsScalarListsItsKeys) {
  EXPECT_THAT(error_of(from_yaml("uploads:\n  maxBytes: 10GiB\n")),
              AllOf(HasSubstr("uploads.maxBytes: expected a mapping with the keys photo, video, "
                              "project"),
                    HasSubstr("config.yaml:2:13")));
}

TEST(ConfigErrors, ScalarKeyGivenAsListOrMapIsAnError) {
  EXPECT_THAT(error_of(from_yaml("server:\n  listen: [a, b]\n")),
              HasSubstr("server.listen: expected host:port"));
  EXPECT_THAT(error_of(from_yaml("server:\n  listen: {a: b}\n")), HasSubstr("got a mapping"));
}

TEST(ConfigErrors, UnknownToqMediaVariableIsAnErrorOthersAreIgnored) {
  const auto message = error_of(from_env({{"TOQ_MEDIA_SERVER_LISTN", "127.0.0.1:1"},
                                          {"PATH", "/usr/bin"},
                                          {"TOQ_MEDIAX", "not our prefix"}}));
  EXPECT_THAT(message, HasSubstr("TOQ_MEDIA_SERVER_LISTN: unknown environment variable"));
  EXPECT_THAT(message, HasSubstr("did you mean TOQ_MEDIA_SERVER_LISTEN?"));
  EXPECT_THAT(message, Not(HasSubstr("PATH")));
  EXPECT_THAT(message, Not(HasSubstr("TOQ_MEDIAX")));
}

TEST(ConfigErrors, YamlSyntaxErrorNamesTheLine) {
  EXPECT_THAT(error_of(from_yaml("server:\n  listen: [unclosed\nlog: {}\n")),
              AllOf(HasSubstr("config.yaml:"), HasSubstr("invalid YAML")));
}

TEST(ConfigErrors, TopLevelMustBeAMapping) {
  EXPECT_THAT(error_of(from_yaml("- a\n- b\n")),
              HasSubstr("expected a mapping of configuration keys"));
}

TEST(ConfigErrors, MessageNamesKeySourceValueAndExpectation) {
  EXPECT_EQ(error_of(from_env({{"TOQ_MEDIA_UPLOADS_MAX_BYTES_PHOTO", "abc"}})),
            "uploads.maxBytes.photo: expected a positive integer number of bytes, at most 5TiB "
            "(suffixes KiB, MiB, GiB, TiB allowed, e.g. 64MiB), got 'abc' (from "
            "TOQ_MEDIA_UPLOADS_MAX_BYTES_PHOTO)");
  EXPECT_THAT(error_of(from_yaml("storage:\n  urlTtlSeconds: 604801\n")),
              AllOf(HasSubstr("storage.urlTtlSeconds: expected an integer from 1 to 604800"),
                    HasSubstr("got '604801' (from config.yaml:2:18)")));
}

TEST(ConfigErrors, AllProblemsAreReportedAtOnce) {
  auto config = from_env({{"TOQ_MEDIA_SERVER_LISTEN", "nope"},
                          {"TOQ_MEDIA_LOG_LEVEL", "loud"},
                          {"TOQ_MEDIA_PROCESSING_WORKERS", "-1"}});
  EXPECT_THAT(error_of(config),
              AllOf(HasSubstr("3 configuration errors"), HasSubstr("server.listen"),
                    HasSubstr("log.level"), HasSubstr("processing.workers")));
  EXPECT_EQ(std::get<core::FieldErrors>(config.error().details).fields.size(), 3U);
}

TEST(ConfigErrors, SecretsAreNotEchoedInErrors) {
  const auto message = error_of(from_env({{"TOQ_MEDIA_AUTH_JWT_SECRET", "short-secret"}}));
  EXPECT_THAT(message, HasSubstr("auth.jwtSecret: expected at least 32 bytes"));
  EXPECT_THAT(message, HasSubstr("got '***'"));
  EXPECT_THAT(message, Not(HasSubstr("short-secret")));
}

}  // namespace
}  // namespace toq::app
