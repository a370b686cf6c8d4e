#include "app/worker_supervisor.hpp"

#include <algorithm>
#include <utility>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace toq::app {
namespace {

constexpr auto kMaxRestartDelay = std::chrono::seconds(30);
constexpr auto kQuickExit = std::chrono::seconds(5);
constexpr auto kPollPeriod = std::chrono::milliseconds(100);

WorkerEvent ended(pid_t pid, int slot, int status) {
  WorkerEvent e{.what = "exited", .pid = pid, .slot = slot};
  if (WIFEXITED(status)) {
    e.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    e.signal = WTERMSIG(status);
  }
  return e;
}

}  // namespace

WorkerSupervisor::WorkerSupervisor(SupervisorOptions options) : options_(std::move(options)) {}

WorkerSupervisor::~WorkerSupervisor() {
  stop(std::chrono::milliseconds(0));
}

void WorkerSupervisor::emit(WorkerEvent event) {
  if (options_.on_event) {
    options_.on_event(event);
  }
}

void WorkerSupervisor::drain(Slot& slot) {
  if (slot.events < 0) {
    return;
  }
  char buf[4096];
  for (;;) {
    const auto n = ::read(slot.events, buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    slot.pending.append(buf, static_cast<std::size_t>(n));
  }
  std::size_t start = 0;
  for (auto nl = slot.pending.find('\n'); nl != std::string::npos;
       nl = slot.pending.find('\n', start)) {
    if (options_.on_line) {
      options_.on_line(std::string_view(slot.pending).substr(start, nl - start));
    }
    start = nl + 1;
  }
  slot.pending.erase(0, start);
  if (slot.pending.size() > 65536) {
    slot.pending.clear();  // a line that never ends is not an event
  }
}

pid_t WorkerSupervisor::spawn(int slot) {
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args;
  args.push_back(options_.executable);
  args.insert(args.end(), options_.args.begin(), options_.args.end());
  args.emplace_back("--events-fd");
  args.emplace_back("3");
  int pipe_fds[2] = {-1, -1};
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    pipe_fds[0] = pipe_fds[1] = -1;
  }
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) {
      ::_exit(1);  // the parent died before the line above: do not run orphaned
    }
    if (pipe_fds[1] >= 0) {
      if (pipe_fds[1] == 3) {
        ::fcntl(3, F_SETFD, 0);  // dup2 onto itself would keep close-on-exec
      } else {
        ::dup2(pipe_fds[1], 3);  // the copy at 3 is not close-on-exec
      }
      ::fcntl(3, F_SETFL, 0);  // blocking writes in the child
    } else {
      ::close(3);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // serve blocks SIGTERM/SIGINT for sigwait
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (pipe_fds[1] >= 0) {
    ::close(pipe_fds[1]);
  }
  auto& s = slots_[static_cast<std::size_t>(slot)];
  if (s.events >= 0) {
    drain(s);
    ::close(s.events);
  }
  s.events = pipe_fds[0];
  s.pending.clear();
  if (pid > 0) {
    emit({.what = "started", .pid = pid, .slot = slot});
  }
  return pid;
}

void WorkerSupervisor::start() {
  std::lock_guard lock(mutex_);
  if (!slots_.empty()) {
    return;
  }
  slots_.resize(static_cast<std::size_t>(std::max(0, options_.count)));
  const auto now = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    slots_[i].pid = spawn(static_cast<int>(i));
    slots_[i].started = now;
    slots_[i].delay = options_.restart_delay;
  }
  monitor_ = std::jthread([this](std::stop_token stop) { monitor(stop); });
}

void WorkerSupervisor::monitor(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::this_thread::sleep_for(kPollPeriod);
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      auto& s = slots_[i];
      drain(s);
      if (s.pid > 0) {
        int status = 0;
        if (::waitpid(s.pid, &status, WNOHANG) != s.pid) {
          continue;
        }
        emit(ended(s.pid, static_cast<int>(i), status));
        s.pid = -1;
        const bool quick = now - s.started < kQuickExit;
        s.delay = quick ? std::min<std::chrono::milliseconds>(s.delay * 2, kMaxRestartDelay)
                        : options_.restart_delay;
        s.restart_at = now + s.delay;
        emit({.what = "restarting", .slot = static_cast<int>(i)});
      } else if (now >= s.restart_at) {
        s.pid = spawn(static_cast<int>(i));
        s.started = now;
      }
    }
  }
}

void WorkerSupervisor::stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  if (monitor_.joinable()) {
    monitor_.request_stop();
    monitor_.join();
  }
  std::lock_guard lock(mutex_);
  for (auto& s : slots_) {
    if (s.pid > 0) {
      ::kill(s.pid, SIGTERM);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    bool alive = false;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      auto& s = slots_[i];
      if (s.pid <= 0) {
        continue;
      }
      int status = 0;
      if (::waitpid(s.pid, &status, WNOHANG) == s.pid) {
        auto e = ended(s.pid, static_cast<int>(i), status);
        e.what = "stopped";
        emit(e);
        s.pid = -1;
      } else {
        alive = true;
      }
    }
    if (!alive) {
      for (auto& s : slots_) {
        drain(s);
        if (s.events >= 0) {
          ::close(s.events);
          s.events = -1;
        }
      }
      return;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      for (auto& s : slots_) {
        if (s.pid > 0) {
          ::kill(s.pid, SIGKILL);
        }
      }
      for (std::size_t i = 0; i < slots_.size(); ++i) {
        auto& s = slots_[i];
        if (s.pid > 0) {
          int status = 0;
          ::waitpid(s.pid, &status, 0);
          auto e = ended(s.pid, static_cast<int>(i), status);
          e.what = "stopped";
          emit(e);
          s.pid = -1;
        }
      }
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::vector<pid_t> WorkerSupervisor::pids() const {
  std::lock_guard lock(mutex_);
  std::vector<pid_t> out;
  for (const auto& s : slots_) {
    if (s.pid > 0) {
      out.push_back(s.pid);
    }
  }
  return out;
}

}  // namespace toq::app
