#pragma once
// The progress of `toq-media process` on stderr. On a terminal: one line per file being worked
// on plus an overall bar, redrawn in place. Otherwise one plain line per finished file, so logs
// and CI output stay readable. Thread-safe: the workers report from their own threads.

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "adapter/cli/process/process_item.hpp"

namespace toq::cli {

class ProgressDisplay {
 public:
  // `enabled` false (--quiet): nothing is printed.
  ProgressDisplay(std::size_t total, bool enabled);

  // `item` is now at `step`.
  void step(const ProcessItem& item, std::string_view step);
  // `item` is done; `detail` says why when it failed.
  void done(const ProcessItem& item, bool ok, std::string_view detail);
  // Clears the live lines (a terminal) before the summary is printed.
  void finish();

 private:
  void clear_locked();
  void draw_locked();

  std::mutex mutex_;
  std::size_t total_;
  bool enabled_;
  bool tty_;
  std::map<int, std::string> active_;
  std::size_t finished_ = 0;
  std::size_t failed_ = 0;
  int drawn_ = 0;
};

}  // namespace toq::cli
