#pragma once
// Running command lines from tests: quoting, exit status, captured output.

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

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

// The prefix for a command line that starts services (scripts/services.sh, start-s3rver.sh):
// they stop when this process exits, even when ctest kills it before its destructors run.
inline std::string services_owned_by_this_process() {
  return "TOQ_SERVICES_OWNER_PID=" + std::to_string(::getpid()) + " ";
}

// A server a test forks (serve, a worker, a receiver, a proxy) must not outlive the test: ctest
// kills a test on timeout without running its destructors. Taken in the parent before fork();
// die_with_parent() in the child then asks for SIGKILL when the test process dies. Linux ties
// PR_SET_PDEATHSIG to the forking thread, so a child forked from another thread (which may end
// before the test does) is left as it is.
struct ParentTie {
  pid_t parent = ::getpid();
  bool main_thread = ::gettid() == ::getpid();
};
inline void die_with_parent(const ParentTie& tie) {
  if (!tie.main_thread) return;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != tie.parent) ::_exit(127);  // the parent died before prctl took effect
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
