// The validation rules of a loaded configuration: each key's range or format, and the checks
// across keys.

#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "app/config.hpp"
#include "app/config/config_test_support.hpp"

namespace toq::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace toq::app::config_test;  // NOLINT(google-build-using-namespace)

// ---------------------------------------------------------------------------------------------
// Validation rules

struct Case {
  Vars vars;
  std::string error;  // empty: must load
};

void check(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    std::string label;
    for (const auto& [k, v] : c.vars) label += k + "=" + v + " ";
    SCOPED_TRACE(label);
    auto config = from_env(c.vars);
    if (c.error.empty()) {
      EXPECT_TRUE(config) << config.error().message;
    } else {
      EXPECT_THAT(error_of(config), HasSubstr(c.error));
    }
  }
}

TEST(ConfigValidation, ListenIsHostColonPortWithPortInRange) {
  const std::string e = "server.listen: expected host:port";
  check({
      {{{"TOQ_MEDIA_SERVER_LISTEN", "localhost:65535"}}, ""},
      {{{"TOQ_MEDIA_SERVER_LISTEN", "0.0.0.0:1"}}, ""},
      {{{"TOQ_MEDIA_SERVER_LISTEN", "[::1]:8080"}}, ""},
      {{{"TOQ_MEDIA_SERVER_LISTEN", "localhost"}}, e},
      {{{"TOQ_MEDIA_SERVER_LISTEN", "127.0.0.1:0"}}, e},
      {{{"TOQ_MEDIA_SERVER_LISTEN", "127.0.0.1:65536"}}, e},
      {{{"TOQ_MEDIA_SERVER_LISTEN", "127.0.0.1:http"}}, e},
      {{{"TOQ_MEDIA_SERVER_LISTEN", "127.0.0.1:-1"}}, e},
      {{{"TOQ_MEDIA_SERVER_LISTEN", ":8080"}}, e},
      {{{"TOQ_MEDIA_SERVER_LISTEN", "::1:8080"}}, e},
      {{{"TOQ_MEDIA_SERVER_LISTEN", "http://host:80"}}, e},
  });
}

TEST(ConfigValidation, EnumeratedValues) {
  check({
      {{{"TOQ_MEDIA_DATABASE_DRIVER", "postgres"}},
       "database.driver: expected one of: sqlite, mysql, got 'postgres'"},
      {{{"TOQ_MEDIA_STORAGE_DRIVER", "gcs"}}, "storage.driver: expected one of: local, s3"},
      {{{"TOQ_MEDIA_PROCESSING_MODE", "lambda"}}, "processing.mode: expected one of: local, aws"},
      {{{"TOQ_MEDIA_LOG_LEVEL", "verbose"}}, "log.level: expected one of: trace, debug, info"},
      {{{"TOQ_MEDIA_LOG_FORMAT", "xml"}}, "log.format: expected one of: json, text"},
      {{{"TOQ_MEDIA_LOG_LEVEL", "WARN"}}, ""},
      {{{"TOQ_MEDIA_STORAGE_S3_PATH_STYLE", "maybe"}},
       "storage.s3.pathStyle: expected true or false"},
  });
}

TEST(ConfigValidation, SizesArePositive) {
  check({
      {{{"TOQ_MEDIA_UPLOADS_MAX_BYTES_PHOTO", "0"}}, "uploads.maxBytes.photo: expected a positive"},
      {{{"TOQ_MEDIA_UPLOADS_MAX_BYTES_VIDEO", "-1"}},
       "uploads.maxBytes.video: expected a positive"},
      {{{"TOQ_MEDIA_UPLOADS_MAX_BYTES_PROJECT", ""}}, "uploads.maxBytes.project"},
      {{{"TOQ_MEDIA_SERVER_MAX_BODY_BYTES", "0"}}, "server.maxBodyBytes"},
      {{{"TOQ_MEDIA_UPLOADS_MAX_FILES_PER_BATCH", "0"}}, "uploads.maxFilesPerBatch"},
      {{{"TOQ_MEDIA_UPLOADS_MAX_BYTES_PHOTO", "1"}}, ""},
  });
}

