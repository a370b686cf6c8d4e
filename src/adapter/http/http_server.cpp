#include "adapter/http/http_server.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "adapter/http/error_mapper.hpp"
#include "adapter/http/json_response.hpp"
#include "adapter/http/server/connection_limits.hpp"
#include "support/text.hpp"
#include "support/uri.hpp"

namespace toq::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

// One piece of a request body, read from the socket and handed to a consumer.
constexpr std::size_t kPieceBytes = 64 * 1024;
// A body that is only drained (refused) is read in smaller pieces: a crowd of dribbling refused
// clients must not hold a body-sized buffer each.
constexpr std::size_t kDrainPieceBytes = 4 * 1024;
// Closing: how long, and how much, of what the client still sends is read and dropped.
constexpr std::chrono::seconds kLinger{2};
constexpr std::size_t kMaxLingerBytes = 4 * 1024 * 1024;

using Parser = bhttp::request_parser<bhttp::buffer_body>;

bool is_head(const Request& request) {
  return request.method == "HEAD";
}

// The status line and headers of `response` as Beast writes them (body framing decided here).
bhttp::response<bhttp::empty_body> head_of(const Request& request, const Response& response,
                                           bool keep_alive, bool has_stream) {
  bhttp::response<bhttp::empty_body> out;
  out.version(11);
  out.result(static_cast<unsigned>(response.status));
  bool has_length = false;
  for (const auto& [name, value] : response.headers) {
    if (support::iequals(name, "Connection")) continue;
    if (support::iequals(name, "Content-Length")) has_length = true;
    out.insert(name, value);
  }
  const bool bodiless = response.status == 204 || response.status == 304 || response.status < 200;
  if (!has_length && !bodiless) {
    const auto length = has_stream ? static_cast<std::uint64_t>(response.stream_length)
                                   : static_cast<std::uint64_t>(response.body.size());
    if (!is_head(request) || length > 0)
      out.set(bhttp::field::content_length, std::to_string(length));
  }
  out.set(bhttp::field::connection, keep_alive ? "keep-alive" : "close");
  return out;
}

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

Response internal_error_response() {
  return error_response(map_error(core::make_error(core::ErrorCode::kInternal, "route failed")));
}

}  // namespace

struct HttpServer::Impl {
  explicit Impl(ServerOptions o)
      : options(std::move(o)),
        io(static_cast<int>(std::max<std::size_t>(1, options.io_threads))),
        acceptor(asio::make_strand(io)),
        api_pool(std::max<std::size_t>(1, options.api_threads)),
        storage_pool(std::max<std::size_t>(1, options.storage_threads)),
        limits(options.max_connections, options.max_connections_per_client) {}

  class Session;

  ServerOptions options;
  Router router;
  ServerHooks hooks;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::thread_pool api_pool;
  asio::thread_pool storage_pool;
  ConnectionLimits limits;
  std::vector<std::thread> io_threads;

  std::mutex mutex;  // bound, started, port, sessions
  std::condition_variable sessions_cv;
  std::unordered_set<Session*> sessions;
  std::atomic<bool> stopping{false};
  std::atomic<int> blocking_calls{0};  // worker-pool calls running now
  int port = 0;
  bool bound = false;
  bool started = false;

  asio::thread_pool& pool(Pool which) { return which == Pool::kApi ? api_pool : storage_pool; }

  // Runs a copy of `f` on `pool` and resumes the calling coroutine on its own executor with the
  // result. `f` is a named lambda of the caller: see Session on GCC 12 and coroutine temporaries.
  template <class F>
  awaitable<std::invoke_result_t<F&>> on_pool(Pool which, const F& f) {
    using R = std::invoke_result_t<F&>;
    return asio::async_initiate<const asio::use_awaitable_t<>, void(R)>(
        [this, which, &f](auto handler) {
          asio::post(pool(which), [this, handler = std::move(handler), fn = f]() mutable {
            ++blocking_calls;
            R result = fn();
            --blocking_calls;
            const auto executor = asio::get_associated_executor(handler);
            asio::dispatch(executor,
                           [handler = std::move(handler), result = std::move(result)]() mutable {
                             std::move(handler)(std::move(result));
                           });
          });
        },
        asio::use_awaitable);
  }

