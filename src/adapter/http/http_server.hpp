#pragma once
// A small HTTP/1.1 server on cpp-httplib (Debian's libcpp-httplib 0.11): binds host:port (port 0
// picks a free one), serves on a thread pool in the background, and stops cleanly. Routes are
// registered on routes() by binding files: storage_routes.hpp, web_routes.hpp, api_routes.hpp and
// ops_routes.hpp.
//
// cpp-httplib is used as Debian builds it (a shared library compiled with OpenSSL, zlib and
// brotli support): the toq_http target carries the matching compile definitions, so every file
// including this header sees the same class layouts as the library.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>

#include "core/model/error.hpp"

namespace toq::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: an ephemeral port; HttpServer::port() tells which
  std::size_t threads = 8;
  // Per socket operation, not per request: a long upload only needs to keep moving.
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds keep_alive_timeout{5};
};

class HttpServer {
 public:
  // Decides an "Expect: 100-continue" request before its body is sent: return 100 to let the
  // body come, or fill the response and return its status (the body is then never read).
  using ExpectHook = std::function<int(const httplib::Request&, httplib::Response&)>;

  explicit HttpServer(ServerOptions options);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();  // stop()

  // Register routes here before start().
  httplib::Server& routes() { return server_; }
  // The hook for requests whose path starts with `path_prefix`; others get 100 Continue.
  void on_expect_continue(std::string path_prefix, ExpectHook hook);

  // Binds the listening socket and returns its port, without serving yet: lets the caller build
  // URLs with an ephemeral port before routes are registered. INTERNAL when the address cannot
  // be bound (in use, bad host); the port bound earlier when called twice.
  core::Result<int> bind();
  // Starts serving on a background thread (binding first if bind() was not called); returns the
  // bound port. INVALID_REQUEST when already serving.
  core::Result<int> start();
  // Stops accepting, lets requests in flight finish, joins every thread. Idempotent.
  void stop();
  // Like stop(), but gives requests in flight at most `grace`. True when every thread finished in
  // time (the server is stopped as after stop()). False when the deadline passed with a request
  // still open (a stalled or slow client): the serving thread is detached and keeps running, so
  // the only safe continuation is ending the process (std::_Exit) without destroying this object.
  bool stop_within(std::chrono::milliseconds grace);

  int port() const { return port_; }
  const ServerOptions& options() const { return options_; }

 private:
  core::Result<int> bind_locked();

  ServerOptions options_;
  httplib::Server server_;
  std::vector<std::pair<std::string, ExpectHook>> expect_hooks_;
  std::thread thread_;
  std::atomic<bool> serving_done_{false};
  std::mutex done_mutex_;  // with done_cv_: signals serving_done_ to stop_within()
  std::condition_variable done_cv_;
  std::mutex mutex_;
  int port_ = 0;
  bool bound_ = false;
  bool started_ = false;
  bool abandoned_ = false;  // stop_within() gave up: the thread still uses server_
};

}  // namespace toq::http
