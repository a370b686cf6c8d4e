#pragma once
// Time as the core sees it: UTC instants with millisecond precision, and a clock port so use cases
// and tests can pin "now".

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "support/utc_time.hpp"

namespace toq::core {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// RFC 3339 UTC, "2026-11-23T20:15:00Z" (milliseconds shown only when not zero), and back:
// "YYYY-MM-DDTHH:MM:SS[.fff]Z" only, nullopt for anything else (support/utc_time.hpp).
using support::format_rfc3339;
using support::parse_rfc3339;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp now() const override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
  }
};

}  // namespace toq::core
