#pragma once
// webhook_receiver.py as a child process: started on an ephemeral port (read from its "PORT n"
// line), its request log in a file, killed when the object goes away.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/shell.hpp"

namespace toq::webhook::testing {

class ReceiverProcess {
 public:
  ReceiverProcess(const std::string& secret, std::filesystem::path log) : log_(std::move(log)) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    const toq::testing::ParentTie tie;
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      toq::testing::die_with_parent(tie);
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execl(TOQ_SYSTEM_PYTHON, TOQ_SYSTEM_PYTHON, TOQ_WEBHOOK_RECEIVER, secret.c_str(),
              log_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    pid_ = pid;
    ::close(fds[1]);
    std::string line;
    pollfd p{fds[0], POLLIN, 0};
    while (line.find('\n') == std::string::npos) {
      if (::poll(&p, 1, 20000) <= 0) break;
      char buffer[64];
      const auto n = ::read(fds[0], buffer, sizeof buffer);
      if (n <= 0) break;
      line.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    if (!line.starts_with("PORT ")) {
      stop();
      throw std::runtime_error("webhook_receiver.py did not start: " + line);
    }
    port_ = std::stoi(line.substr(5));
  }
  ReceiverProcess(const ReceiverProcess&) = delete;
  ReceiverProcess& operator=(const ReceiverProcess&) = delete;
  ~ReceiverProcess() { stop(); }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // Every request recorded so far, in arrival order.
  std::vector<nlohmann::json> requests() const {
    std::vector<nlohmann::json> out;
    std::ifstream in{log_};
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    }
    return out;
  }

 private:
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  std::filesystem::path log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace toq::webhook::testing