  awaitable<void> accept_loop();
  awaitable<void> refuse(tcp::socket socket, ConnectionLimits::Refusal refusal);
  core::Result<int> bind_locked();
  bool shutdown(std::chrono::milliseconds grace);
};

namespace {

// Writes `data` on the connection from a worker thread, blocking that thread until it is sent.
class SocketSink final : public core::ByteSink {
 public:
  SocketSink(beast::tcp_stream& stream, std::chrono::seconds timeout)
      : stream_(stream), timeout_(timeout) {}
  core::Status write(std::span<const std::byte> data) override {
    if (data.empty()) return {};
    std::promise<boost::system::error_code> sent;
    auto result = sent.get_future();
    asio::post(stream_.get_executor(), [&] {
      stream_.expires_after(timeout_);
      asio::async_write(stream_, asio::buffer(data.data(), data.size()),
                        [&sent](boost::system::error_code ec, std::size_t) { sent.set_value(ec); });
    });
    if (const auto ec = result.get()) {
      return core::fail(core::ErrorCode::kStorageError, "the client went away: " + ec.message());
    }
    return {};
  }

 private:
  beast::tcp_stream& stream_;
  std::chrono::seconds timeout_;
};

}  // namespace

// One connection. Its coroutines keep their state in members and take no arguments of class
// type: GCC 12 destroys some temporaries and parameters of coroutines twice.
class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl& server, tcp::socket socket, ConnectionLimits::Slot slot, std::string client)
      : server_(server),
        stream_(std::move(socket)),
        read_timer_(stream_.get_executor()),
        slot_(std::move(slot)),
        client_(std::move(client)) {}

  // Called with the server's mutex held while the session is registered (so it is alive).
  void close_if_idle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      if (!self->busy_) self->stream_.socket().close(ignored);
    });
  }
  void close_now() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->stream_.socket().close(ignored);
    });
  }

  awaitable<void> run();

 private:
  awaitable<void> close_gracefully();
  void take_request();
  // Each sets response_.
  awaitable<void> exchange();
  awaitable<void> answer();  // response_ as it is; the body is drained or the connection closed
  awaitable<void> read_body();
  awaitable<void> stream_body();
  // Reads the next piece of the body into piece_: its size (0 only at the end of the body), or
  // nullopt when the client closed or stalled past the read deadline.
  awaitable<std::optional<std::size_t>> next_piece(std::size_t piece_bytes = kPieceBytes);
  awaitable<bool> send_continue();
  awaitable<bool> write(bool keep_alive);
  bool expects_continue() const {
    return support::iequals(request_.header("Expect"), "100-continue");
  }

  Impl& server_;
  beast::tcp_stream stream_;
  asio::steady_timer read_timer_;
  std::uint64_t reads_ = 0;
  ConnectionLimits::Slot slot_;
  std::string client_;
  beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  Request request_;
  Response response_;
  std::optional<Plan> plan_;
  std::unique_ptr<BodyConsumer> consumer_;
  std::unique_ptr<char[]> piece_;  // allocated for a body only, freed after the exchange
  std::size_t piece_bytes_ = 0;
  bool busy_ = false;
  bool continue_sent_ = false;
};

