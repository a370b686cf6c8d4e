#include "support/utc_time.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace toq::support {
namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// The calendar fields of an instant.
struct Fields {
  year_month_day date;
  hh_mm_ss<milliseconds> time;
};

Fields fields_of(UtcMillis t) {
  const auto day = floor<days>(t);
  return {year_month_day{day}, hh_mm_ss<milliseconds>{t - day}};
}

// Exactly `width` decimal digits at `pos`.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// The instant of a calendar date and time of day; nullopt when the date or time does not exist.
// `max_second` is 60 where a leap second may be written.
std::optional<sys_seconds> instant(int y, int mo, int d, int h, int mi, int s, int max_second) {
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                            day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || s > max_second) return std::nullopt;
  return sys_days{date} + hours{h} + minutes{mi} + seconds{s};
}

}  // namespace

std::string format_rfc3339(UtcMillis t, Millis millis) {
  const auto [date, time] = fields_of(t);
  const auto base =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  time.hours().count(), time.minutes().count(), time.seconds().count());
  const auto ms = time.subseconds().count();
  if (ms == 0 && millis == Millis::kWhenNotZero) return base + "Z";
  return fmt::format("{}.{:03}Z", base, ms);
}

std::optional<UtcMillis> parse_rfc3339(std::string_view s) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s.back() != 'Z') {
    return std::nullopt;
  }
  const auto y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  const auto h = digits(s, 11, 2), mi = digits(s, 14, 2), se = digits(s, 17, 2);
  if (!y || !mo || !d || !h || !mi || !se) return std::nullopt;
  std::optional<int> ms = 0;
  if (s.size() != 20) {
    if (s[19] != '.' || s.size() != 24) return std::nullopt;
    ms = digits(s, 20, 3);
    if (!ms) return std::nullopt;
  }
  const auto at = instant(*y, *mo, *d, *h, *mi, *se, 59);
  if (!at) return std::nullopt;
  return UtcMillis{*at} + milliseconds{*ms};
}

std::string format_http_date(UtcMillis t) {
  const auto [date, time] = fields_of(t);
  const weekday wd{sys_days{date}};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kWeekdays[wd.c_encoding()],
                     static_cast<unsigned>(date.day()),
                     kMonths[static_cast<unsigned>(date.month()) - 1],
                     static_cast<int>(date.year()), time.hours().count(), time.minutes().count(),
                     time.seconds().count());
}

std::optional<sys_seconds> parse_http_date(std::string_view text) {
  // 29 characters, fixed positions.
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  if (std::ranges::find(kWeekdays, text.substr(0, 3)) == kWeekdays.end()) return std::nullopt;
  const auto month_it = std::ranges::find(kMonths, text.substr(8, 3));
  if (month_it == kMonths.end()) return std::nullopt;
  const auto d = digits(text, 5, 2), y = digits(text, 12, 4);
  const auto h = digits(text, 17, 2), mi = digits(text, 20, 2), s = digits(text, 23, 2);
  if (!d || !y || !h || !mi || !s) return std::nullopt;
  return instant(*y, static_cast<int>(month_it - kMonths.begin() + 1), *d, *h, *mi, *s, 60);
}

std::string format_basic_iso8601(UtcMillis t) {
  const auto [date, time] = fields_of(t);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

std::optional<sys_seconds> parse_basic_iso8601(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  const auto y = digits(text, 0, 4), mo = digits(text, 4, 2), d = digits(text, 6, 2);
  const auto h = digits(text, 9, 2), mi = digits(text, 11, 2), s = digits(text, 13, 2);
  if (!y || !mo || !d || !h || !mi || !s) return std::nullopt;
  return instant(*y, *mo, *d, *h, *mi, *s, 59);
}

}  // namespace toq::support
