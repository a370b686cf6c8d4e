#include "adapter/webhook/retry_after.hpp"

#include <algorithm>
#include <cstdint>

#include "support/http_syntax.hpp"
#include "support/utc_time.hpp"

namespace toq::webhook {

namespace {

using std::chrono::seconds;

seconds clamp_delay(std::int64_t s) {
  return seconds{std::clamp<std::int64_t>(s, 0, kMaxRetryAfter.count())};
}

}  // namespace

std::optional<seconds> parse_retry_after(std::string_view value, core::Timestamp now) {
  value = support::trim_ows(value);
  if (value.empty()) return std::nullopt;
  if (std::ranges::all_of(value, [](char c) { return c >= '0' && c <= '9'; })) {
    // Anything with more digits than a day has is simply "very long".
    if (value.size() > 9) return kMaxRetryAfter;
    std::int64_t s = 0;
    for (const char c : value) s = s * 10 + (c - '0');
    return clamp_delay(s);
  }
  const auto at = support::parse_http_date(value);
  if (!at) return std::nullopt;
  const auto now_s = std::chrono::floor<seconds>(now);
  return clamp_delay((*at - now_s).count());
}

}  // namespace toq::webhook