awaitable<void> HttpServer::Impl::Session::run() {
  const auto& o = server_.options;
  bool first = true;
  while (!server_.stopping || first) {
    // A kept-alive connection waits for the next request's first byte, then its headers.
    if (!first && buffer_.size() == 0) {
      stream_.expires_after(o.keep_alive_timeout);
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(4096), kTuple);
      if (ec) break;
      buffer_.commit(n);
    }
    first = false;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(o.max_header_bytes));
    parser_->body_limit(boost::none);  // the plans' caps apply
    stream_.expires_after(o.header_timeout);
    auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, *parser_, kTuple);
    if (ec) {
      const bool malformed =
          ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category() &&
          ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
      if (ec == bhttp::error::header_limit) {
        // The parser has taken the request line (and the fields before the limit) already.
        request_ = Request{};
        request_.method = std::string{parser_->get().method_string()};
        request_.target = std::string{parser_->get().target()};
        const std::string_view target = request_.target;
        request_.path = support::uri_decode(target.substr(0, target.find('?')));
        response_ = server_.hooks.headers_too_large
                        ? server_.hooks.headers_too_large(request_)
                        : error_response(headers_too_large(o.max_header_bytes));
        co_await write(false);
      } else if (malformed) {
        request_ = Request{};
        response_ = error_response(malformed_request(ec.message()));
        co_await write(false);
      }
      break;
    }
    busy_ = true;
    continue_sent_ = false;
    const auto started = Clock::now();
    take_request();
    const bool client_keeps = parser_->get().keep_alive();
    co_await exchange();
    plan_.reset();
    consumer_.reset();
    if (server_.hooks.decorate) server_.hooks.decorate(request_, response_);
    const bool keep = client_keeps && !response_.close && !server_.stopping;
    const bool written = co_await write(keep);
    piece_.reset();
    buffer_.shrink_to_fit();  // an idle connection keeps no body-sized buffer
    if (server_.hooks.done) server_.hooks.done(request_, response_, Clock::now() - started);
    response_ = Response{};
    busy_ = false;
    if (!written || !keep) break;
  }
  co_await close_gracefully();
}

awaitable<void> HttpServer::Impl::Session::close_gracefully() {
  // After our FIN, read and drop what the client still sends for a moment: closing with unread
  // input makes the kernel send a reset, which can destroy the answer before the client reads it.
  boost::system::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (stream_.socket().is_open()) {
    stream_.expires_after(kLinger);
    std::size_t dropped = buffer_.size();
    buffer_.consume(buffer_.size());
    while (dropped < kMaxLingerBytes) {
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kPieceBytes), kTuple);
      if (ec) break;
      dropped += n;
    }
  }
  stream_.socket().close(ignored);
}

void HttpServer::Impl::Session::take_request() {
  const auto& header = parser_->get();
  request_ = Request{};
  request_.method = std::string{header.method_string()};
  request_.target = std::string{header.target()};
  const std::string_view target = request_.target;
  const auto q = target.find('?');
  request_.path = support::uri_decode(target.substr(0, q));
  if (q != std::string_view::npos) request_.query = std::string{target.substr(q + 1)};
  for (const auto& field : header) {
    request_.headers.emplace_back(std::string{field.name_string()}, std::string{field.value()});
  }
  request_.client_address = client_;
  request_.chunked = parser_->chunked();
  if (const auto length = parser_->content_length()) {
    request_.content_length = static_cast<std::int64_t>(*length);
  }
}

awaitable<void> HttpServer::Impl::Session::exchange() {
  bool failed = false;
  try {
    std::optional<Response> early;
    if (server_.hooks.before) early = server_.hooks.before(request_);
    const Route* route = nullptr;
    if (!early) route = server_.router.match(request_.method, request_.path, request_.params);
    if (early) {
      response_ = std::move(*early);
    } else if (route == nullptr) {
      response_ = Response{};
      response_.status = 404;
      if (server_.hooks.not_found) response_ = server_.hooks.not_found(request_);
    } else {
      plan_.emplace((*route)(request_));
    }
  } catch (const std::exception&) {
    failed = true;
  }
  if (failed) {
    response_ = internal_error_response();
    response_.close = true;
    co_return;
  }
  if (!plan_ || plan_->index() == 0) {
    if (plan_) response_ = std::move(std::get<Answer>(*plan_));
    co_await answer();
    co_return;
  }
  if (plan_->index() == 1) {
    auto& run = std::get<Run>(*plan_);
    auto job = [this, &run] {
      try {
        return run.handle(request_);
      } catch (const std::exception&) {
        return internal_error_response();
      }
    };
    response_ = co_await server_.on_pool(run.pool, job);
    co_await answer();
    co_return;
  }
  if (plan_->index() == 2) {
    co_await read_body();
    co_return;
  }
  co_await stream_body();
}