// The connection layer's caps and deadlines: defaults as compiled in before they were keys, each
// settable from the environment, out-of-range values and a per-address cap above the total
// refused with the key named.
TEST(ConnectionLayerKeys, DefaultsOverlayAndRanges) {
  auto defaults = from_env({});
  ASSERT_TRUE(defaults) << defaults.error().message;
  const auto& s = defaults->server;
  EXPECT_EQ(s.write_timeout_seconds, 0);  // = readTimeoutSeconds (30)
  EXPECT_EQ(s.header_timeout_seconds, 0);
  EXPECT_EQ(s.keep_alive_timeout_seconds, 5);
  EXPECT_EQ(s.max_connections, 8192);
  EXPECT_EQ(s.max_connections_per_client, 2048);
  EXPECT_EQ(s.max_header_bytes, 64 * 1024);
  EXPECT_EQ(s.max_drain_bytes, 8 * 1024 * 1024);
  EXPECT_EQ(s.io_threads, 2);
  EXPECT_EQ(s.api_threads, 8);
  EXPECT_EQ(s.storage_threads, 8);

  auto lowered = from_env({{"TOQ_MEDIA_SERVER_MAX_CONNECTIONS", "40"},
                           {"TOQ_MEDIA_SERVER_MAX_CONNECTIONS_PER_CLIENT", "10"},
                           {"TOQ_MEDIA_SERVER_MAX_HEADER_BYTES", "16KiB"},
                           {"TOQ_MEDIA_SERVER_KEEP_ALIVE_TIMEOUT_SECONDS", "2"},
                           {"TOQ_MEDIA_SERVER_HEADER_TIMEOUT_SECONDS", "7"},
                           {"TOQ_MEDIA_SERVER_WRITE_TIMEOUT_SECONDS", "9"},
                           {"TOQ_MEDIA_SERVER_MAX_DRAIN_BYTES", "0"},
                           {"TOQ_MEDIA_SERVER_IO_THREADS", "1"},
                           {"TOQ_MEDIA_SERVER_API_THREADS", "3"},
                           {"TOQ_MEDIA_SERVER_STORAGE_THREADS", "4"}});
  ASSERT_TRUE(lowered) << lowered.error().message;
  EXPECT_EQ(lowered->server.max_connections, 40);
  EXPECT_EQ(lowered->server.max_connections_per_client, 10);
  EXPECT_EQ(lowered->server.max_header_bytes, 16 * 1024);
  EXPECT_EQ(lowered->server.keep_alive_timeout_seconds, 2);
  EXPECT_EQ(lowered->server.header_timeout_seconds, 7);
  EXPECT_EQ(lowered->server.write_timeout_seconds, 9);
  EXPECT_EQ(lowered->server.max_drain_bytes, 0);
  EXPECT_EQ(lowered->server.io_threads, 1);
  EXPECT_EQ(lowered->server.api_threads, 3);
  EXPECT_EQ(lowered->server.storage_threads, 4);

  check({
      {{{"TOQ_MEDIA_SERVER_MAX_CONNECTIONS", "0"}}, "server.maxConnections: expected an integer"},
      {{{"TOQ_MEDIA_SERVER_IO_THREADS", "0"}}, "server.ioThreads: expected an integer from 1"},
      {{{"TOQ_MEDIA_SERVER_STORAGE_THREADS", "many"}}, "server.storageThreads"},
      {{{"TOQ_MEDIA_SERVER_MAX_HEADER_BYTES", "1KiB"}}, "server.maxHeaderBytes"},
      {{{"TOQ_MEDIA_SERVER_KEEP_ALIVE_TIMEOUT_SECONDS", "0"}}, "server.keepAliveTimeoutSeconds"},
      {{{"TOQ_MEDIA_SERVER_MAX_CONNECTIONS", "100"},
        {"TOQ_MEDIA_SERVER_MAX_CONNECTIONS_PER_CLIENT", "101"}},
       "server.maxConnectionsPerClient (101) must not exceed server.maxConnections (100)"},
      {{{"TOQ_MEDIA_SERVER_MAX_CONNECTIONS", "100"},
        {"TOQ_MEDIA_SERVER_MAX_CONNECTIONS_PER_CLIENT", "100"}},
       ""},
  });
}

