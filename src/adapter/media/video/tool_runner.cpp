#include "adapter/media/video/tool_runner.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <fmt/core.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/unique_fd.hpp"

namespace toq::media {
namespace {

constexpr std::array<std::string_view, 3> kSearchPath = {"/usr/local/bin", "/usr/bin", "/bin"};
constexpr std::size_t kStderrKeepBytes = 64U << 10;  // enough for the last lines, bounded
constexpr std::size_t kMaxLineChars = 400;
constexpr rlim_t kMaxOpenFiles = 256;

struct Pipe {
  support::UniqueFd read;
  support::UniqueFd write;
};

std::expected<Pipe, int> make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) return std::unexpected(errno);
  return Pipe{support::UniqueFd(fds[0]), support::UniqueFd(fds[1])};
}

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  for (const auto dir : kSearchPath) {
    std::string candidate = fmt::format("{}/{}", dir, name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

struct Limit {
  int resource;
  rlimit value;
};

// The wanted soft limit, never above the hard limit we hold (raising it would fail).
rlimit clamp_limit(int resource, rlim_t wanted) {
  rlimit current{};
  ::getrlimit(resource, &current);
  const rlim_t value =
      current.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, current.rlim_max);
  return rlimit{value, value};
}

// Runs in the forked child: only async-signal-safe calls until execve.
[[noreturn]] void child_exec(pid_t parent, const char* program, char* const* argv,
                             char* const* envp, int in_fd, int out_fd, int err_fd, int report_fd,
                             const char* working_dir, const Limit* limits,
                             std::size_t limit_count) {
  auto die = [report_fd](int error) {
    [[maybe_unused]] const auto n = ::write(report_fd, &error, sizeof error);
    ::_exit(127);
  };
  // Die with the caller. The tool runs in its own process group, so neither a signal to the
  // caller's group (Ctrl-C, a supervisor stopping the worker) nor the caller's death reaches it:
  // without this an ffmpeg orphaned by a killed worker goes on transcoding until its CPU limit
  // (an hour and more). The signal survives execve; it fires when the forking thread ends,
  // which run_tool's caller does not do before the child is reaped. Checked after the prctl, so
  // a caller that died before it cannot be missed.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die(errno);
  if (::getppid() != parent) ::_exit(127);
  ::setpgid(0, 0);
  sigset_t all;
  ::sigemptyset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (const int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGXCPU, SIGXFSZ}) {
    ::sigaction(sig, &dfl, nullptr);
  }
  if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) die(errno);
  if (::chdir(working_dir) != 0) die(errno);
  for (std::size_t i = 0; i < limit_count; ++i) {
    if (::setrlimit(limits[i].resource, &limits[i].value) != 0) die(errno);
  }
  // Every other descriptor (the parent's sockets, database files) closes at exec.
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = 3; fd < 4096; ++fd) {
      if (fd != report_fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
  }
  ::execve(program, argv, envp);
  die(errno);
  ::_exit(127);
}

std::string printable(std::string_view line) {
  std::string out;
  out.reserve(std::min(line.size(), kMaxLineChars));
  for (const char c : line) {
    if (out.size() >= kMaxLineChars) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    out.push_back((u >= 0x20 && u < 0x7f) || c == '\t' ? c : '?');
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
  return out;
}

std::string last_lines(std::string_view text, std::size_t count) {
  std::vector<std::string> lines;
  while (!text.empty() && lines.size() < count) {
    const auto end = text.find_last_not_of("\r\n");
    if (end == std::string_view::npos) break;
    text = text.substr(0, end + 1);
    const auto start = text.find_last_of("\r\n");
    const auto line = start == std::string_view::npos ? text : text.substr(start + 1);
    std::string clean = printable(line);
    if (!clean.empty()) lines.push_back(std::move(clean));
    text = start == std::string_view::npos ? std::string_view{} : text.substr(0, start);
  }
  std::string out;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (!out.empty()) out.push_back('\n');
    out += *it;
  }
  return out;
}

// Reads what is available; false at end of file (or error).
bool drain(int fd, std::string& sink, std::size_t limit, bool& truncated) {
  std::array<char, 16384> buffer{};
  const ssize_t n = ::read(fd, buffer.data(), buffer.size());
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  const auto got = static_cast<std::size_t>(n);
  const std::size_t room = limit > sink.size() ? limit - sink.size() : 0;
  sink.append(buffer.data(), std::min(room, got));
  if (got > room) truncated = true;
  return true;
}

void keep_tail(std::string& text) {
  if (text.size() > 2 * kStderrKeepBytes) text.erase(0, text.size() - kStderrKeepBytes);
}

