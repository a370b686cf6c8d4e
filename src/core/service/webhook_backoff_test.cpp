// The outbox's retry schedule: ceilings that never shrink and stop at 2 h, delays inside
// [ceiling/2, ceiling], the same delay for the same random bits, and Retry-After as a minimum.

#include "core/service/webhook_backoff.hpp"

#include <chrono>
#include <cstdint>
#include <limits>
#include <random>
#include <set>

#include <gtest/gtest.h>

namespace toq::core {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(RetryBackoff, CeilingsFollowTheDocumentedSchedule) {
  EXPECT_EQ(retry_ceiling(1), seconds{5});
  EXPECT_EQ(retry_ceiling(2), seconds{30});
  EXPECT_EQ(retry_ceiling(3), minutes{2});
  EXPECT_EQ(retry_ceiling(4), minutes{10});
  EXPECT_EQ(retry_ceiling(5), minutes{30});
  EXPECT_EQ(retry_ceiling(6), hours{1});
  EXPECT_EQ(retry_ceiling(7), hours{2});
  EXPECT_EQ(retry_ceiling(8), hours{2});
  EXPECT_EQ(retry_ceiling(1000), hours{2});
  EXPECT_EQ(retry_ceiling(std::numeric_limits<int>::max()), hours{2});
}

TEST(RetryBackoff, CeilingsNeverShrinkAndAreCapped) {
  for (int n = 1; n < 500; ++n) {
    EXPECT_LE(retry_ceiling(n), retry_ceiling(n + 1)) << n;
    EXPECT_LE(retry_ceiling(n), kMaxRetryDelay) << n;
    EXPECT_GT(retry_ceiling(n), seconds{0}) << n;
  }
}

TEST(RetryBackoff, AttemptsBelowOneCountAsOne) {
  EXPECT_EQ(retry_ceiling(0), seconds{5});
  EXPECT_EQ(retry_ceiling(-7), seconds{5});
  EXPECT_EQ(retry_ceiling(std::numeric_limits<int>::min()), seconds{5});
  EXPECT_EQ(retry_delay(0, 3), retry_delay(1, 3));
}

TEST(RetryBackoff, JitterStaysWithinHalfToFullCeiling) {
  std::mt19937_64 rng{7};
  for (int n = 1; n <= 12; ++n) {
    const auto ceiling = retry_ceiling(n);
    // The extremes of the random source, and many random draws.
    EXPECT_EQ(retry_delay(n, 0), ceiling / 2) << n;
    for (std::uint64_t bits : {std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()}) {
      EXPECT_GE(retry_delay(n, bits), ceiling / 2) << n;
      EXPECT_LE(retry_delay(n, bits), ceiling) << n;
    }
    for (int i = 0; i < 2000; ++i) {
      const auto d = retry_delay(n, rng());
      ASSERT_GE(d, ceiling / 2) << n;
      ASSERT_LE(d, ceiling) << n;
    }
  }
}

TEST(RetryBackoff, BothEndsOfTheWindowAreReachable) {
  // ceiling 5 s: floor 2 s, window 2..5 s, i.e. 4 values, chosen by bits mod 4.
  std::set<std::int64_t> seen;
  for (std::uint64_t bits = 0; bits < 16; ++bits) seen.insert(retry_delay(1, bits).count());
  EXPECT_EQ(seen, (std::set<std::int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(retry_delay(7, 3600), hours{2});  // 3600 + 3600 mod 3601
}

TEST(RetryBackoff, PinnedBitsGiveTheSameDelay) {
  for (int n = 1; n <= 10; ++n) {
    for (std::uint64_t bits : {0ULL, 12345ULL, 0xdeadbeefcafef00dULL}) {
      EXPECT_EQ(retry_delay(n, bits), retry_delay(n, bits));
    }
  }
  EXPECT_EQ(retry_delay(3, 12345), seconds{60 + 12345 % 61});
}

TEST(RetryBackoff, JitterSpreadsEventsThatFailedTogether) {
  std::mt19937_64 rng{11};
  std::set<std::int64_t> seen;
  for (int i = 0; i < 200; ++i) seen.insert(retry_delay(7, rng()).count());
  EXPECT_GT(seen.size(), 150U);  // 3601 possible values
}

TEST(RetryBackoff, RetryAfterIsAMinimum) {
  EXPECT_EQ(next_retry_delay(1, 0, std::nullopt), seconds{2});
  EXPECT_EQ(next_retry_delay(1, 0, seconds{120}), seconds{120});
  EXPECT_EQ(next_retry_delay(7, 3600, seconds{10}), hours{2});  // shorter than ours: ours wins
  EXPECT_EQ(next_retry_delay(7, 0, hours{24}), hours{24});
  EXPECT_EQ(next_retry_delay(2, 5, seconds{0}), retry_delay(2, 5));
}

}  // namespace
}  // namespace toq::core