TEST(ConfigValidation, PartSizeWithinS3Limits) {
  const std::string e = "storage.partSizeBytes: expected a number of bytes from 5MiB to 5GiB";
  check({
      {{{"TOQ_MEDIA_STORAGE_PART_SIZE_BYTES", "5MiB"}}, ""},
      {{{"TOQ_MEDIA_STORAGE_PART_SIZE_BYTES", "5242879"}}, e},
      {{{"TOQ_MEDIA_STORAGE_PART_SIZE_BYTES", "5GiB"},
        {"TOQ_MEDIA_STORAGE_MULTIPART_THRESHOLD_BYTES", "5GiB"}},
       ""},
      {{{"TOQ_MEDIA_STORAGE_PART_SIZE_BYTES", "5121MiB"},
        {"TOQ_MEDIA_STORAGE_MULTIPART_THRESHOLD_BYTES", "5GiB"}},
       e},
      {{{"TOQ_MEDIA_STORAGE_MULTIPART_THRESHOLD_BYTES", "6GiB"}},
       "storage.multipartThresholdBytes: expected a positive integer number of bytes, at most "
       "5GiB"},
  });
}

TEST(ConfigValidation, MultipartThresholdAtLeastPartSize) {
  check({
      {{{"TOQ_MEDIA_STORAGE_MULTIPART_THRESHOLD_BYTES", "16MiB"}}, ""},
      {{{"TOQ_MEDIA_STORAGE_MULTIPART_THRESHOLD_BYTES", "15MiB"}},
       "storage.multipartThresholdBytes: expected at least storage.partSizeBytes (16MiB), got "
       "'15MiB' (from TOQ_MEDIA_STORAGE_MULTIPART_THRESHOLD_BYTES)"},
  });
}

TEST(ConfigValidation, LargestUploadFitsInTenThousandParts) {
  check({
      {{{"TOQ_MEDIA_UPLOADS_MAX_BYTES_VIDEO", "160000MiB"}}, ""},
      {{{"TOQ_MEDIA_UPLOADS_MAX_BYTES_VIDEO", "160001MiB"}},
       "uploads.maxBytes.video: expected at most 10000 x storage.partSizeBytes = 160000MiB"},
  });
}

TEST(ConfigValidation, UrlTtlWithinSigV4Maximum) {
  const std::string e = "storage.urlTtlSeconds: expected an integer from 1 to 604800";
  check({
      {{{"TOQ_MEDIA_STORAGE_URL_TTL_SECONDS", "1"}}, ""},
      {{{"TOQ_MEDIA_STORAGE_URL_TTL_SECONDS", "604800"}}, ""},
      {{{"TOQ_MEDIA_STORAGE_URL_TTL_SECONDS", "0"}}, e},
      {{{"TOQ_MEDIA_STORAGE_URL_TTL_SECONDS", "604801"}}, e},
      {{{"TOQ_MEDIA_STORAGE_URL_TTL_SECONDS", "1h"}}, e},
  });
}

TEST(ConfigValidation, MysqlFieldsRequiredWithMysqlDriver) {
  auto config = from_env({{"TOQ_MEDIA_DATABASE_DRIVER", "mysql"}});
  const auto message = error_of(config);
  EXPECT_THAT(message, HasSubstr("database.mysql.host: required when database.driver is 'mysql' "
                                 "(database.driver from TOQ_MEDIA_DATABASE_DRIVER)"));
  EXPECT_THAT(message, HasSubstr("database.mysql.user: required"));
  EXPECT_THAT(message, HasSubstr("database.mysql.database: required"));
  EXPECT_THAT(message, Not(HasSubstr("password")));  // socket/unix auth may have none
  check({
      {{{"TOQ_MEDIA_DATABASE_DRIVER", "mysql"},
        {"TOQ_MEDIA_DATABASE_MYSQL_SOCKET", "/run/mysqld/mysqld.sock"},
        {"TOQ_MEDIA_DATABASE_MYSQL_USER", "u"},
        {"TOQ_MEDIA_DATABASE_MYSQL_DATABASE", "d"}},
       ""},
      {{{"TOQ_MEDIA_DATABASE_MYSQL_PORT", "0"}}, "database.mysql.port: expected an integer from 1"},
  });
  // Only required when the driver asks for them.
  check({{{{"TOQ_MEDIA_DATABASE_MYSQL_HOST", "h"}}, ""}});
}