// The child's resource limits: no core files, a bounded descriptor table, CPU time as a backstop
// behind the wall clock, and the memory and output-file limits asked for.
std::vector<Limit> child_limits(const ToolLimits& limits) {
  const auto timeout_s = std::max<std::int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(limits.timeout).count() + 1);
  const auto cores = std::max(1U, std::thread::hardware_concurrency());
  std::vector<Limit> rlimits = {
      {RLIMIT_CORE, clamp_limit(RLIMIT_CORE, 0)},
      {RLIMIT_NOFILE, clamp_limit(RLIMIT_NOFILE, kMaxOpenFiles)},
      // CPU time is a backstop behind the wall clock: all threads count, so allow every core.
      {RLIMIT_CPU, clamp_limit(RLIMIT_CPU, static_cast<rlim_t>(timeout_s) * cores + 5)},
  };
  if (limits.max_memory_bytes != 0) {
    rlimits.push_back({RLIMIT_AS, clamp_limit(RLIMIT_AS, limits.max_memory_bytes)});
  }
  if (limits.max_output_bytes != 0) {
    rlimits.push_back({RLIMIT_FSIZE, clamp_limit(RLIMIT_FSIZE, limits.max_output_bytes)});
  }
  return rlimits;
}

// A running child: its pid (also its process group id), the read ends of its stdout and stderr,
// and when it started.
struct Started {
  pid_t pid = -1;
  support::UniqueFd out;
  support::UniqueFd err;
  std::chrono::steady_clock::time_point at;
};

// Forks and executes `program` with the command line, a minimal environment and the limits, in
// its own process group; returns once execve has succeeded (the child reports its errno on a
// close-on-exec pipe when it fails).
core::Result<Started> start_child(const std::string& program, const std::vector<std::string>& argv,
                                  const ToolLimits& limits) {
  // Everything the child needs is built before fork: it may only make async-signal-safe calls.
  std::vector<std::string> args = argv;
  std::vector<char*> c_argv;
  c_argv.reserve(args.size() + 1);
  for (auto& a : args) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  std::string env_path = "PATH=/usr/local/bin:/usr/bin:/bin";
  std::string env_locale = "LC_ALL=C";
  std::array<char*, 3> c_envp = {env_path.data(), env_locale.data(), nullptr};
  const std::string working_dir =
      limits.working_dir.empty() ? std::string("/") : limits.working_dir.string();
  const std::vector<Limit> rlimits = child_limits(limits);

  auto out = make_pipe();
  auto err = make_pipe();
  auto report = make_pipe();
  if (!out || !err || !report) {
    return core::fail(core::ErrorCode::kInternal,
                      fmt::format("could not start {}: pipe: {}", argv[0], std::strerror(errno)));
  }
  support::UniqueFd null_in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null_in.get() < 0) {
    return core::fail(core::ErrorCode::kInternal, fmt::format("could not start {}: /dev/null: {}",
                                                              argv[0], std::strerror(errno)));
  }

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    return core::fail(core::ErrorCode::kInternal,
                      fmt::format("could not start {}: fork: {}", argv[0], std::strerror(errno)));
  }
  if (pid == 0) {
    child_exec(parent, program.c_str(), c_argv.data(), c_envp.data(), null_in.get(),
               out->write.get(), err->write.get(), report->write.get(), working_dir.c_str(),
               rlimits.data(), rlimits.size());
  }
  // Both sides set the group so a kill right after fork cannot miss it.
  ::setpgid(pid, pid);
  out->write.reset();
  err->write.reset();
  report->write.reset();
  null_in.reset();
  const auto started = std::chrono::steady_clock::now();

  int exec_errno = 0;
  ssize_t got = 0;
  do {
    got = ::read(report->read.get(), &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return core::fail(core::ErrorCode::kInternal,
                      fmt::format("could not start {}: {}", argv[0], std::strerror(exec_errno)));
  }
  return Started{pid, std::move(out->read), std::move(err->read), started};
}

// What the child writes, collected as it comes: stdout up to its limit, the tail of stderr.
struct Output {
  ToolRun& run;
  const ToolLimits& limits;
  std::string stderr_text{};
  bool stderr_truncated = false;
  bool out_open = true;
  bool err_open = true;

  void read_stdout(int fd) {
    out_open = drain(fd, run.stdout_text, limits.max_stdout_bytes, run.stdout_truncated);
  }
  void read_stderr(int fd) {
    err_open = drain(fd, stderr_text, SIZE_MAX, stderr_truncated);
    keep_tail(stderr_text);
  }
};

