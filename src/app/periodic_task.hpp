#pragma once
// Runs a function every period on a thread of its own until stopped: how `serve` drives the
// background use cases (the webhook delivery).

#include <chrono>
#include <functional>
#include <thread>

namespace toq::app {

class PeriodicTask {
 public:
  PeriodicTask(std::chrono::milliseconds period, std::function<void()> task);
  ~PeriodicTask();  // stop()
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Runs the task at once, then every period after each run ends.
  void start();
  // Waits for a run in progress to end; no run starts afterwards. Idempotent.
  void stop();

 private:
  std::chrono::milliseconds period_;
  std::function<void()> task_;
  std::jthread thread_;
};

}  // namespace toq::app
