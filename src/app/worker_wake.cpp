#include "app/worker_wake.hpp"

#include <algorithm>
#include <cerrno>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace toq::app {
namespace {

// How often a waiting worker looks at `stopping` (its stop signal may reach another thread).
constexpr std::chrono::milliseconds kStopCheck{50};

// A ring is IN_CLOSE_WRITE; `touch` is IN_ATTRIB. Removing or renaming the file ends the watch.
constexpr std::uint32_t kEvents = IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

}  // namespace

void ring_workers(const std::filesystem::path& data_dir) {
  const auto path = data_dir / kWakeFileName;
  const int fd = ::open(path.c_str(),
                        O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0600);
  if (fd >= 0) {
    ::close(fd);  // the close of a descriptor open for writing is the event (IN_CLOSE_WRITE)
  }
}

WorkerWake::WorkerWake(const std::filesystem::path& data_dir)
    : path_(data_dir / kWakeFileName), inotify_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
  if (inotify_.valid()) {
    lost_ = !arm();  // a data dir made later is watched at a later wait
  }
}

bool WorkerWake::arm() {
  const int fd =
      ::open(path_.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
  if (fd < 0) {
    return false;
  }
  ::close(fd);  // read-only: no IN_CLOSE_WRITE of its own
  watch_ = ::inotify_add_watch(inotify_.get(), path_.c_str(), kEvents | IN_DONT_FOLLOW);
  return watch_ >= 0;
}

bool WorkerWake::drain() {
  if (!inotify_.valid()) {
    return false;
  }
  bool any = false;
  alignas(inotify_event) char buf[4096];
  for (;;) {
    const auto n = ::read(inotify_.get(), buf, sizeof buf);
    if (n <= 0) {
      break;  // EAGAIN: nothing more pending
    }
    any = true;
    for (std::size_t at = 0; at + sizeof(inotify_event) <= static_cast<std::size_t>(n);) {
      const auto* event = reinterpret_cast<const inotify_event*>(buf + at);
      if (event->wd == watch_ && (event->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))) {
        if (!(event->mask & IN_IGNORED)) {
          (void)::inotify_rm_watch(inotify_.get(), watch_);  // a renamed file stays watched
        }
        watch_ = -1;
        lost_ = true;
      }
      at += sizeof(inotify_event) + event->len;
    }
  }
  return any;
}

WorkerWake::End WorkerWake::wait(std::chrono::milliseconds timeout,
                                 const std::function<bool()>& stopping) {
  const auto stop = [&] { return stopping && stopping(); };
  if (stop()) {
    return End::kStopping;
  }
  if (lost_ && inotify_.valid() && arm()) {
    lost_ = false;
    return End::kWoken;  // a ring may have gone to the file that was removed
  }
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (drain()) {
      return End::kWoken;
    }
    if (stop()) {
      return End::kStopping;
    }
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds::zero()) {
      return End::kTimedOut;
    }
    const auto slice = std::min(left, kStopCheck);
    if (armed()) {
      pollfd p{.fd = inotify_.get(), .events = POLLIN, .revents = 0};
      (void)::poll(&p, 1, static_cast<int>(slice.count()));  // EINTR: a signal, look again
    } else {
      std::this_thread::sleep_for(slice);
    }
  }
}

}  // namespace toq::app
