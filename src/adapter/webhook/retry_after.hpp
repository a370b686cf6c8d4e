#pragma once
// The Retry-After response header (RFC 9110 section 10.2.3) as a delay.

#include <chrono>
#include <optional>
#include <string_view>

#include "core/model/time.hpp"
#include "core/port/webhook_sender.hpp"

namespace toq::webhook {

// The port's cap (core/port/webhook_sender.hpp): longer requests are cut to this.
using core::kMaxRetryAfter;

// delay-seconds ("120") or an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", taken relative to
// `now`). The result lies in [0, kMaxRetryAfter]: a date in the past gives 0. nullopt for an
// empty or unparseable value (the obsolete RFC 850 and asctime date forms included).
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, core::Timestamp now);

}  // namespace toq::webhook
