#pragma once
// A small HTTP/1.1 server on 127.0.0.1 (ephemeral port) for HTTP-client, S3-adapter and credentials
// tests: it answers each request with whatever the test's handler returns, records every request
// it received in full, and counts the connections it accepted (connection reuse). It speaks
// Content-Length and chunked request bodies, answers "Expect: 100-continue", keeps connections
// alive, and can stall, close early or dribble a body to exercise timeouts.
//
// Each connection is served on its own thread, so a client that keeps a connection alive does not
// hold up a second one (a proxy in front of a store sees several at once); a handler given to the
// server must therefore be thread-safe when its clients send concurrently.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/port/object_store.hpp"

#include "support/io/byte_sources.hpp"
#include "support/text.hpp"

namespace toq::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;  // path?query as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool complete = true;  // false: the client went away before the whole body arrived

  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (support::iequals(k, name)) return v;
    }
    return std::nullopt;
  }
  std::string path() const { return target.substr(0, target.find('?')); }
  std::string query() const {
    const auto q = target.find('?');
    return q == std::string::npos ? "" : target.substr(q + 1);
  }
};

struct ScriptedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  // Behaviour knobs for failure tests.
  bool stall = false;                  // read the request, never answer (until the client leaves)
  std::size_t send_then_stall = 0;     // send headers and this many body bytes, then stall
  bool close_without_answer = false;   // read the request, close the socket
  std::chrono::milliseconds delay{0};  // wait before answering
};

class ScriptedHttpServer {
 public:
  using Handler = std::function<ScriptedResponse(const ReceivedRequest&)>;