awaitable<void> HttpServer::Impl::Session::answer() {
  if (parser_->is_done() || response_.close) co_return;
  const auto limit = server_.options.max_drain_bytes;
  const bool small = !request_.chunked && request_.content_length.value_or(0) <= limit;
  if ((expects_continue() && !continue_sent_) || !small) {
    response_.close = true;
    co_return;
  }
  std::int64_t dropped = 0;
  while (!parser_->is_done() && dropped <= limit) {
    const auto got = co_await next_piece(kDrainPieceBytes);
    if (!got) break;
    dropped += static_cast<std::int64_t>(*got);
  }
  if (!parser_->is_done()) response_.close = true;
}

awaitable<std::optional<std::size_t>> HttpServer::Impl::Session::next_piece(
    std::size_t piece_bytes) {
  if (!piece_ || piece_bytes_ < piece_bytes) {
    piece_ = std::make_unique<char[]>(piece_bytes);
    piece_bytes_ = piece_bytes;
    // Beast reads as much as the buffer has room for (at least 512 bytes): room for a piece.
    buffer_.reserve(piece_bytes);
  }
  while (!parser_->is_done()) {
    auto& body = parser_->get().body();
    body.data = piece_.get();
    body.size = piece_bytes_;
    // The body deadline cancels the read but keeps the socket open (a tcp_stream deadline would
    // close it), so the client still gets the answer to an incomplete body.
    stream_.expires_never();
    read_timer_.expires_after(server_.options.read_timeout);
    const auto generation = ++reads_;  // a deadline that fires late must not cancel a later read
    read_timer_.async_wait([this, generation](boost::system::error_code ec) {
      boost::system::error_code ignored;
      if (!ec && generation == reads_) stream_.socket().cancel(ignored);
    });
    auto [ec, n] = co_await bhttp::async_read_some(stream_, buffer_, *parser_, kTuple);
    ++reads_;
    read_timer_.cancel();
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) co_return std::nullopt;
    const std::size_t got = piece_bytes_ - parser_->get().body().size;
    if (got > 0) co_return got;
  }
  co_return 0;
}

awaitable<bool> HttpServer::Impl::Session::send_continue() {
  if (continue_sent_ || !expects_continue()) co_return true;
  continue_sent_ = true;
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  stream_.expires_after(server_.options.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kContinue), kTuple);
  co_return !ec;
}

awaitable<void> HttpServer::Impl::Session::read_body() {
  const auto& plan = std::get<ReadBody>(*plan_);
  if (request_.content_length.value_or(0) > plan.max_bytes) {
    response_ = plan.too_large();
    co_await answer();
    co_return;
  }
  if (!co_await send_continue()) {
    response_ = plan.incomplete();
    response_.close = true;
    co_return;
  }
  std::string body;
  bool over = false;
  std::int64_t dropped = 0;
  const auto limit = server_.options.max_drain_bytes;
  while (!parser_->is_done() && dropped <= limit) {
    const auto got = co_await next_piece();
    if (!got) break;
    if (!over && static_cast<std::int64_t>(body.size() + *got) <= plan.max_bytes) {
      body.append(piece_.get(), *got);
      continue;
    }
    // Past the cap (a chunked body): dropped, up to the drain limit, so the client reads the 413.
    if (!over) std::string{}.swap(body);
    over = true;
    dropped += static_cast<std::int64_t>(*got);
  }
  const bool complete = parser_->is_done();
  if (over || !complete) {
    response_ = over ? plan.too_large() : plan.incomplete();
    if (!complete) response_.close = true;
    co_return;
  }
  auto job = [this, &plan, &body] {
    try {
      return plan.handle(request_, std::move(body));
    } catch (const std::exception&) {
      return internal_error_response();
    }
  };
  response_ = co_await server_.on_pool(plan.pool, job);
}

