#pragma once
// The one test clock: it says what the test tells it to and moves only when the test moves it,
// so signatures and expiry are reproducible and leases and backoff need no sleeping. Thread-safe
// (a lease keeper's thread reads it while the test advances it).

#include <atomic>
#include <chrono>
#include <cstdint>

#include "core/model/time.hpp"

namespace toq::testing {

class ManualClock final : public core::Clock {
 public:
  explicit ManualClock(core::Timestamp now) : ms_(now.time_since_epoch().count()) {}
  explicit ManualClock(std::chrono::seconds since_epoch)
      : ms_(std::chrono::milliseconds{since_epoch}.count()) {}

  core::Timestamp now() const override {
    return core::Timestamp{std::chrono::milliseconds{ms_.load()}};
  }
  void set(core::Timestamp now) { ms_ = now.time_since_epoch().count(); }
  void advance(std::chrono::milliseconds by) { ms_ += by.count(); }

 private:
  std::atomic<std::int64_t> ms_;
};

}  // namespace toq::testing
