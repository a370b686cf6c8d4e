#include "adapter/media/common/isolated.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <new>
#include <string_view>
#include <thread>

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/sanitizer.hpp"
#include "support/unique_fd.hpp"

namespace toq::media {
namespace {

using core::ErrorCode;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// A result larger than this is refused: the parent must not be the one that runs out of memory.
constexpr std::size_t kMaxResultBytes = 256U << 20;

// ---- wire format ----

json details_to_json(const core::ErrorDetails& details) {
  return std::visit(
      [](const auto& d) -> json {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, core::FieldErrors>) {
          json fields = json::array();
          for (const auto& f : d.fields) {
            fields.push_back({{"field", f.field}, {"rule", f.rule}, {"reason", f.reason}});
          }
          return {{"kind", "fields"}, {"fields", fields}};
        } else if constexpr (std::is_same_v<T, core::ConflictDetails>) {
          return {{"kind", "conflict"}, {"what", d.what}, {"id", d.id}};
        } else if constexpr (std::is_same_v<T, core::UploadIncompleteDetails>) {
          json mismatched = json::array();
          for (const auto& m : d.mismatched) {
            mismatched.push_back({{"client_id", m.client_id}, {"reason", m.reason}});
          }
          return {
              {"kind", "upload_incomplete"}, {"missing", d.missing}, {"mismatched", mismatched}};
        } else {
          return nullptr;
        }
      },
      details);
}

core::ErrorDetails details_from_json(const json& j) {
  if (!j.is_object()) return {};
  const auto kind = j.at("kind").get<std::string>();
  if (kind == "fields") {
    core::FieldErrors out;
    for (const auto& f : j.at("fields")) {
      out.fields.push_back({f.at("field").get<std::string>(), f.at("rule").get<std::string>(),
                            f.at("reason").get<std::string>()});
    }
    return out;
  }
  if (kind == "conflict") {
    return core::ConflictDetails{j.at("what").get<std::string>(), j.at("id").get<std::int64_t>()};
  }
  if (kind == "upload_incomplete") {
    core::UploadIncompleteDetails out;
    out.missing = j.at("missing").get<std::vector<std::string>>();
    for (const auto& m : j.at("mismatched")) {
      out.mismatched.push_back(
          {m.at("client_id").get<std::string>(), m.at("reason").get<std::string>()});
    }
    return out;
  }
  return {};
}

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

// ---- child side ----

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// The AddressSanitizer build (`make asan`) differs in two ways a child must undo to behave as in
// production. ASan maps terabytes of shadow memory at start, so under any address limit the
// child's next allocation cannot be mapped and it dies ("Failed to mmap") before it decodes a
// byte: no RLIMIT_AS there (the tests of the limit skip). And ASan catches SIGSEGV / SIGBUS /
// SIGFPE to print a report and exit(1): a decoder crash would come back as "exited without a
// result" instead of a crash, so the child gets the default actions back.
constexpr bool kSanitized = support::kAddressSanitizer;
constexpr bool kAddressLimitWorks = !kSanitized;

void restore_crash_signals() {
  if (!kSanitized) return;
  for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, SIG_DFL);
}

[[noreturn]] void run_child(const std::function<core::Result<std::string>()>& fn,
                            const IsolationLimits& limits, int out_fd, pid_t parent) {
  // Die with the parent, and take any helper the decoder starts along (its own process group).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(120);
  ::setpgid(0, 0);
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  restore_crash_signals();
  if (kAddressLimitWorks && limits.max_memory_bytes > 0) {
    const rlimit as{limits.max_memory_bytes, limits.max_memory_bytes};
    ::setrlimit(RLIMIT_AS, &as);
  }
  std::string wire;
  try {
    wire = encode_isolated_result(fn());
  } catch (const std::bad_alloc&) {
    wire = encode_isolated_result(
        core::fail(ErrorCode::kCorruptMedia,
                   fmt::format("the decoder ran out of memory ({} MiB limit) while {}",
                               limits.max_memory_bytes >> 20U, limits.step),
                   "The file needs more memory to decode than is allowed.",
                   "Export it again at a smaller size (fewer megapixels) and upload it again."));
  } catch (const std::exception& e) {
    wire = encode_isolated_result(
        core::fail(ErrorCode::kInternal,
                   fmt::format("unexpected failure while {}: {}", limits.step, e.what())));
  } catch (...) {
    wire = encode_isolated_result(
        core::fail(ErrorCode::kInternal, fmt::format("unexpected failure while {}", limits.step)));
  }
  // _exit: no atexit handlers or static destructors of the parent's image run in the child.
  ::_exit(write_all(out_fd, wire) ? 0 : 121);
}

// ---- parent side ----

core::Error crashed(const IsolationLimits& limits, int sig) {
  return core::make_error(
      ErrorCode::kCorruptMedia,
      fmt::format("the decoder crashed ({}) while {}", signal_name(sig), limits.step),
      "The file could not be decoded: the decoder stopped on it.",
      "The file is probably damaged or uses an unusual encoding. Export it again from the camera "
      "or editing software (JPEG or HEIC for photos, MP4 for videos) and upload it again.");
}

