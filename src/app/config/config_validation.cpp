#include "app/config/config_validation.hpp"

#include <fmt/format.h>

#include "core/model/execution_input.hpp"
#include "core/port/object_store.hpp"

namespace toq::app {

namespace detail {
namespace {

class Validator {
 public:
  Validator(const Config& config, const Origins& origins, Problems& problems)
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

  // processing.mode aws: what serve's relay and callback need.
  void aws_checks() {
    const auto& c = config_;
    // The pipeline runs in AWS and reads the uploads from the bucket.
    require(c.storage.driver == StorageDriver::kS3, "storage.driver", "processing.mode", "aws");
    require(!c.aws.state_machine_arn.empty(), "aws.stateMachineArn", "processing.mode", "aws");
    if (c.aws.start_via == StartVia::kSqs) {
      require(!c.aws.start_queue_url.empty(), "aws.startQueueUrl", "aws.startVia", "sqs");
    }
    // The state machine's payloads fit 256 KiB for at most this many assets per execution.
    if (c.uploads.max_files_per_batch > core::kMaxAssetsPerExecution) {
      problems_.add(
          "uploads.maxFilesPerBatch", "OUT_OF_RANGE",
          fmt::format("uploads.maxFilesPerBatch: at most {} when processing.mode is "
                      "'aws' (the state machine's payload limit), got '{}'{}",
                      core::kMaxAssetsPerExecution, value_text("uploads.maxFilesPerBatch"),
                      from("uploads.maxFilesPerBatch")));
    }
  }

  void cross_checks() {
    const auto& c = config_;
    if (c.server.max_connections_per_client > c.server.max_connections) {
      problems_.add("server.maxConnectionsPerClient", "RANGE",
                    fmt::format("server.maxConnectionsPerClient ({}) must not exceed "
                                "server.maxConnections ({}): one address could never use it",
                                c.server.max_connections_per_client, c.server.max_connections));
    }
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
    if (c.processing.mode == ProcessingMode::kAws) aws_checks();
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
  const Origins& origins_;
  Problems& problems_;
};

}  // namespace

void check_config(const Config& config, const Origins& origins, Problems& problems) {
  Validator(config, origins, problems).run();
}

}  // namespace detail

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
  detail::Problems problems;
  detail::check_config(config, {}, problems);
  if (!problems.empty()) return std::unexpected(problems.to_error());
  return {};
}

}  // namespace toq::app
