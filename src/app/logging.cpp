#include "app/logging.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>

#include <fmt/format.h>
#include <spdlog/formatter.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "support/json/json_writer.hpp"
#include "support/utc_time.hpp"

namespace toq::app {
namespace {

// The open LogContexts of this thread, outermost first.
thread_local std::vector<LogField> t_context;
// The per-call fields of the line being logged on this thread (set by log::write).
thread_local const LogFields* t_call_fields = nullptr;

constexpr std::array<std::string_view, 8> kIdFields = {
    "listing_id", "listing_identity_id", "batch_id", "job_id", "asset_id",
    "owner_id",   "photographer_id",     "user_id"};
constexpr std::array<std::string_view, 4> kEnvelope = {"ts", "level", "msg", "logger"};

// Ids are JSON integers in the API; "51" from a path or a header is logged as 51 too, so a log
// query for batch_id=51 finds every line. The number when `value` is such an id.
std::optional<std::int64_t> id_number(std::string_view key, const nlohmann::json& value) {
  if (!value.is_string() || std::find(kIdFields.begin(), kIdFields.end(), key) == kIdFields.end()) {
    return std::nullopt;
  }
  const auto& text = value.get_ref<const std::string&>();
  const bool digits =
      !text.empty() && text.size() <= 18 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return std::nullopt;
  return std::stoll(text);
}

nlohmann::json normalized(std::string_view key, nlohmann::json value) {
  if (const auto id = id_number(key, value)) return *id;
  return value;
}

std::string field_name(const std::string& key) {
  if (std::find(kEnvelope.begin(), kEnvelope.end(), key) != kEnvelope.end()) return "field." + key;
  return key;
}

// One field of the line being formatted: its name as written, its value (a context's or the
// call's, not copied) or the number an id field's text became.
struct LineField {
  std::string name;
  const nlohmann::json* value = nullptr;
  std::optional<std::int64_t> id;
};

// Context fields then call fields, later names overriding earlier ones in place, into `fields`
// (a per-thread buffer: a line allocates nothing here once the thread has logged a few).
void collect_fields(std::vector<LineField>& fields) {
  fields.clear();
  const auto put = [&](const std::string& key, const nlohmann::json& value,
                       std::optional<std::int64_t> id) {
    std::string name = field_name(key);
    for (auto& f : fields) {
      if (f.name == name) {
        f.value = &value;
        f.id = id;
        return;
      }
    }
    fields.push_back({std::move(name), &value, id});
  };
  for (const auto& [key, value] : t_context) put(key, value, std::nullopt);
  if (t_call_fields != nullptr) {
    for (const auto& [key, value] : *t_call_fields) put(key, value, id_number(key, value));
  }
}

void write_value(support::JsonWriter& w, const LineField& field) {
  const nlohmann::json& v = *field.value;
  if (field.id) {
    w.integer(*field.id);
  } else if (v.is_string()) {
    w.string(v.get_ref<const std::string&>());
  } else if (v.is_number_integer() && !v.is_number_unsigned()) {
    w.integer(v.get<std::int64_t>());
  } else if (v.is_number_float()) {
    w.number(v.get<double>());
  } else if (v.is_boolean()) {
    w.boolean(v.get<bool>());
  } else if (v.is_null()) {
    w.null();
  } else {
    w.raw(v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
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

std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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

std::string text_value(const LineField& field) {
  if (field.id) return std::to_string(*field.id);
  const nlohmann::json& value = *field.value;
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
    // Per thread and reused: formatting a line allocates nothing once they have grown.
    thread_local std::vector<LineField> fields;
    thread_local std::string line;
    collect_fields(fields);
    line.clear();
    if (format_ == LogFormat::kJson) {
      // Written straight out (support::JsonWriter has nlohmann's bytes): the envelope, then the
      // fields in order.
      support::JsonWriter w(line);
      w.begin_object();
      w.string("ts", timestamp(msg.time));
      w.string("level", level_name(msg.level));
      w.string("msg", message);
      if (!logger.empty()) w.string("logger", logger);
      for (const auto& field : fields) {
        w.key(field.name);
        write_value(w, field);
      }
      w.end_object();
    } else {
      std::string level(level_name(msg.level));
      std::transform(level.begin(), level.end(), level.begin(),
                     [](char c) { return static_cast<char>(c - 'a' + 'A'); });
      line = fmt::format("{} {:<8} ", timestamp(msg.time), level);
      if (!logger.empty()) line += fmt::format("[{}] ", escape_controls(logger));
      line += escape_controls(message);
      for (const auto& field : fields) {
        line += fmt::format(" {}={}", escape_controls(field.name), text_value(field));
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
