#pragma once
// Wake-ups for the embedded mode's idle workers: a worker with nothing due sleeps until a wake-up
// or its poll (processing.pollMillis), whichever comes first, instead of the poll alone.
//
// Who rings: serve after the commit of a new job (complete, retry, reprocess), and a worker after
// it plans a job's work items (idle workers can help at once) and after its turn at another
// worker's job (that job's worker may be waiting for the item just done, to build the ZIP).
//
// How: the file `workers.wake` in the data dir, watched with inotify. Ringing opens and closes it
// for writing; every process watching it sees IN_CLOSE_WRITE. Chosen over the alternatives
// because
// - it is a broadcast: every idle worker wakes, whoever rang (a pipe or an eventfd wakes one
//   reader; a futex word would need shared memory and raw syscalls);
// - it needs no registry of who waits: serve, its worker children and a `toq-media worker`
//   started on its own on the same data dir all ring and wake alike, and a restarted worker just
//   watches again (signals to PIDs would need serve to know every worker, would reach only its own
//   children, and would interrupt the system calls of the media code and its forked decoders);
// - a wake-up is never lost between a worker's look at the database and its wait: the watch is
//   armed before the first look and the event waits in the inotify descriptor until read, so
//   the wait after a look that came too early returns at once.
// A wake-up is a hint, never the only way work gets done: a worker on another host (its own data
// dir, MariaDB), a data dir without inotify or a failed ring costs at most one poll, as before.
//
// Contract:
// - ring_workers(data_dir) opens `data_dir/workers.wake` for writing (creating it, mode 0600,
//   without following a symlink) and closes it. It never fails its caller: when the file cannot
//   be opened the wake-up is lost (the workers look at their next poll).
// - WorkerWake(data_dir) creates the file when missing and watches it (armed() false when inotify
//   or the file is not available: wait() then only sleeps). The descriptor is close-on-exec.
// - wait(timeout, stopping) returns kWoken when the file was rung (or touched, replaced or removed)
//   since the previous wait returned or since construction, consuming every such event; kTimedOut
//   after `timeout`; kStopping as soon as stopping() is true (looked at every 50 ms, and before
//   waiting). A file removed or replaced is watched again at the next wait, which returns kWoken
//   at once (a ring may have gone to the old file). Only one thread may wait at a time.

#include <chrono>
#include <filesystem>
#include <functional>

#include "support/unique_fd.hpp"

namespace toq::app {

inline constexpr const char* kWakeFileName = "workers.wake";

void ring_workers(const std::filesystem::path& data_dir);

class WorkerWake {
 public:
  enum class End { kWoken, kTimedOut, kStopping };

  explicit WorkerWake(const std::filesystem::path& data_dir);

  bool armed() const { return watch_ >= 0; }
  const std::filesystem::path& path() const { return path_; }
  End wait(std::chrono::milliseconds timeout, const std::function<bool()>& stopping);

 private:
  bool arm();    // creates the file and adds the watch; false when either fails
  bool drain();  // reads every pending event; true when any was read

  std::filesystem::path path_;
  support::UniqueFd inotify_;
  int watch_ = -1;
  bool lost_ = false;  // the watch went away (the file removed or replaced): arm it again
};

}  // namespace toq::app
