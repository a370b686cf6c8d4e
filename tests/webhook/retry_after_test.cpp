// Retry-After: delay-seconds and IMF-fixdate relative to now, clamped to [0, 24 h], garbage
// ignored.

#include "adapter/webhook/retry_after.hpp"

#include <chrono>

#include <gtest/gtest.h>

#include "core/model/time.hpp"

namespace toq::webhook {
namespace {

using std::chrono::seconds;

const core::Timestamp kNow = *core::parse_rfc3339("1994-11-06T08:49:00.750Z");

TEST(RetryAfter, DelaySeconds) {
  EXPECT_EQ(parse_retry_after("0", kNow), seconds{0});
  EXPECT_EQ(parse_retry_after("120", kNow), seconds{120});
  EXPECT_EQ(parse_retry_after("  7 ", kNow), seconds{7});
  EXPECT_EQ(parse_retry_after("86400", kNow), seconds{86400});
  EXPECT_EQ(parse_retry_after("86401", kNow), kMaxRetryAfter);
  EXPECT_EQ(parse_retry_after("99999999999999999999999", kNow), kMaxRetryAfter);
}

TEST(RetryAfter, HttpDateIsRelativeToNow) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kNow), seconds{37});
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 09:49:00 GMT", kNow), seconds{3600});
  EXPECT_EQ(parse_retry_after("Mon, 07 Nov 1994 08:49:00 GMT", kNow), kMaxRetryAfter);
  EXPECT_EQ(parse_retry_after("Tue, 08 Nov 1994 08:49:00 GMT", kNow), kMaxRetryAfter);
  EXPECT_EQ(parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", kNow), seconds{0});  // past
  EXPECT_EQ(parse_retry_after("Tue, 29 Feb 2028 00:00:00 GMT",
                              *core::parse_rfc3339("2028-02-28T23:59:00Z")),
            seconds{60});
}

TEST(RetryAfter, GarbageIsIgnored) {
  for (const std::string_view bad :
       {"", "   ", "-5", "1.5", "soon", "Sunday, 06-Nov-94 08:49:37 GMT",  // RFC 850
        "Sun Nov  6 08:49:37 1994",                                        // asctime
        "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT"}) {
    EXPECT_FALSE(parse_retry_after(bad, kNow).has_value()) << bad;
  }
}

}  // namespace
}  // namespace toq::webhook
