#pragma once
// The HTTP client of the tests that drive the real `toq-media serve`: storage/http_client.hpp's
// http(), plus a recording of every exchange for the OpenAPI check.
//
// With TOQ_HTTP_RECORD=DIR in the environment, recorded_http() appends one JSON line per response
// to DIR/<test binary>-<pid>.jsonl (one file per process: parallel test processes never share a
// file): {"method", "path" (without query), "status", "headers" {lower-case name: value},
// "body" (text; absent for a body that is not UTF-8 text), "bodyBytes", "test"}. Without the
// variable it only calls http(). tests/http/openapi/validate_responses.py checks the lines
// against docs/openapi.yaml.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "storage/http_client.hpp"

namespace toq::testing {

namespace detail {

inline std::string path_of(const std::string& url) {
  // http://host:port/path?query -> /path
  const auto scheme = url.find("://");
  const auto start = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (start == std::string::npos) return "/";
  const auto q = url.find('?', start);
  return url.substr(start, q == std::string::npos ? std::string::npos : q - start);
}

inline void record_exchange(const HttpCall& call, const HttpResult& result) {
  const char* dir = std::getenv("TOQ_HTTP_RECORD");
  if (dir == nullptr || *dir == '\0' || result.code != CURLE_OK || result.status == 0) return;
  static std::mutex mutex;
  std::lock_guard lock{mutex};
  std::string self = "test";
  if (const auto exe = std::filesystem::read_symlink("/proc/self/exe"); !exe.empty()) {
    self = exe.filename().string();
  }
  std::filesystem::create_directories(dir);
  const auto file =
      std::filesystem::path{dir} / (self + "-" + std::to_string(::getpid()) + ".jsonl");
  nlohmann::json line = {{"method", call.method},
                         {"path", path_of(call.url)},
                         {"status", result.status},
                         {"bodyBytes", result.body.size()}};
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : result.headers) headers[name] = value;
  line["headers"] = std::move(headers);
  // Text bodies only (JSON, XML, HTML, metrics); a binary download is described by its size.
  const auto text =
      nlohmann::json(result.body).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.find("\\ufffd") == std::string::npos) line["body"] = result.body;
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    line["test"] = std::string{info->test_suite_name()} + "." + info->name();
  }
  std::ofstream out{file, std::ios::app};
  out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace detail

// http(call), recorded when TOQ_HTTP_RECORD is set. Use it for every request to the server.
inline HttpResult recorded_http(const HttpCall& call) {
  HttpResult result = http(call);
  detail::record_exchange(call, result);
  return result;
}

// A raw TCP connection to 127.0.0.1:port, for what curl will not do: stall mid-body, send a
// declared size and never the bytes, trickle headers. Not recorded (its exchanges are attacks
// whose answers the tests check themselves).
class RawConnection {
 public:
  // receive_buffer > 0: the socket's SO_RCVBUF, so a client that stops reading stops the sender
  // after that little (a slow downloader).
  explicit RawConnection(int port, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    if (receive_buffer > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect failed");
    }
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }

  // False when the peer has closed or reset the connection.
  bool send(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // True when bytes (or EOF) can be read within `timeout_ms`.
  bool readable(int timeout_ms) const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) > 0;
  }
  // Reads until `until` appears in what was read, EOF/reset, or `limit_ms` without any byte (a
  // safety net against a hung test, not a measurement). Returns everything read so far.
  std::string read_until(std::string_view until, int limit_ms = 60000) {
    while (until.empty() || received_.find(until) == std::string::npos) {
      if (!readable(limit_ms)) break;
      char buf[16384];
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      received_.append(buf, static_cast<std::size_t>(n));
    }
    return received_;
  }
  // Reads to EOF (or reset); true when the peer closed the connection.
  bool read_to_close(int limit_ms = 60000) {
    read_until({}, limit_ms);
    return closed_;
  }
  const std::string& received() const { return received_; }
  // The status of the first response line read, or 0.
  int status() const {
    if (!received_.starts_with("HTTP/1.1 ") || received_.size() < 12) return 0;
    return std::atoi(received_.substr(9, 3).c_str());
  }

 private:
  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
};

}  // namespace toq::testing
