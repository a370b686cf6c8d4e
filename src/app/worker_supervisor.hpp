#pragma once
// The embedded mode's worker processes: `serve` starts N `toq-media worker` children, restarts one
// that exits or crashes (a crash in media code kills a worker, never the API), and stops them all
// on shutdown. Jobs live in the database, so a restarted worker (or another one) resumes them once
// the dead worker's lease expires.
//
// Contract:
// - start() spawns `count` children running `executable args...` (fork + exec; between the two
//   only async-signal-safe calls). Each child gets PR_SET_PDEATHSIG=SIGTERM, so it does not
//   outlive a killed serve, and an unblocked signal mask.
// - A child that exits while the supervisor runs is restarted after restart_delay, doubled (up to
//   30 s) while children keep dying within 5 s of their start: a crash loop does not spin.
// - Each child gets a pipe as file descriptor 3 (and `--events-fd 3` appended to its arguments):
//   every complete line it writes there reaches on_line from the monitor thread (metrics).
// - stop(grace) sends SIGTERM to every child, waits up to `grace`, then SIGKILLs the rest and
//   reaps them all. Idempotent; the destructor calls it with a zero grace.

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace toq::app {

struct WorkerEvent {
  std::string what;  // "started" | "exited" | "restarting" | "stopped"
  pid_t pid = 0;
  int slot = 0;
  int exit_code = -1;  // when it exited normally
  int signal = 0;      // when a signal ended it
};

struct SupervisorOptions {
  std::string executable;         // absolute path of the toq-media binary
  std::vector<std::string> args;  // argv[1...]: {"worker", "--data-dir", ...}
  int count = 1;
  std::chrono::milliseconds restart_delay{500};
  std::function<void(std::string_view line)> on_line;  // a line a child wrote on its fd 3
  std::function<void(const WorkerEvent&)> on_event;    // logging; called from the monitor thread
};

class WorkerSupervisor {
 public:
  explicit WorkerSupervisor(SupervisorOptions options);
  WorkerSupervisor(const WorkerSupervisor&) = delete;
  WorkerSupervisor& operator=(const WorkerSupervisor&) = delete;
  ~WorkerSupervisor();

  void start();
  void stop(std::chrono::milliseconds grace);
  std::vector<pid_t> pids() const;
  // How many children it keeps running.
  int count() const { return options_.count; }

 private:
  struct Slot {
    pid_t pid = -1;
    std::chrono::steady_clock::time_point started{};
    std::chrono::steady_clock::time_point restart_at{};
    std::chrono::milliseconds delay{};
    int events = -1;      // read end of the child's event pipe
    std::string pending;  // bytes read after the last newline
  };

  pid_t spawn(int slot);
  void drain(Slot& slot);
  void monitor(std::stop_token stop);
  void emit(WorkerEvent event);

  SupervisorOptions options_;
  mutable std::mutex mutex_;
  std::vector<Slot> slots_;
  bool stopping_ = false;
  std::jthread monitor_;
};

}  // namespace toq::app
