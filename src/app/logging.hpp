#pragma once
// Structured logging on spdlog: one JSON object per line on stderr (or logfmt-like text for
// people), with the ids of the work in hand attached to every line.
//
// A line: {"ts":"2026-11-23T20:15:00.123Z","level":"info","msg":"batch created",
//          "logger":"http", "request_id":"abc","batch_id":51}
// - "ts" is RFC 3339 UTC with milliseconds; "level" is trace|debug|info|warn|error|critical;
//   "logger" appears only for named loggers (make_logger).
// - Then the fields of every open LogContext of the calling thread (outer first; an inner scope's
//   value wins for the same key), then the per-call fields (which win over the context).
// - Fields named ts/level/msg/logger are written as "field.<name>" so they never clobber the
//   envelope. Id fields (listing_id, listing_identity_id, batch_id, job_id, asset_id, owner_id,
//   photographer_id, user_id) given as decimal strings are written as numbers, matching the API.
// - Encoding is nlohmann::json's, so quotes, newlines and control characters are always escaped;
//   invalid UTF-8 is replaced by U+FFFD instead of failing.
//
// Context is thread-local and read while the line is formatted, so the loggers must be
// synchronous (init_logging makes them so); work handed to another thread opens its own
// LogContext, e.g. from current_log_context().

#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/config.hpp"

namespace spdlog {
class logger;
}

namespace toq::app {

// {"batch_id", 51}, {"request_id", "abc"}: a key and any JSON value.
using LogField = std::pair<std::string, nlohmann::json>;
using LogFields = std::vector<LogField>;

// Replaces spdlog's default logger with a synchronous one writing to stderr (or to
// `sink_for_tests`, which must outlive the logger) in the configured format and level.
// Call early in main, before other threads log; calling again replaces the logger.
void init_logging(const LogConfig& config, std::ostream* sink_for_tests = nullptr);

// A logger with a name, sharing the default logger's sink, format and level (its lines carry
// "logger": name). Create it after init_logging.
std::shared_ptr<spdlog::logger> make_logger(std::string name);

// Adds fields to every line logged by this thread while it lives:
//   LogContext ctx({{"request_id", "abc"}, {"batch_id", "51"}});
// Scopes nest and must end in reverse order of creation, so it is a stack object only.
class LogContext {
 public:
  explicit LogContext(LogFields fields);
  // Makes the one-field form LogContext ctx({{"job_id", 77}}) unambiguous.
  explicit LogContext(std::initializer_list<LogField> fields) : LogContext(LogFields(fields)) {}
  ~LogContext();

  LogContext(const LogContext&) = delete;
  LogContext& operator=(const LogContext&) = delete;
  LogContext(LogContext&&) = delete;
  LogContext& operator=(LogContext&&) = delete;
  static void* operator new(std::size_t) = delete;
  static void* operator new[](std::size_t) = delete;

 private:
  std::size_t base_;  // size of the thread's context stack before this scope
};

// The fields of this thread's open LogContexts as one object (inner scopes win), to carry the
// context into queue messages, child processes or another thread.
nlohmann::json current_log_context();

namespace log {

// Logs through spdlog's default logger; `fields` are added to this line only.
void write(LogLevel level, std::string_view message, const LogFields& fields = {});

inline void trace(std::string_view message, const LogFields& fields = {}) {
  write(LogLevel::kTrace, message, fields);
}
inline void debug(std::string_view message, const LogFields& fields = {}) {
  write(LogLevel::kDebug, message, fields);
}
inline void info(std::string_view message, const LogFields& fields = {}) {
  write(LogLevel::kInfo, message, fields);
}
inline void warn(std::string_view message, const LogFields& fields = {}) {
  write(LogLevel::kWarn, message, fields);
}
inline void error(std::string_view message, const LogFields& fields = {}) {
  write(LogLevel::kError, message, fields);
}
inline void critical(std::string_view message, const LogFields& fields = {}) {
  write(LogLevel::kCritical, message, fields);
}

}  // namespace log
}  // namespace toq::app
