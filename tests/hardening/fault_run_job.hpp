// The job runner the fault-injection suites drive, written once: they differ in the store and the
// fault, not in how a job is run.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/service/run_job.hpp"

namespace toq::testing {

// Worker "w1", a 60 s lease, 10 attempts and a 10 s backoff: a job released by a fault is claimable
// again once the test's clock has moved past the backoff, and never given up within a suite.
inline core::RunJob fault_run_job(core::Database& db, core::MediaProcessor& processor,
                                  const core::Clock& clock) {
  return core::RunJob(
      db, processor, clock,
      core::RunJobOptions{.worker_id = "w1",
                          .lease = std::chrono::seconds{60},
                          .max_attempts = 10,
                          .backoff = [](std::int32_t) { return std::chrono::seconds{10}; },
                          .on_claimed = {},
                          .on_helping = {},
                          .item_poll = std::chrono::milliseconds{200},
                          .stopping = {},
                          .on_work_due = {},
                          .wait = {}});
}

}  // namespace toq::testing