core::Error timed_out(const IsolationLimits& limits) {
  return core::make_error(
      ErrorCode::kProcessingTimeout,
      fmt::format("the decoder did not finish within {} ms while {}", limits.timeout.count(),
                  limits.step),
      "Processing the file took too long and was stopped.",
      "Upload a smaller file (fewer megapixels, a shorter or lower-resolution video), or export it "
      "again in a common format and retry.");
}

// Blocks until the child is reaped; used after it exited or was SIGKILLed (both end promptly).
int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

std::string encode_isolated_result(const core::Result<std::string>& result) {
  if (result) return "O" + *result;
  const core::Error& e = result.error();
  const json j = {{"code", std::string(core::to_string(e.code))},
                  {"message", e.message},
                  {"public_message", e.public_message},
                  {"hint", e.hint},
                  {"details", details_to_json(e.details)}};
  // Library messages may hold bytes that are not UTF-8 (file names): replace, never throw.
  return "E" + j.dump(-1, ' ', false, json::error_handler_t::replace);
}

core::Result<std::string> decode_isolated_result(std::string_view wire) {
  if (wire.starts_with("O")) return std::string(wire.substr(1));
  if (!wire.starts_with("E")) {
    return core::fail(ErrorCode::kInternal, "the isolated child sent no result");
  }
  try {
    const json j = json::parse(wire.substr(1));
    const auto code = core::parse_error_code(j.at("code").get<std::string>());
    core::Error error = core::make_error(
        code.value_or(ErrorCode::kInternal), j.at("message").get<std::string>(),
        j.at("public_message").get<std::string>(), j.at("hint").get<std::string>());
    error.details = details_from_json(j.at("details"));
    return std::unexpected(std::move(error));
  } catch (const json::exception& e) {
    return core::fail(ErrorCode::kInternal,
                      fmt::format("the isolated child sent an unreadable error: {}", e.what()));
  }
}

namespace {

// How the isolated child ended, as the parent saw it: the bytes it wrote and its wait status.
struct ChildEnd {
  std::string wire;
  int status = 0;
  bool timed_out = false;
  bool too_large = false;  // the result grew past kMaxResultBytes
};

// Reads the child's result until it has exited and the pipe is at its end; kills the child's
// group at the deadline, or as soon as the result grows too large.
ChildEnd collect(pid_t pid, int read_fd, Clock::time_point deadline) {
  ChildEnd end;
  bool eof = false;
  bool exited = false;
  std::array<char, 65536> buffer{};
  while (!exited || !eof) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      reap(pid);
      end.timed_out = true;
      return end;
    }
    if (!eof) {
      pollfd p{read_fd, POLLIN, 0};
      // Wake up now and then to notice a child that exited while something else holds the pipe.
      const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 50)));
      if (ready > 0) {
        const ssize_t n = ::read(read_fd, buffer.data(), buffer.size());
        if (n > 0) {
          if (end.wire.size() + static_cast<std::size_t>(n) > kMaxResultBytes) {
            end.too_large = true;
            ::kill(-pid, SIGKILL);
            ::kill(pid, SIGKILL);
            reap(pid);
            break;
          }
          end.wire.append(buffer.data(), static_cast<std::size_t>(n));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          eof = true;
        }
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long long>(left, 5)));
    }
    if (!exited) {
      // WNOWAIT: the child stays a zombie until its group is killed, so its pid (and group id)
      // cannot be reused by an unrelated process in between.
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          info.si_pid == pid) {
        exited = true;
        // Everything the child wrote is in the pipe now; anything still holding the write end is
        // a leftover helper of the child's group.
        ::kill(-pid, SIGKILL);
        end.status = reap(pid);
      }
    }
  }
  return end;
}

}  // namespace

core::Result<std::string> run_isolated(const std::function<core::Result<std::string>()>& fn,
                                       const IsolationLimits& limits) {
  std::array<int, 2> fds{-1, -1};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    return core::fail(ErrorCode::kInternal,
                      fmt::format("pipe failed while {}: {}", limits.step, std::strerror(errno)));
  }
  support::UniqueFd read_end(fds[0]);
  support::UniqueFd write_end(fds[1]);
  const pid_t parent = ::getpid();
  const auto deadline = Clock::now() + limits.timeout;
  const pid_t pid = ::fork();
  if (pid < 0) {
    return core::fail(ErrorCode::kInternal,
                      fmt::format("fork failed while {}: {}", limits.step, std::strerror(errno)));
  }
  if (pid == 0) {
    read_end.reset();
    run_child(fn, limits, write_end.get(), parent);
  }
  write_end.reset();
  ::setpgid(pid, pid);  // also here, so a kill of the group cannot race the child's own setpgid

  const ChildEnd end = collect(pid, read_end.get(), deadline);
  if (end.timed_out) return std::unexpected(timed_out(limits));
  if (end.too_large) {
    return core::fail(ErrorCode::kInternal,
                      fmt::format("the isolated child's result exceeded {} MiB while {}",
                                  kMaxResultBytes >> 20U, limits.step));
  }
  if (WIFSIGNALED(end.status)) return std::unexpected(crashed(limits, WTERMSIG(end.status)));
  if (WIFEXITED(end.status) && WEXITSTATUS(end.status) != 0) {
    return core::fail(ErrorCode::kInternal,
                      fmt::format("the decoder exited with status {} without a result while {}",
                                  WEXITSTATUS(end.status), limits.step));
  }
  return decode_isolated_result(end.wire);
}

}  // namespace toq::media
