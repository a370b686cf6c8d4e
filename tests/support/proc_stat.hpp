#pragma once
// The one reader of /proc/PID/stat for the tests: a process' state and start time.
//
// Field 2, the command name in parentheses, may itself hold spaces and parentheses (a program
// named "a) b (c"), so the fields after it are read after the LAST ')' of the line.
// (scripts/guarded.sh's start_time and scripts/service-guard.py read it the same way.)

#include <charconv>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

namespace toq::testing {

struct ProcStat {
  char state = '?';                   // field 3: R, S, D, Z (zombie), X (dead), ...
  unsigned long long start_time = 0;  // field 22: clock ticks after boot
  // Ended: a zombie waiting to be reaped, or dead.
  bool ended() const { return state == 'Z' || state == 'X'; }
};

// The fields of one /proc/PID/stat line, or nullopt when it is not one.
inline std::optional<ProcStat> parse_proc_stat(std::string_view line) {
  const auto close = line.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(close + 1);
  ProcStat stat;
  for (int field = 3; field <= 22; ++field) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\n')) rest.remove_prefix(1);
    const std::string_view token = rest.substr(0, rest.find_first_of(" \n"));
    if (token.empty()) return std::nullopt;
    if (field == 3) {
      if (token.size() != 1) return std::nullopt;
      stat.state = token.front();
    }
    if (field == 22) {
      const auto [end, ec] =
          std::from_chars(token.data(), token.data() + token.size(), stat.start_time);
      if (ec != std::errc{} || end != token.data() + token.size()) return std::nullopt;
    }
    rest.remove_prefix(token.size());
  }
  return stat;
}

// Process `pid` as the kernel has it now, or nullopt when there is no such process (reaped, or
// never was).
inline std::optional<ProcStat> read_proc_stat(long pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  return parse_proc_stat(line);
}

// pid runs: it exists and has not ended (an orphan's zombie waits for init to reap it).
inline bool process_running(long pid) {
  const auto stat = read_proc_stat(pid);
  return stat && !stat->ended();
}

// The kernel's start time of `pid`, or nullopt when it does not run (gone, or a zombie).
inline std::optional<unsigned long long> process_start_time(long pid) {
  const auto stat = read_proc_stat(pid);
  if (!stat || stat->ended()) return std::nullopt;
  return stat->start_time;
}

}  // namespace toq::testing