// Reads the child's output until it exits, or until the deadline (then its whole group is killed
// and run.timed_out set); returns its wait status. The exit is seen on a pidfd, or by polling
// waitpid every 50 ms where pidfd_open is not available.
int wait_for_exit(const Started& child, std::chrono::steady_clock::time_point deadline,
                  Output& output) {
  const pid_t pid = child.pid;
  const support::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  bool exited = false;
  int status = 0;
  auto reap = [&](bool block) {
    const pid_t r = ::waitpid(pid, &status, block ? 0 : WNOHANG);
    return r == pid;
  };

  while (!exited) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      ::kill(-pid, SIGKILL);
      output.run.timed_out = true;
      exited = reap(true);
      break;
    }
    auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    if (pidfd.get() < 0) wait_ms = std::min<std::int64_t>(wait_ms, 50);  // no pidfd: poll waitpid
    std::array<pollfd, 3> fds{};
    nfds_t n = 0;
    if (output.out_open) fds[n++] = {child.out.get(), POLLIN, 0};
    if (output.err_open) fds[n++] = {child.err.get(), POLLIN, 0};
    if (pidfd.get() >= 0) fds[n++] = {pidfd.get(), POLLIN, 0};
    const int ready =
        ::poll(fds.data(), n, static_cast<int>(std::clamp<std::int64_t>(wait_ms + 1, 1, 60000)));
    if (ready < 0 && errno != EINTR) break;
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (output.out_open && fds[i].fd == child.out.get()) {
        output.read_stdout(child.out.get());
      } else if (output.err_open && fds[i].fd == child.err.get()) {
        output.read_stderr(child.err.get());
      }
    }
    if (pidfd.get() < 0 || std::any_of(fds.begin(), fds.begin() + n, [&](const pollfd& p) {
          return p.fd == pidfd.get() && p.revents != 0;
        })) {
      // The leader is a zombie until reaped, which keeps the group id from being reused: kill
      // whatever it left behind, then reap it.
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          info.si_pid == pid) {
        ::kill(-pid, SIGKILL);
        exited = reap(true);
      }
    }
  }
  if (!exited) {
    ::kill(-pid, SIGKILL);
    reap(true);
  }
  return status;
}

// What is still buffered in the pipes once the child is gone (nothing holds their write ends any
// more).
void read_remaining(const Started& child, Output& output) {
  for (int round = 0; round < 1024 && (output.out_open || output.err_open); ++round) {
    std::array<pollfd, 2> fds{};
    nfds_t n = 0;
    if (output.out_open) fds[n++] = {child.out.get(), POLLIN, 0};
    if (output.err_open) fds[n++] = {child.err.get(), POLLIN, 0};
    if (::poll(fds.data(), n, 1000) <= 0) break;
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == child.out.get()) {
        output.read_stdout(child.out.get());
      } else {
        output.read_stderr(child.err.get());
      }
    }
  }
}

}  // namespace

core::Result<ToolRun> run_tool(const std::vector<std::string>& argv, const ToolLimits& limits) {
  if (argv.empty()) return core::fail(core::ErrorCode::kInternal, "run_tool: empty command line");
  const std::string program = find_program(argv[0]);
  if (program.empty()) {
    return core::fail(
        core::ErrorCode::kInternal,
        fmt::format("{} is not installed (not found in /usr/local/bin, /usr/bin, /bin)", argv[0]));
  }
  auto child = start_child(program, argv, limits);
  if (!child) return std::unexpected(child.error());

  ToolRun run;
  Output output{.run = run, .limits = limits};
  const int status = wait_for_exit(*child, child->at + limits.timeout, output);
  read_remaining(*child, output);

  if (WIFEXITED(status) && !run.timed_out) {
    run.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    run.signal = WTERMSIG(status);
  }
  run.stderr_tail = last_lines(output.stderr_text, limits.stderr_tail_lines);
  return run;
}

std::string describe_ending(const ToolRun& run, std::chrono::milliseconds timeout) {
  if (run.timed_out) {
    if (timeout < std::chrono::seconds(1)) {
      return fmt::format("was stopped after the time limit of {} ms", timeout.count());
    }
    return fmt::format("was stopped after the time limit of {} s",
                       std::chrono::duration_cast<std::chrono::seconds>(timeout).count());
  }
  if (run.signal != 0) {
    const char* name = ::sigabbrev_np(run.signal);
    return fmt::format("was killed by signal {} (SIG{})", run.signal, name ? name : "?");
  }
  return fmt::format("exited with status {}", run.exit_code);
}

}  // namespace toq::media
