#include "core/model/time.hpp"

#include <chrono>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace toq::core {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

Timestamp at(year_month_day ymd, hours h, minutes m, seconds s, milliseconds ms = 0ms) {
  return sys_days{ymd} + h + m + s + ms;
}

TEST(Rfc3339, FormatsWholeSecondsWithoutFraction) {
  EXPECT_EQ(format_rfc3339(Timestamp{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(at(2026y / 11 / 23, 20h, 15min, 0s)), "2026-11-23T20:15:00Z");
  EXPECT_EQ(format_rfc3339(at(2026y / 1 / 2, 3h, 4min, 5s)), "2026-01-02T03:04:05Z");
}

TEST(Rfc3339, FormatsMillisecondsWithThreeDigits) {
  EXPECT_EQ(format_rfc3339(at(2026y / 11 / 23, 20h, 15min, 0s, 7ms)), "2026-11-23T20:15:00.007Z");
  EXPECT_EQ(format_rfc3339(at(2026y / 11 / 23, 20h, 15min, 0s, 70ms)), "2026-11-23T20:15:00.070Z");
  EXPECT_EQ(format_rfc3339(at(2026y / 11 / 23, 20h, 15min, 0s, 999ms)), "2026-11-23T20:15:00.999Z");
}

TEST(Rfc3339, ParsesKnownInstants) {
  EXPECT_EQ(parse_rfc3339("2026-11-23T20:15:00Z"), at(2026y / 11 / 23, 20h, 15min, 0s));
  EXPECT_EQ(parse_rfc3339("2026-11-23T20:15:00.123Z"), at(2026y / 11 / 23, 20h, 15min, 0s, 123ms));
  EXPECT_EQ(parse_rfc3339("2026-11-23T20:15:00.000Z"), at(2026y / 11 / 23, 20h, 15min, 0s));
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), Timestamp{});
  EXPECT_EQ(parse_rfc3339("2024-02-29T23:59:59.999Z"), at(2024y / 2 / 29, 23h, 59min, 59s, 999ms));
}

TEST(Rfc3339, FormatThenParseRoundTrips) {
  for (const auto t :
       {Timestamp{}, at(2026y / 11 / 23, 20h, 15min, 0s), at(2026y / 11 / 23, 20h, 15min, 0s, 1ms),
        at(2024y / 2 / 29, 12h, 0min, 0s), at(1999y / 12 / 31, 23h, 59min, 59s, 999ms),
        at(2000y / 1 / 1, 0h, 0min, 0s, 500ms), at(9999y / 12 / 31, 23h, 59min, 59s),
        at(1969y / 12 / 31, 23h, 59min, 59s, 999ms)}) {
    const auto text = format_rfc3339(t);
    EXPECT_EQ(parse_rfc3339(text), t) << text;
  }
  // A spread of instants across decades, with assorted milliseconds.
  auto t = at(1990y / 1 / 1, 0h, 0min, 0s);
  for (int i = 0; i < 2000; ++i) {
    t += 487'012'345ms;
    const auto text = format_rfc3339(t);
    ASSERT_EQ(parse_rfc3339(text), t) << text;
  }
}

TEST(Rfc3339, ParseThenFormatRoundTrips) {
  for (std::string_view text :
       {"2026-11-23T20:15:00Z", "2026-11-23T20:15:00.001Z", "2026-11-23T20:15:00.010Z",
        "2026-11-23T20:15:00.100Z", "2000-02-29T00:00:00Z", "2026-12-31T23:59:59.999Z"}) {
    const auto t = parse_rfc3339(text);
    ASSERT_TRUE(t.has_value()) << text;
    EXPECT_EQ(format_rfc3339(*t), text);
  }
}

TEST(Rfc3339, RejectsImpossibleDatesAndTimes) {
  for (std::string_view text : {
           "2026-02-30T00:00:00Z",  // Feb 30
           "2026-02-29T00:00:00Z",  // not a leap year
           "1900-02-29T00:00:00Z",  // century, not a leap year
           "2026-04-31T00:00:00Z",  // April has 30 days
           "2026-13-01T00:00:00Z",  // month 13
           "2026-00-10T00:00:00Z",  // month 0
           "2026-11-00T00:00:00Z",  // day 0
           "2026-11-32T00:00:00Z",  // day 32
           "2026-11-23T24:00:00Z",  // 24:00
           "2026-11-23T23:60:00Z",  // minute 60
           "2026-11-23T23:59:60Z",  // leap second
       }) {
    EXPECT_EQ(parse_rfc3339(text), std::nullopt) << text;
  }
}

TEST(Rfc3339, RejectsOtherShapes) {
  for (std::string_view text : {
           "",
           "2026-11-23T20:15:00",        // missing Z
           "2026-11-23T20:15:00z",       // lower-case z
           "2026-11-23t20:15:00Z",       // lower-case t
           "2026-11-23 20:15:00Z",       // space instead of T
           "2026-11-23T20:15:00+00:00",  // offset instead of Z
           "2026-11-23T20:15:00.Z",      // empty fraction
           "2026-11-23T20:15:00.5Z",     // fraction not three digits
           "2026-11-23T20:15:00.12Z",
           "2026-11-23T20:15:00.1234Z",
           "2026-11-23T20:15:00,123Z",  // comma
           "2026-11-23T20:15Z",         // no seconds
           "2026-11-23",                // date only
           "26-11-23T20:15:00Z",        // two-digit year
           "+2026-11-23T20:15:00Z",
           "-026-11-23T20:15:00Z",
           "2026-1-23T20:15:00Z",
           "2026/11/23T20:15:00Z",
           "2026-11-23T20-15-00Z",
           "2026-11-2aT20:15:00Z",
           "2026-11-23T20:15:0aZ",
           "2026-11-23T20:15:00.12aZ",
           " 2026-11-23T20:15:00Z",
           "2026-11-23T20:15:00Z ",
           "2026-11-23T20:15:00ZZ",
       }) {
    EXPECT_EQ(parse_rfc3339(text), std::nullopt) << "'" << text << "'";
  }
}

TEST(Clock, SystemClockIsNearTheSystemTime) {
  const SystemClock clock;
  const Clock& port = clock;
  const auto before = time_point_cast<milliseconds>(system_clock::now());
  const auto now = port.now();
  const auto after = time_point_cast<milliseconds>(system_clock::now());
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
}

}  // namespace
}  // namespace toq::core
