#include "app/periodic_task.hpp"

#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace toq::app {

PeriodicTask::PeriodicTask(std::chrono::milliseconds period, std::function<void()> task)
    : period_(period), task_(std::move(task)) {}

PeriodicTask::~PeriodicTask() {
  stop();
}

void PeriodicTask::start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    std::mutex m;
    std::condition_variable_any cv;
    while (!stop.stop_requested()) {
      task_();
      std::unique_lock lock(m);
      cv.wait_for(lock, stop, period_, [] { return false; });
    }
  });
}

void PeriodicTask::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

}  // namespace toq::app
