#pragma once
// The retry schedule of webhook deliveries (deliver_webhooks.hpp). Pure functions: the caller
// supplies the random bits (tests pin them), nothing here sleeps or reads a clock.
//
// Ceilings after failed attempt n (1-based): 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, then 2 h for
// every later attempt; there is no last attempt (the contract retries until a 2xx). The delay is
// drawn uniformly from [ceiling / 2, ceiling]: the jitter spreads events that failed together
// across half the window, and the floor keeps the schedule's shape (a receiver that is down is not
// hit again seconds later at the 2 h step, which "full" jitter over [0, ceiling] would allow).

#include <chrono>
#include <cstdint>
#include <optional>

namespace toq::core {

inline constexpr std::chrono::seconds kMaxRetryDelay = std::chrono::hours(2);

// The upper bound of the delay after failed attempt `attempt`; attempts below 1 count as 1.
// Never decreases as `attempt` grows; never above kMaxRetryDelay.
std::chrono::seconds retry_ceiling(int attempt);

// The delay after failed attempt `attempt`: ceiling/2 + (random_bits mod (ceiling/2 + 1)) seconds,
// so within [ceiling/2, ceiling] and the same for the same inputs.
std::chrono::seconds retry_delay(int attempt, std::uint64_t random_bits);

// retry_delay, but never less than the receiver's Retry-After (a minimum, as the spec asks; the
// sender already caps what a receiver may ask for).
std::chrono::seconds next_retry_delay(int attempt, std::uint64_t random_bits,
                                      std::optional<std::chrono::seconds> retry_after);

}  // namespace toq::core