  explicit ScriptedHttpServer(Handler handler) : handler_(std::move(handler)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw std::runtime_error("socket failed");
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 16) != 0) {
      throw std::runtime_error("bind/listen failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }

  // A server that answers every request from a fixed list, in order (the last one repeats).
  explicit ScriptedHttpServer(std::vector<ScriptedResponse> script)
      : ScriptedHttpServer(Handler{}) {
    std::lock_guard lock{mutex_};
    script_ = std::move(script);
  }

  ~ScriptedHttpServer() {
    stop_ = true;
    thread_.join();
    for (auto& t : connection_threads_) t.join();
    ::close(listener_);
  }
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string authority() const { return "127.0.0.1:" + std::to_string(port_); }

  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock{mutex_};
    return requests_;
  }
  std::size_t request_count() const {
    std::lock_guard lock{mutex_};
    return requests_.size();
  }
  int connections() const { return connections_.load(); }

 private:
  ScriptedResponse respond(const ReceivedRequest& request) {
    if (handler_) return handler_(request);  // immutable after construction; called unlocked
    std::lock_guard lock{mutex_};
    if (script_.empty()) return ScriptedResponse{};
    const std::size_t i = std::min(script_index_, script_.size() - 1);
    ++script_index_;
    return script_[i];
  }

  static std::string reason(int status) {
    switch (status) {
      case 200: return "OK";
      case 204: return "No Content";
      case 206: return "Partial Content";
      case 400: return "Bad Request";
      case 403: return "Forbidden";
      case 404: return "Not Found";
      case 416: return "Range Not Satisfiable";
      case 500: return "Internal Server Error";
      case 503: return "Slow Down";
      default: return "Status";
    }
  }

  // Waits up to 50 ms for readability; false on timeout.
  bool readable(int fd) const {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 50) > 0;
  }

  // Reads more bytes into buf; false when the peer closed or stop was asked.
  bool fill(int fd, std::string& buf) {
    while (!stop_) {
      if (!readable(fd)) continue;
      char chunk[65536];
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buf.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    return false;
  }

  static void send_all(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // Stays until the client closes the connection (or the server stops).
  void wait_for_close(int fd) {
    std::string ignored;
    while (fill(fd, ignored)) ignored.clear();
  }

  void serve(int fd) {
    std::string buf;
    while (!stop_) {
      // Request line and headers.
      std::size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
        if (!fill(fd, buf)) return;
      }
      ReceivedRequest request;
      std::string_view head{buf.data(), end};
      const auto line_end = head.find("\r\n");
      const std::string_view line = head.substr(0, line_end);
      const auto sp1 = line.find(' ');
      const auto sp2 = line.rfind(' ');
      request.method = std::string{line.substr(0, sp1)};
      request.target = std::string{line.substr(sp1 + 1, sp2 - sp1 - 1)};
      std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
      while (pos < head.size()) {
        auto next = head.find("\r\n", pos);
        if (next == std::string_view::npos) next = head.size();
        const std::string_view h = head.substr(pos, next - pos);
        const auto colon = h.find(':');
        if (colon != std::string_view::npos) {
          std::string_view value = h.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
          request.headers.emplace_back(std::string{h.substr(0, colon)}, std::string{value});
        }
        pos = next + 2;
      }
      buf.erase(0, end + 4);
      if (auto expect = request.header("Expect"); expect && *expect == "100-continue") {
        send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n");
      }
      // Body.
      bool closed = false;
      if (auto length = request.header("Content-Length")) {
        const std::size_t want = std::stoul(*length);
        while (buf.size() < want) {
          if (!fill(fd, buf)) {
            closed = true;
            break;
          }
        }
        const std::size_t take = std::min(want, buf.size());
        request.body = buf.substr(0, take);
        buf.erase(0, take);
        request.complete = !closed;
      } else if (auto te = request.header("Transfer-Encoding"); te && *te == "chunked") {
        while (true) {
          std::size_t eol;
          while ((eol = buf.find("\r\n")) == std::string::npos) {
            if (!fill(fd, buf)) {
              closed = true;
              break;
            }
          }
          if (closed) break;
          const std::size_t size = std::stoul(buf.substr(0, eol), nullptr, 16);
          while (buf.size() < eol + 2 + size + 2) {
            if (!fill(fd, buf)) {
              closed = true;
              break;
            }
          }
          if (closed) break;
          request.body += buf.substr(eol + 2, size);
          buf.erase(0, eol + 2 + size + 2);
          if (size == 0) break;
        }
        request.complete = !closed;
      }
      {
        std::lock_guard lock{mutex_};
        requests_.push_back(request);
      }
      if (closed) return;
      ScriptedResponse response = respond(request);
      if (response.delay.count() > 0) std::this_thread::sleep_for(response.delay);
      if (response.close_without_answer) return;
      if (response.stall) {
        wait_for_close(fd);
        return;
      }
      std::string out =
          "HTTP/1.1 " + std::to_string(response.status) + " " + reason(response.status) + "\r\n";
      bool has_length = false;
      for (const auto& [k, v] : response.headers) {
        out += k + ": " + v + "\r\n";
        if (k == "Content-Length") has_length = true;
      }
      if (!has_length && request.method != "HEAD") {
        out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
      }
      out += "\r\n";
      if (response.send_then_stall > 0) {
        send_all(fd, out);
        send_all(fd, std::string_view{response.body}.substr(0, response.send_then_stall));
        wait_for_close(fd);
        return;
      }
      if (request.method != "HEAD") out += response.body;
      send_all(fd, out);
    }
  }

  void run() {
    while (!stop_) {
      if (!readable(listener_)) continue;
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      connection_threads_.emplace_back([this, fd] {
        serve(fd);
        ::close(fd);
      });
    }
  }

  Handler handler_;
  std::vector<ScriptedResponse> script_;
  std::size_t script_index_ = 0;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::vector<ReceivedRequest> requests_;
  std::vector<std::thread> connection_threads_;  // only the accept thread touches it
  std::thread thread_;
};

// A ByteSource that makes `size` deterministic bytes on the fly (never held in memory), counting
// how many reads it served.
class GeneratedSource : public core::ByteSource {
 public:
  explicit GeneratedSource(std::int64_t size) : size_(size) {}
  core::Result<std::size_t> read(std::span<std::byte> buf) override {
    const auto n = static_cast<std::size_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(buf.size()), size_ - pos_));
    for (std::size_t i = 0; i < n; ++i) buf[i] = byte_at(pos_ + static_cast<std::int64_t>(i));
    pos_ += static_cast<std::int64_t>(n);
    ++reads;
    return n;
  }
  static std::byte byte_at(std::int64_t i) {
    return static_cast<std::byte>((i * 2654435761LL) >> 13);
  }
  int reads = 0;

 private:
  std::int64_t size_;
  std::int64_t pos_ = 0;
};

// A ByteSource that cannot be replayed (unlike MemorySource): the client must not retry it.
class OneShotSource final : public core::ByteSource {
 public:
  explicit OneShotSource(std::string data) : inner_(std::move(data)) {}
  core::Result<std::size_t> read(std::span<std::byte> buf) override { return inner_.read(buf); }

 private:
  support::MemorySource inner_;
};

}  // namespace toq::testing
