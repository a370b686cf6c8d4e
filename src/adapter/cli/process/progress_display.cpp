#include "adapter/cli/process/progress_display.hpp"

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace toq::cli {
namespace {

constexpr int kBarWidth = 30;
constexpr std::size_t kMaxStepChars = 48;

std::string clock_text(double seconds) {
  const auto s = static_cast<long long>(std::llround(seconds));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

}  // namespace

ProgressDisplay::ProgressDisplay(std::size_t total, bool enabled, bool terminal)
    : total_(total),
      enabled_(enabled),
      tty_(enabled && terminal),
      started_(std::chrono::steady_clock::now()) {}

std::string ProgressDisplay::eta(std::chrono::duration<double> elapsed, std::size_t finished,
                                 std::size_t total) {
  if (finished == 0) return "ETA --";
  const double per_file = elapsed.count() / static_cast<double>(finished);
  return "ETA " + clock_text(per_file * static_cast<double>(total - std::min(finished, total)));
}

void ProgressDisplay::step(const ProcessItem& item, std::string_view step) {
  std::lock_guard lock(mutex_);
  latest_ = fmt::format("{}: {}", item.name, step);
  if (latest_.size() > kMaxStepChars)
    latest_ = "~" + latest_.substr(latest_.size() - kMaxStepChars);
  draw_locked();
}

void ProgressDisplay::done(const ProcessItem& item, bool ok, std::string_view detail) {
  std::lock_guard lock(mutex_);
  ++finished_;
  if (!ok) ++failed_;
  if (!enabled_) return;
  // On a terminal the status line is wiped first, so the finished line replaces it.
  std::fprintf(stderr, "%s[%zu/%zu] %s %s%s%.*s\n", tty_ ? "\r\x1b[K" : "", finished_, total_,
               ok ? "ok    " : "FAILED", item.name.c_str(), detail.empty() ? "" : ": ",
               static_cast<int>(detail.size()), detail.data());
  drawn_ = false;
  draw_locked();
}

void ProgressDisplay::finish() {
  std::lock_guard lock(mutex_);
  if (tty_ && drawn_) {
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
  }
}

void ProgressDisplay::draw_locked() {
  if (!tty_) {
    std::fflush(stderr);
    return;
  }
  const auto elapsed = std::chrono::steady_clock::now() - started_;
  const auto filled = total_ == 0 ? kBarWidth : static_cast<int>(finished_ * kBarWidth / total_);
  std::fprintf(stderr, "\r\x1b[K[%s%s] %zu/%zu files, %zu failed, %s, %s  %s",
               std::string(static_cast<std::size_t>(filled), '#').c_str(),
               std::string(static_cast<std::size_t>(kBarWidth - filled), '.').c_str(), finished_,
               total_, failed_, clock_text(std::chrono::duration<double>(elapsed).count()).c_str(),
               eta(elapsed, finished_, total_).c_str(), latest_.c_str());
  drawn_ = true;
  std::fflush(stderr);
}

}  // namespace toq::cli
