#pragma once
// The real `toq-media serve` as a child process for HTTP tests: started on an ephemeral port
// (--listen 127.0.0.1:0; the port is read from its "listening" log line) unless `env` names
// TOQ_MEDIA_SERVER_LISTEN (the AWS rehearsal's callback address), its JSON-lines log kept in a
// file, stopped with a signal and its exit status returned.

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/proc_stat.hpp"
#include "support/shell.hpp"

namespace toq::testing {

class ServeProcess {
 public:
  // `env` is added to the child's environment (TOQ_MEDIA_* overrides). `log_file` is where its
  // stderr goes (default: "<data_dir>.log", truncated); a restart on the same data dir can pass
  // another file so that find_log() sees only this start's lines.
  ServeProcess(std::filesystem::path data_dir, std::map<std::string, std::string> env,
               const std::filesystem::path& log_file = {})
      : data_dir_(std::move(data_dir)),
        log_(log_file.empty() ? data_dir_.string() + ".log" : log_file.string()) {
    const ParentTie tie;
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      die_with_parent(tie);
      std::FILE* log = std::freopen(log_.c_str(), "w", stderr);
      if (log == nullptr) _exit(127);
      for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
      const auto listen = env.find("TOQ_MEDIA_SERVER_LISTEN");
      const std::string address = listen == env.end() ? "127.0.0.1:0" : listen->second;
      execl(TOQ_MEDIA_BINARY, TOQ_MEDIA_BINARY, "serve", "--data-dir", data_dir_.c_str(),
            "--listen", address.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    pid_ = pid;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto line = find_log("listening")) {
        port_ = line->at("port").get<int>();
        return;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("toq-media serve exited early:\n" + log_text());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    throw std::runtime_error("toq-media serve did not report listening:\n" + log_text());
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }

  // Sends `sig` and waits; the exit status, or -1 when killed by a signal or after 20 s.
  int stop(int sig = SIGTERM) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    return -1;
  }

  // Sends `sig` without waiting (stop() waits).
  void signal(int sig) const {
    if (pid_ > 0) kill(pid_, sig);
  }

  // The server's pid (-1 once stopped).
  pid_t pid() const { return pid_; }

  // The server's direct children right now (its `toq-media worker` processes), from
  // /proc/<pid>/task/*/children: every thread's children, since any thread may have forked them.
  // Children that have exited and wait to be reaped are left out. Empty once stopped.
  std::vector<pid_t> child_pids() const {
    std::vector<pid_t> out;
    if (pid_ <= 0) return out;
    std::error_code ec;
    const std::filesystem::path tasks = "/proc/" + std::to_string(pid_) + "/task";
    for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
      std::ifstream in{task.path() / "children"};
      pid_t child = 0;
      while (in >> child) {
        if (process_running(child)) out.push_back(child);
      }
    }
    return out;
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  // Where its stderr (and its workers') goes.
  const std::string& log_path() const { return log_; }

  std::string log_text() const {
    std::ifstream in{log_};
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // The first log line whose "msg" is `msg` and whose fields include `field` = `value`
  // (when `field` is given).
  std::optional<nlohmann::json> find_log(const std::string& msg, const std::string& field = {},
                                         const std::string& value = {}) const {
    std::istringstream lines{log_text()};
    std::string line;
    while (std::getline(lines, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object() || j.value("msg", "") != msg) continue;
      if (!field.empty() && (!j.contains(field) || !j[field].is_string() || j[field] != value)) {
        continue;
      }
      return j;
    }
    return std::nullopt;
  }

  // find_log() for a line written after the answer: the access log line of a request is written
  // once the response has gone out (the server's `done` hook), so a client that just read its
  // answer may look before it is there. Waits up to `patience` for it.
  std::optional<nlohmann::json> await_log(const std::string& msg, const std::string& field,
                                          const std::string& value,
                                          std::chrono::milliseconds patience = std::chrono::seconds{
                                              10}) const {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
      auto line = find_log(msg, field, value);
      if (line || std::chrono::steady_clock::now() >= deadline) return line;
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
  }

  // `toq-media token` for this data dir.
  std::string token(std::int64_t sub, const std::string& role) const {
    auto run =
        run_capture(std::string{TOQ_MEDIA_BINARY} + " token --data-dir " + data_dir_.string() +
                        " --sub " + std::to_string(sub) + " --role " + role,
                    Stderr::kDiscard);
    if (run.status != 0) throw std::runtime_error("toq-media token failed");
    std::string out = std::move(run.output);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }

 private:
  std::filesystem::path data_dir_;
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace toq::testing