awaitable<void> HttpServer::Impl::Session::stream_body() {
  const auto& plan = std::get<StreamBody>(*plan_);
  bool refused = false;
  auto open = [this, &plan, &refused] {
    try {
      auto opened = plan.open(request_);
      if (auto* answer = std::get_if<Response>(&opened)) {
        response_ = std::move(*answer);
        refused = true;
      } else {
        consumer_ = std::move(std::get<std::unique_ptr<BodyConsumer>>(opened));
      }
    } catch (const std::exception&) {
      response_ = internal_error_response();
      refused = true;
    }
    return true;
  };
  co_await server_.on_pool(plan.pool, open);
  if (refused) {
    co_await answer();
    co_return;
  }
  bool reading = co_await send_continue();
  std::size_t got_bytes = 0;
  auto write_piece = [this, &got_bytes] {
    try {
      return consumer_->write(std::as_bytes(std::span<const char>{piece_.get(), got_bytes}));
    } catch (const std::exception&) {
      return false;
    }
  };
  while (reading && !parser_->is_done()) {
    const auto got = co_await next_piece();
    if (!got) break;
    if (*got == 0) continue;
    got_bytes = *got;
    reading = co_await server_.on_pool(plan.pool, write_piece);
  }
  const bool complete = parser_->is_done();
  auto finish = [this, complete] {
    try {
      response_ = consumer_->finish(complete);
    } catch (const std::exception&) {
      response_ = internal_error_response();
    }
    return true;
  };
  co_await server_.on_pool(plan.pool, finish);
  if (!complete) response_.close = true;
}

awaitable<bool> HttpServer::Impl::Session::write(bool keep_alive) {
  const bool has_stream = static_cast<bool>(response_.stream);
  auto head = head_of(request_, response_, keep_alive, has_stream);
  stream_.expires_after(server_.options.write_timeout);
  if (!has_stream) {
    bhttp::response<bhttp::string_body> full{std::move(head.base())};
    if (!is_head(request_)) full.body() = std::move(response_.body);
    auto [ec, n] = co_await bhttp::async_write(stream_, full, kTuple);
    co_return !ec;
  }
  bhttp::response_serializer<bhttp::empty_body> serializer{head};
  auto [ec, n] = co_await bhttp::async_write_header(stream_, serializer, kTuple);
  if (ec) co_return false;
  if (is_head(request_)) co_return true;
  const auto timeout = server_.options.write_timeout;
  auto send = [this, timeout] {
    SocketSink sink{stream_, timeout};
    try {
      return response_.stream(sink).has_value();
    } catch (const std::exception&) {
      return false;
    }
  };
  co_return co_await server_.on_pool(Pool::kStorage, send);
}

awaitable<void> HttpServer::Impl::refuse(tcp::socket socket, ConnectionLimits::Refusal refusal) {
  beast::tcp_stream stream{std::move(socket)};
  const Response busy = error_response(
      server_busy(refusal == ConnectionLimits::Refusal::kTotal ? "in total" : "from one address"));
  bhttp::response<bhttp::string_body> out;
  out.version(11);
  out.result(static_cast<unsigned>(busy.status));
  for (const auto& [name, value] : busy.headers) out.insert(name, value);
  out.set(bhttp::field::connection, "close");
  out.body() = busy.body;
  out.prepare_payload();
  stream.expires_after(options.write_timeout);
  co_await bhttp::async_write(stream, out, kTuple);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
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
    auto session =
        std::make_shared<Session>(*this, std::move(socket), std::move(slot), std::move(client));
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
  asio::post(acceptor.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor.close(ignored);
  });
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
