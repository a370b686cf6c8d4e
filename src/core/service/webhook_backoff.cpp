#include "core/service/webhook_backoff.hpp"

#include <algorithm>
#include <array>

namespace toq::core {

namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::array<seconds, 7> kCeilings = {seconds{5},  seconds{30}, minutes{2}, minutes{10},
                                              minutes{30}, hours{1},    hours{2}};
static_assert(kCeilings.back() == kMaxRetryDelay);

}  // namespace

seconds retry_ceiling(int attempt) {
  const auto index =
      static_cast<std::size_t>(std::clamp(attempt, 1, static_cast<int>(kCeilings.size())) - 1);
  return kCeilings.at(index);
}

seconds retry_delay(int attempt, std::uint64_t random_bits) {
  const auto ceiling = static_cast<std::uint64_t>(retry_ceiling(attempt).count());
  const std::uint64_t floor = ceiling / 2;
  const std::uint64_t spread = ceiling - floor;  // the jitter window, both ends included
  return seconds{static_cast<seconds::rep>(floor + random_bits % (spread + 1))};
}

seconds next_retry_delay(int attempt, std::uint64_t random_bits,
                         std::optional<seconds> retry_after) {
  const seconds delay = retry_delay(attempt, random_bits);
  return retry_after ? std::max(delay, *retry_after) : delay;
}

}  // namespace toq::core
