#include "adapter/cli/process/progress_display.hpp"

#include <cstdio>

#include <fmt/format.h>
#include <unistd.h>

namespace toq::cli {

ProgressDisplay::ProgressDisplay(std::size_t total, bool enabled)
    : total_(total), enabled_(enabled), tty_(enabled && ::isatty(STDERR_FILENO) == 1) {}

void ProgressDisplay::step(const ProcessItem& item, std::string_view step) {
  std::lock_guard lock(mutex_);
  active_[item.index] = fmt::format("{}: {}", item.path.filename().string(), step);
  draw_locked();
}

void ProgressDisplay::done(const ProcessItem& item, bool ok, std::string_view detail) {
  std::lock_guard lock(mutex_);
  active_.erase(item.index);
  ++finished_;
  if (!ok) {
    ++failed_;
  }
  if (!enabled_) {
    return;
  }
  if (tty_) {
    clear_locked();
  }
  std::fprintf(stderr, "[%zu/%zu] %s %s%s%s\n", finished_, total_, ok ? "ok    " : "FAILED",
               item.path.filename().c_str(), detail.empty() ? "" : ": ",
               std::string(detail).c_str());
  draw_locked();
}

void ProgressDisplay::finish() {
  std::lock_guard lock(mutex_);
  if (tty_) {
    clear_locked();
  }
}

void ProgressDisplay::clear_locked() {
  for (int i = 0; i < drawn_; ++i) {
    std::fputs("\x1b[1A\x1b[2K", stderr);
  }
  drawn_ = 0;
}

void ProgressDisplay::draw_locked() {
  if (!tty_) {
    return;
  }
  clear_locked();
  for (const auto& [index, text] : active_) {
    std::fprintf(stderr, "  working  %s\n", text.c_str());
    ++drawn_;
  }
  constexpr int kWidth = 30;
  const auto filled = total_ == 0 ? kWidth : static_cast<int>(finished_ * kWidth / total_);
  std::fprintf(stderr, "  [%s%s] %zu/%zu files, %zu failed\n",
               std::string(static_cast<std::size_t>(filled), '#').c_str(),
               std::string(static_cast<std::size_t>(kWidth - filled), '.').c_str(), finished_,
               total_, failed_);
  ++drawn_;
  std::fflush(stderr);
}

}  // namespace toq::cli