TEST(ConfigValidation, S3BucketAndRegionRequiredWithS3Driver) {
  check({
      {{{"TOQ_MEDIA_STORAGE_DRIVER", "s3"}},
       "storage.s3.bucket: required when storage.driver is 's3'"},
      {{{"TOQ_MEDIA_STORAGE_DRIVER", "s3"}, {"TOQ_MEDIA_STORAGE_S3_BUCKET", "b-1"}},
       "storage.s3.region: required when storage.driver is 's3'"},
      {{{"TOQ_MEDIA_STORAGE_DRIVER", "s3"},
        {"TOQ_MEDIA_STORAGE_S3_BUCKET", "b-1"},
        {"TOQ_MEDIA_STORAGE_S3_REGION", "us-east-1"}},
       ""},
      {{{"TOQ_MEDIA_STORAGE_S3_BUCKET", "My_Bucket"}}, "storage.s3.bucket: expected an S3 bucket"},
      {{{"TOQ_MEDIA_STORAGE_S3_ENDPOINT", "minio:9000"}}, "storage.s3.endpoint: expected an http"},
      {{{"TOQ_MEDIA_STORAGE_S3_ENDPOINT", "http://minio:9000"}}, ""},
      {{{"TOQ_MEDIA_STORAGE_S3_SECRET_ACCESS_KEY", "x"}},
       "storage.s3.secretAccessKey: set without storage.s3.accessKeyId"},
      {{{"TOQ_MEDIA_STORAGE_S3_ACCESS_KEY_ID", "AKIA"}},
       "storage.s3.secretAccessKey: required when storage.s3.accessKeyId is 'set'"},
  });
}

TEST(ConfigValidation, AwsProcessingNeedsS3Storage) {
  check({{{{"TOQ_MEDIA_PROCESSING_MODE", "aws"}},
          "storage.driver: required when processing.mode is 'aws'"}});
}

TEST(ConfigValidation, AuthWebhooksCorsAndContentTypes) {
  check({
      {{{"TOQ_MEDIA_AUTH_JWT_SECRET", std::string(31, 'k')}}, "auth.jwtSecret: expected at least"},
      {{{"TOQ_MEDIA_AUTH_JWT_SECRET", std::string(32, 'k')}}, ""},
      {{{"TOQ_MEDIA_AUTH_LEEWAY_SECONDS", "301"}}, "auth.leewaySeconds"},
      {{{"TOQ_MEDIA_WEBHOOKS_URL", "https://p.example/h"}},
       "webhooks.secret: required when webhooks.url is 'set'"},
      {{{"TOQ_MEDIA_WEBHOOKS_URL", "ftp://p.example/h"}, {"TOQ_MEDIA_WEBHOOKS_SECRET", "s"}},
       "webhooks.url: expected an http:// or https:// URL"},
      {{{"TOQ_MEDIA_CORS_ALLOWED_ORIGINS", "https://app.example.com/"}},
       "cors.allowedOrigins: expected a list of origins"},
      {{{"TOQ_MEDIA_CORS_ALLOWED_ORIGINS", "app.example.com"}}, "cors.allowedOrigins"},
      {{{"TOQ_MEDIA_CORS_ALLOWED_ORIGINS", "*"}}, ""},
      {{{"TOQ_MEDIA_CORS_ALLOWED_ORIGINS", "http://localhost:5173,https://[::1]:8443"}}, ""},
      {{{"TOQ_MEDIA_UPLOADS_ALLOWED_CONTENT_TYPES_PHOTO_VERTICAL", "jpeg"}},
       "uploads.allowedContentTypes.photoVertical: expected a list of content types"},
      {{{"TOQ_MEDIA_UPLOADS_ALLOWED_CONTENT_TYPES_PHOTO_VERTICAL", "image/jpeg; q=1"}},
       "uploads.allowedContentTypes.photoVertical"},
      {{{"TOQ_MEDIA_PROCESSING_WORKERS", "1025"}}, "processing.workers"},
      {{{"TOQ_MEDIA_DATA_DIR", ""}}, "dataDir: expected a non-empty path"},
      {{{"TOQ_MEDIA_STORAGE_PUBLIC_BASE_URL", "https://x.example/?a=b"}}, "storage.publicBaseUrl"},
  });
}

