// Unit tests of support/utc_time.hpp (core/model/time_test.cpp covers RFC 3339 as core uses it).

#include "support/utc_time.hpp"

#include <gtest/gtest.h>

namespace toq::support {
namespace {

using namespace std::chrono;

UtcMillis at(year_month_day date, hours h, minutes m, seconds s, milliseconds ms = 0ms) {
  return UtcMillis{sys_days{date}} + h + m + s + ms;
}

TEST(UtcTime, Rfc3339MillisecondsWhenNotZeroOrAlways) {
  const auto t = at(2026y / November / 23, 20h, 15min, 0s);
  EXPECT_EQ(format_rfc3339(t), "2026-11-23T20:15:00Z");
  EXPECT_EQ(format_rfc3339(t, Millis::kAlways), "2026-11-23T20:15:00.000Z");
  EXPECT_EQ(format_rfc3339(t + 7ms, Millis::kAlways), "2026-11-23T20:15:00.007Z");
  EXPECT_EQ(parse_rfc3339("2026-11-23T20:15:00.007Z"), t + 7ms);
  EXPECT_FALSE(parse_rfc3339("2023-02-29T00:00:00Z")) << "no such day";
}

TEST(UtcTime, HttpDateBothWays) {
  // RFC 9110's own example.
  const auto t = at(1994y / November / 6, 8h, 49min, 37s, 999ms);
  EXPECT_EQ(format_http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), floor<seconds>(t));
  EXPECT_EQ(format_http_date(at(2024y / February / 29, 0h, 0min, 0s)),
            "Thu, 29 Feb 2024 00:00:00 GMT");
  EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT")) << "RFC 850 form";
  EXPECT_FALSE(parse_http_date("Sun Nov  6 08:49:37 1994")) << "asctime form";
  EXPECT_FALSE(parse_http_date("Sun, 31 Nov 1994 08:49:37 GMT")) << "no such day";
  EXPECT_FALSE(parse_http_date("Xyz, 06 Nov 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 24:00:00 GMT"));
}

TEST(UtcTime, BasicIso8601BothWays) {
  const auto t = at(2015y / August / 30, 12h, 36min, 0s, 500ms);
  EXPECT_EQ(format_basic_iso8601(t), "20150830T123600Z") << "milliseconds dropped";
  EXPECT_EQ(parse_basic_iso8601("20150830T123600Z"), floor<seconds>(t));
  EXPECT_FALSE(parse_basic_iso8601("2015-08-30T12:36:00Z"));
  EXPECT_FALSE(parse_basic_iso8601("20150830T123660Z"));
  EXPECT_FALSE(parse_basic_iso8601("20150230T123600Z"));
}

}  // namespace
}  // namespace toq::support
