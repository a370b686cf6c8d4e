#include "app/logging.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <ostream>

#include <fmt/format.h>
#include <spdlog/formatter.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "support/utc_time.hpp"

namespace toq::app {
namespace {

using OrderedJson = nlohmann::ordered_json;

// The open LogContexts of this thread, outermost first.
thread_local std::vector<LogField> t_context;
// The per-call fields of the line being logged on this thread (set by log::write).
thread_local const LogFields* t_call_fields = nullptr;

constexpr std::array<std::string_view, 8> kIdFields = {
    "listing_id", "listing_identity_id", "batch_id", "job_id", "asset_id",
    "owner_id",   "photographer_id",     "user_id"};
constexpr std::array<std::string_view, 4> kEnvelope = {"ts", "level", "msg", "logger"};

// Ids are JSON integers in the API; "51" from a path or a header is logged as 51 too, so a log
// query for batch_id=51 finds every line.
nlohmann::json normalized(std::string_view key, nlohmann::json value) {
  if (!value.is_string() || std::find(kIdFields.begin(), kIdFields.end(), key) == kIdFields.end()) {
    return value;
  }
  const auto& text = value.get_ref<const std::string&>();
  const bool digits =
      !text.empty() && text.size() <= 18 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return value;
  return std::stoll(text);
}

std::string field_name(const std::string& key) {
  if (std::find(kEnvelope.begin(), kEnvelope.end(), key) != kEnvelope.end()) return "field." + key;
  return key;
}

// Context fields then call fields, later keys overriding earlier ones in place.
OrderedJson collect_fields() {
  OrderedJson fields = OrderedJson::object();
  for (const auto& [key, value] : t_context) fields[field_name(key)] = value;
  if (t_call_fields != nullptr) {
    for (const auto& [key, value] : *t_call_fields) {
      fields[field_name(key)] = normalized(key, value);
    }
  }
  return fields;
}

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "off";
  }
}

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return spdlog::level::trace;
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
    case LogLevel::kCritical: return spdlog::level::critical;
    case LogLevel::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

// RFC 3339, UTC, always with milliseconds: "2026-11-23T20:15:00.123Z".
std::string timestamp(spdlog::log_clock::time_point time) {
  return support::format_rfc3339(std::chrono::floor<std::chrono::milliseconds>(time),
                                 support::Millis::kAlways);
}

std::string dump(const OrderedJson& value) {
  return value.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

// For the text format: keep one record on one line whatever the message holds.
std::string escape_controls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\u{:04x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

std::string text_value(const OrderedJson& value) {
  if (!value.is_string()) return dump(value);
  const auto& text = value.get_ref<const std::string&>();
  const bool plain = !text.empty() && std::none_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f || c == '"' || c == '=' || c == '\\';
  });
  return plain ? text : dump(value);
}

class StructuredFormatter final : public spdlog::formatter {
 public:
  explicit StructuredFormatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view message(msg.payload.data(), msg.payload.size());
    const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    const OrderedJson fields = collect_fields();
    std::string line;
    if (format_ == LogFormat::kJson) {
      OrderedJson record = OrderedJson::object();
      record["ts"] = timestamp(msg.time);
      record["level"] = level_name(msg.level);
      record["msg"] = message;
      if (!logger.empty()) record["logger"] = logger;
      for (const auto& [key, value] : fields.items()) record[key] = value;
      line = dump(record);
    } else {
      std::string level(level_name(msg.level));
      std::transform(level.begin(), level.end(), level.begin(),
                     [](char c) { return static_cast<char>(c - 'a' + 'A'); });
      line = fmt::format("{} {:<8} ", timestamp(msg.time), level);
      if (!logger.empty()) line += fmt::format("[{}] ", escape_controls(logger));
      line += escape_controls(message);
      for (const auto& [key, value] : fields.items()) {
        line += fmt::format(" {}={}", escape_controls(key), text_value(value));
      }
    }
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }

  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<StructuredFormatter>(format_);
  }

 private:
  LogFormat format_;
};

// Restores the previous per-call fields even if the logger throws.
class CallFieldsScope {
 public:
  explicit CallFieldsScope(const LogFields* fields) : previous_(t_call_fields) {
    t_call_fields = fields;
  }
  ~CallFieldsScope() { t_call_fields = previous_; }
  CallFieldsScope(const CallFieldsScope&) = delete;
  CallFieldsScope& operator=(const CallFieldsScope&) = delete;

 private:
  const LogFields* previous_;
};

}  // namespace

void init_logging(const LogConfig& config, std::ostream* sink_for_tests) {
  spdlog::sink_ptr sink;
  if (sink_for_tests != nullptr) {
    sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*sink_for_tests, /*force_flush=*/true);
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();  // flushes every line
  }
  sink->set_formatter(std::make_unique<StructuredFormatter>(config.format));
  auto logger = std::make_shared<spdlog::logger>("", std::move(sink));
  logger->set_level(to_spdlog(config.level));
  spdlog::set_default_logger(std::move(logger));
}

std::shared_ptr<spdlog::logger> make_logger(std::string name) {
  return spdlog::default_logger()->clone(std::move(name));
}

LogContext::LogContext(LogFields fields) : base_(t_context.size()) {
  for (auto& [key, value] : fields) {
    auto stored = normalized(key, std::move(value));
    t_context.emplace_back(std::move(key), std::move(stored));
  }
}

LogContext::~LogContext() {
  // resize, not pop: also drops what an inner scope leaked if destruction order was violated.
  if (t_context.size() > base_) t_context.resize(base_);
}

nlohmann::json current_log_context() {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : t_context) out[key] = value;
  return out;
}

namespace log {

void write(LogLevel level, std::string_view message, const LogFields& fields) {
  if (level == LogLevel::kOff) return;
  auto* logger = spdlog::default_logger_raw();
  const auto spd_level = to_spdlog(level);
  if (logger == nullptr || !logger->should_log(spd_level)) return;
  const CallFieldsScope scope(&fields);
  logger->log(spdlog::source_loc{}, spd_level,
              spdlog::string_view_t(message.data(), message.size()));
}

}  // namespace log
}  // namespace toq::app
