#pragma once
// The HTTP/1.1 server: an event-driven connection layer (Boost.Beast on Asio, Debian's
// libboost1.81-dev) serving the routes of a Router (server/router.hpp) with the plans of
// server/exchange.hpp.
//
// Threads, all fixed at start(): `io_threads` run every connection's reading and writing (a slow or
// idle client costs memory, never a thread); the use cases run on `api_threads`, the store's file
// I/O (uploads, downloads, static files) on `storage_threads`, so a burst of one never queues the
// other and a slow client holds a worker only while one of its pieces is written.
//
// Deadlines: the header section of a request must arrive within `header_timeout` (from the first
// byte on a kept-alive connection); a body read or a response write that makes no progress for
// `read_timeout` / `write_timeout` closes the connection (a body then counts as incomplete); a
// kept-alive connection idle for `keep_alive_timeout` is closed.
//
// The token is checked before any body is read: routes see the headers first (exchange.hpp). A body
// the route does not take is drained when its declared length is at most `max_drain_bytes` (so the
// client is not reset before it reads the answer), else the connection is closed after the answer;
// "Expect: 100-continue" is confirmed only for a body a route takes.
//
// Caps: at most `max_connections` connections and `max_connections_per_client` from one client
// address (connection_limits.hpp); past a cap the connection is answered 503 SERVER_BUSY (JSON,
// Retry-After) and closed. The per-address cap is generous on purpose: behind a carrier-grade NAT
// hundreds of phones share one address, each with several uploads, and the load test drives more
// than a thousand connections from 127.0.0.1; it keeps one address from taking every slot.
//
// Answers of the connection layer itself: 400 INVALID_REQUEST for a request that is not HTTP/1.1,
// 431 HEADERS_TOO_LARGE past `max_header_bytes`, both JSON, then the connection closes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/model/error.hpp"

#include "adapter/http/server/exchange.hpp"
#include "adapter/http/server/router.hpp"

namespace toq::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: an ephemeral port; HttpServer::port() tells which
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds keep_alive_timeout{5};
  std::chrono::seconds header_timeout{30};
  std::size_t io_threads = 2;
  std::size_t api_threads = 8;
  std::size_t storage_threads = 8;
  std::size_t max_header_bytes = 64 * 1024;  // room for long bearer tokens
  std::size_t max_connections = 8192;
  std::size_t max_connections_per_client = 2048;
  std::int64_t max_drain_bytes = 8 * 1024 * 1024;
};

class HttpServer {
 public:
  explicit HttpServer(ServerOptions options);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();  // stop()

  // Register routes and hooks before start().
  Router& routes();
  ServerHooks& hooks();

  // Binds the listening socket and returns its port, without serving yet: lets the caller build
  // URLs with an ephemeral port before routes are registered. INTERNAL when the address cannot
  // be bound (in use, bad host); the port bound earlier when called twice.
  core::Result<int> bind();
  // Starts serving on background threads (binding first if bind() was not called); returns the
  // bound port. INVALID_REQUEST when already serving.
  core::Result<int> start();
  // Stops accepting, closes idle connections, lets requests in flight finish (each is bounded by
  // the deadlines above), and joins every thread. Idempotent.
  void stop();
  // Like stop(), but gives requests in flight at most `grace`. True when every one finished in
  // time. False when the deadline passed with a request still open: those connections are then
  // closed unanswered, and when a worker still runs a blocking call the threads are left running
  // (detached), so the only safe continuation is ending the process (std::_Exit) without
  // destroying this object.
  bool stop_within(std::chrono::milliseconds grace);

  int port() const;
  const ServerOptions& options() const;
  // Connections open now (for tests and the load test's report).
  std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace toq::http