TEST(ConfigValidation, ContentTypesAreLowerCasedAndAnEmptyListDisablesAType) {
  auto config = from_env({{"TOQ_MEDIA_UPLOADS_ALLOWED_CONTENT_TYPES_PHOTO_VERTICAL", "Image/PNG"},
                          {"TOQ_MEDIA_UPLOADS_ALLOWED_CONTENT_TYPES_PROJECT_RENDER", ""}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->uploads.allowed_content_types.at(core::MediaType::kPhotoVertical),
            std::set<std::string>{"image/png"});
  EXPECT_TRUE(config->uploads.allowed_content_types.at(core::MediaType::kProjectRender).empty());
}

TEST(ConfigValidation, ValueErrorFromFileNamesFileAndLine) {
  EXPECT_THAT(
      error_of(from_yaml("\nstorage:\n  driver: s3\n  s3:\n    bucket: b-1\n"
                         "  partSizeBytes: 1MiB\n")),
      HasSubstr("storage.partSizeBytes: expected a number of bytes from 5MiB to 5GiB (suffixes "
                "KiB, MiB, GiB, TiB allowed, e.g. 64MiB), got '1MiB' (from "
                "config.yaml:6:18)"));
}

TEST(ConfigValidation, CrossCheckNamesTheFileLineOfTheOffendingValue) {
  EXPECT_THAT(error_of(from_yaml("storage:\n  multipartThresholdBytes: 8MiB\n")),
              HasSubstr("got '8MiB' (from config.yaml:2:28)"));
}

TEST(ConfigValidation, ValidateConfigChecksHandBuiltConfigs) {
  Config config;
  EXPECT_TRUE(validate_config(config));
  config.storage.part_size_bytes = kMiB;
  EXPECT_THAT(error_of(validate_config(config)),
              HasSubstr("storage.partSizeBytes: expected a number of bytes from 5MiB to 5GiB"));
  config = Config{};
  config.storage.driver = StorageDriver::kS3;
  EXPECT_THAT(error_of(validate_config(config)), HasSubstr("storage.s3.bucket: required"));
}

TEST(ConfigValidation, ResolveDerivedDefaultsFillsOnlyWhatIsEmpty) {
  Config config;
  config.data_dir = "/d";
  config.storage.local.root = "/elsewhere";
  resolve_derived_defaults(config);
  EXPECT_EQ(config.database.sqlite.path, std::filesystem::path("/d/toq-media.db"));
  EXPECT_EQ(config.storage.local.root, std::filesystem::path("/elsewhere"));
  EXPECT_EQ(config.storage.public_base_url, "http://127.0.0.1:8080");
}

TEST(ConfigValidation, NullYamlValues) {
  auto config = from_yaml("cors:\n  allowedOrigins:\nauth:\n  issuer:\n");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->cors.allowed_origins.empty());
  EXPECT_EQ(config->auth.issuer, "");
  EXPECT_THAT(error_of(from_yaml("database:\n  mysql:\n    port:\n")),
              HasSubstr("database.mysql.port: expected an integer from 1 to 65535, got ''"));
}

}  // namespace
}  // namespace toq::app
