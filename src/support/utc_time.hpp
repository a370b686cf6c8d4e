#pragma once
// UTC instants as text, in the three shapes this service speaks: RFC 3339 (the API, logs, the
// outbox), RFC 9110's IMF-fixdate (Last-Modified, Retry-After) and ISO 8601's basic form
// (SigV4's X-Amz-Date). Pure functions; parsers are strict and return nullopt for anything else,
// including dates that do not exist (2023-02-29).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace toq::support {

using UtcMillis = std::chrono::sys_time<std::chrono::milliseconds>;

enum class Millis : unsigned char {
  kWhenNotZero,  // "2026-11-23T20:15:00Z", "2026-11-23T20:15:00.120Z"
  kAlways,       // "2026-11-23T20:15:00.000Z": fixed width, for log lines
};

// RFC 3339 in UTC with a "Z".
std::string format_rfc3339(UtcMillis t, Millis millis = Millis::kWhenNotZero);
// "YYYY-MM-DDTHH:MM:SS[.fff]Z" only.
std::optional<UtcMillis> parse_rfc3339(std::string_view text);

// RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (whole seconds, rounded down).
std::string format_http_date(UtcMillis t);
// IMF-fixdate only: the obsolete RFC 850 and asctime forms are refused.
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text);

// ISO 8601 basic format, "20150830T123600Z" (whole seconds, rounded down).
std::string format_basic_iso8601(UtcMillis t);
std::optional<std::chrono::sys_seconds> parse_basic_iso8601(std::string_view text);

}  // namespace toq::support
