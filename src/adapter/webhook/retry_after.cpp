#include "adapter/webhook/retry_after.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace toq::webhook {

namespace {

using std::chrono::seconds;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Exactly `width` digits at `pos`.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

seconds clamp_delay(std::int64_t s) {
  return seconds{std::clamp<std::int64_t>(s, 0, kMaxRetryAfter.count())};
}

// "Sun, 06 Nov 1994 08:49:37 GMT": 29 characters, fixed positions.
std::optional<std::chrono::sys_seconds> parse_imf_fixdate(std::string_view text) {
  constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                     "Fri", "Sat", "Sun"};
  constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  if (std::ranges::find(kDays, text.substr(0, 3)) == kDays.end()) return std::nullopt;
  const auto month_it = std::ranges::find(kMonths, text.substr(8, 3));
  if (month_it == kMonths.end()) return std::nullopt;
  const auto day = digits(text, 5, 2);
  const auto year = digits(text, 12, 4);
  const auto hour = digits(text, 17, 2);
  const auto minute = digits(text, 20, 2);
  const auto second = digits(text, 23, 2);
  if (!day || !year || !hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{
      std::chrono::year{*year},
      std::chrono::month{static_cast<unsigned>(month_it - kMonths.begin() + 1)},
      std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days{date} + std::chrono::hours{*hour} + std::chrono::minutes{*minute} +
         seconds{*second};
}

}  // namespace

std::optional<seconds> parse_retry_after(std::string_view value, core::Timestamp now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::ranges::all_of(value, [](char c) { return c >= '0' && c <= '9'; })) {
    // Anything with more digits than a day has is simply "very long".
    if (value.size() > 9) return kMaxRetryAfter;
    std::int64_t s = 0;
    for (const char c : value) s = s * 10 + (c - '0');
    return clamp_delay(s);
  }
  const auto at = parse_imf_fixdate(value);
  if (!at) return std::nullopt;
  const auto now_s = std::chrono::floor<seconds>(now);
  return clamp_delay((*at - now_s).count());
}

}  // namespace toq::webhook
