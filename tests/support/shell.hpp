#pragma once
// Running command lines from tests: quoting, exit status, captured output.

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <sys/wait.h>

namespace toq::testing {

// 'text' for /bin/sh.
inline std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out += "'";
  return out;
}

// Runs a command line through /bin/sh; its exit status (-1 when it could not run or was killed).
inline int run_shell(const std::string& command) {
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

struct CommandResult {
  int status = -1;     // exit status; -1 when it could not run or was killed
  std::string output;  // stdout, and stderr unless discarded
};

enum class Stderr : unsigned char { kCapture, kDiscard };

// Runs a command line through /bin/sh, capturing its output.
inline CommandResult run_capture(const std::string& command, Stderr err = Stderr::kCapture) {
  CommandResult result;
  const std::string line = command + (err == Stderr::kCapture ? " 2>&1" : " 2>/dev/null");
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.output.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  result.status = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace toq::testing
