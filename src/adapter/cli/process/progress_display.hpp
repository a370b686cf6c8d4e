#pragma once
// The progress of `toq-media process` on stderr. On a terminal: one status line redrawn in place
// with "\r" (a bar, files done of the total, failures, elapsed time, an ETA from the mean time per
// finished file, and what the newest step was), with each finished file printed above it as a
// line of its own. Otherwise no bar and no control characters: one plain line per finished file,
// so logs and CI output stay readable. Thread-safe: the workers report from their own threads.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include "adapter/cli/process/process_item.hpp"

namespace toq::cli {

class ProgressDisplay {
 public:
  // `enabled` false (--quiet): nothing is printed. `terminal`: draw the bar (the caller says
  // whether stderr is a terminal).
  ProgressDisplay(std::size_t total, bool enabled, bool terminal);

  // `item` is now at `step`.
  void step(const ProcessItem& item, std::string_view step);
  // `item` is done; `detail` says why when it failed.
  void done(const ProcessItem& item, bool ok, std::string_view detail);
  // Clears the status line (a terminal) before the summary is printed.
  void finish();

  // "ETA 1m05s" from `elapsed` for `finished` of `total` files; "ETA --" before the first.
  static std::string eta(std::chrono::duration<double> elapsed, std::size_t finished,
                         std::size_t total);

 private:
  void draw_locked();

  std::mutex mutex_;
  std::size_t total_;
  bool enabled_;
  bool tty_;
  std::chrono::steady_clock::time_point started_;
  std::string latest_;  // the newest step any worker reported
  std::size_t finished_ = 0;
  std::size_t failed_ = 0;
  bool drawn_ = false;
};

}  // namespace toq::cli
