#include "adapter/http/http_server.hpp"

#include <exception>
#include <future>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "adapter/http/error_mapper.hpp"
#include "adapter/http/json_response.hpp"
#include "adapter/http/server/connection.hpp"
#include "adapter/http/server/server_state.hpp"

namespace toq::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using detail::kTuple;
using Clock = std::chrono::steady_clock;

std::string peer_address(const tcp::socket& socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return {};
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

}  // namespace

struct HttpServer::Impl : detail::ServerState {
  using ServerState::ServerState;

  std::vector<std::thread> io_threads;
  int port = 0;
  bool bound = false;
  bool started = false;

  awaitable<void> accept_loop();
  awaitable<void> refuse(tcp::socket socket, ConnectionLimits::Refusal refusal);
  core::Result<int> bind_locked();
  bool shutdown(std::chrono::milliseconds grace);
};

awaitable<void> HttpServer::Impl::refuse(tcp::socket socket, ConnectionLimits::Refusal refusal) {
  beast::tcp_stream stream{std::move(socket)};
  Response busy = error_response(
      server_busy(refusal == ConnectionLimits::Refusal::kTotal ? "in total" : "from one address"));
  // No request was read: a new request id and trace, so the answer can still be quoted.
  Request none;
  if (hooks.identify) hooks.identify(none);
  if (hooks.decorate) hooks.decorate(none, busy);
  bhttp::response<bhttp::string_body> out;
  out.version(11);
  out.result(static_cast<unsigned>(busy.status));
  for (const auto& [name, value] : busy.headers) out.insert(name, value);
  out.set(bhttp::field::connection, "close");
  out.body() = busy.body;
  out.prepare_payload();
  stream.expires_after(options.write_timeout);
  const auto began = Clock::now();
  co_await bhttp::async_write(stream, out, kTuple);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  // Logged like any answer, under the id the client was given.
  if (hooks.done) hooks.done(none, busy, Clock::now() - began);
}

awaitable<void> HttpServer::Impl::accept_loop() {
  while (!stopping) {
    auto [ec, accepted] = co_await acceptor.async_accept(asio::make_strand(io), kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      // Out of descriptors or a connection reset before accept: keep serving the others.
      asio::steady_timer pause{io, std::chrono::milliseconds{50}};
      co_await pause.async_wait(kTuple);
      continue;
    }
    tcp::socket socket{std::move(accepted)};  // keeps its strand as the executor
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay{true}, ignored);
    std::string client = peer_address(socket);
    ConnectionLimits::Refusal refusal{};
    auto slot = limits.acquire(client, refusal);
    const auto executor = socket.get_executor();
    if (!slot) {
      asio::co_spawn(executor, refuse(std::move(socket), refusal), asio::detached);
      continue;
    }
    auto session = std::make_shared<detail::Connection>(*this, std::move(socket), std::move(slot),
                                                        std::move(client));
    {
      std::lock_guard lock{mutex};
      sessions.insert(session.get());
    }
    asio::co_spawn(executor, session->run(), [this, session](std::exception_ptr) {
      std::lock_guard lock{mutex};
      sessions.erase(session.get());
      sessions_cv.notify_all();
    });
  }
}

core::Result<int> HttpServer::Impl::bind_locked() {
  if (bound) return port;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (!ec) {
    const tcp::endpoint endpoint{address, static_cast<unsigned short>(options.port)};
    acceptor.open(endpoint.protocol(), ec);
    // SO_REUSEADDR alone allows a quick restart; never SO_REUSEPORT, which would let a second
    // server bind the same port and silently take half the connections.
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    // Accepted sockets inherit it; set again on each for clarity (a response is one write, and
    // Nagle would hold its last segment until the client's delayed ACK: ~40 ms per request).
    if (!ec) acceptor.set_option(tcp::no_delay(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    if (acceptor.is_open()) acceptor.close();
    return core::fail(
        core::ErrorCode::kInternal,
        fmt::format("cannot listen on {}:{}: {}", options.host, options.port, ec.message()),
        "The server cannot listen on the configured address.");
  }
  port = acceptor.local_endpoint().port();
  bound = true;
  return port;
}

bool HttpServer::Impl::shutdown(std::chrono::milliseconds grace) {
  stopping = true;
  // Closed on its strand, and waited for: no connection is accepted once this returns.
  std::promise<void> closed;
  asio::post(acceptor.get_executor(), [this, &closed] {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();
  const auto deadline = Clock::now() + grace;
  std::unique_lock lock{mutex};
  for (auto* session : sessions) session->close_if_idle();
  const bool in_time = sessions_cv.wait_until(lock, deadline, [this] { return sessions.empty(); });
  if (!in_time) {
    for (auto* session : sessions) session->close_now();
    // A connection waiting for a worker ends when the worker's call returns.
    sessions_cv.wait_for(lock, std::chrono::seconds{2}, [this] { return sessions.empty(); });
  }
  const bool ended = sessions.empty();
  lock.unlock();
  if (!ended || blocking_calls > 0) return false;
  io.stop();
  for (auto& thread : io_threads) thread.join();
  io_threads.clear();
  api_pool.join();
  storage_pool.join();
  return in_time;
}

HttpServer::HttpServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() {
  stop();
}

Router& HttpServer::routes() {
  return impl_->router;
}
ServerHooks& HttpServer::hooks() {
  return impl_->hooks;
}
int HttpServer::port() const {
  return impl_->port;
}
const ServerOptions& HttpServer::options() const {
  return impl_->options;
}
std::size_t HttpServer::open_connections() const {
  return impl_->limits.open();
}

core::Result<int> HttpServer::bind() {
  std::lock_guard lock{impl_->mutex};
  return impl_->bind_locked();
}

core::Result<int> HttpServer::start() {
  auto& s = *impl_;
  std::lock_guard lock{s.mutex};
  if (s.started) {
    return core::fail(core::ErrorCode::kInvalidRequest, "the server is already started");
  }
  if (auto bound = s.bind_locked(); !bound) return bound;
  s.started = true;
  asio::co_spawn(s.acceptor.get_executor(), s.accept_loop(), asio::detached);
  for (std::size_t i = 0; i < std::max<std::size_t>(1, s.options.io_threads); ++i) {
    s.io_threads.emplace_back([&s] { s.io.run(); });
  }
  return s.port;
}

bool HttpServer::stop_within(std::chrono::milliseconds grace) {
  if (!impl_) return false;
  {
    std::lock_guard lock{impl_->mutex};
    if (!impl_->started) {
      if (impl_->bound) impl_->acceptor.close();
      impl_->bound = false;
      return true;
    }
  }
  if (impl_->stopping) return true;
  const bool clean = impl_->shutdown(grace);
  if (!impl_->io_threads.empty()) {
    // A worker still runs a blocking call that uses the connections: leave everything running.
    for (auto& thread : impl_->io_threads) thread.detach();
    impl_.release();  // NOLINT(bugprone-unused-return-value): intentionally leaked, see above
    return false;
  }
  std::lock_guard lock{impl_->mutex};
  impl_->started = false;
  impl_->bound = false;
  return clean;
}

void HttpServer::stop() {
  if (!impl_) return;
  stop_within(impl_->options.read_timeout + impl_->options.write_timeout);
}

}  // namespace toq::http