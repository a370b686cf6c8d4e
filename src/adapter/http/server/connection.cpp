#include "adapter/http/server/connection.hpp"

#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <variant>

#include "adapter/http/error_mapper.hpp"
#include "adapter/http/json_response.hpp"
#include "support/text.hpp"
#include "support/uri.hpp"

namespace toq::http::detail {
namespace {

using Clock = std::chrono::steady_clock;

// One piece of a request body, read from the socket and handed to a consumer.
constexpr std::size_t kPieceBytes = 64 * 1024;
// What a kept-alive connection's buffer holds while it waits for the next request (run()); a
// buffer grown past it for a request is given back after that request.
constexpr std::size_t kIdleBufferBytes = 4096;
// A body that is only drained (refused) is read in smaller pieces: a crowd of dribbling refused
// clients must not hold a body-sized buffer each.
constexpr std::size_t kDrainPieceBytes = 4 * 1024;
// Closing: how long, and how much, of what the client still sends is read and dropped.
constexpr std::chrono::seconds kLinger{2};
constexpr std::size_t kMaxLingerBytes = 4 * 1024 * 1024;

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

Response internal_error_response() {
  return error_response(map_error(core::make_error(core::ErrorCode::kInternal, "route failed")));
}

}  // namespace

Connection::Connection(ServerState& server, tcp::socket socket, ConnectionLimits::Slot slot,
                       std::string client)
    : server_(server),
      stream_(std::move(socket)),
      read_timer_(stream_.get_executor()),
      slot_(std::move(slot)),
      client_(std::move(client)) {}

awaitable<void> Connection::run() {
  const auto& o = server_.options;
  bool first = true;
  while (!server_.stopping || first) {
    // A kept-alive connection waits for the next request's first byte, then its headers.
    if (!first && buffer_.size() == 0) {
      stream_.expires_after(o.keep_alive_timeout);
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kIdleBufferBytes), kTuple);
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
        for (const auto& field : parser_->get()) {
          request_.headers.emplace_back(std::string{field.name_string()},
                                        std::string{field.value()});
        }
        const auto started = Clock::now();
        if (server_.hooks.identify) server_.hooks.identify(request_);
        response_ = server_.hooks.headers_too_large
                        ? server_.hooks.headers_too_large(request_)
                        : error_response(headers_too_large(o.max_header_bytes));
        if (server_.hooks.decorate) server_.hooks.decorate(request_, response_);
        co_await write(false);
        if (server_.hooks.done) server_.hooks.done(request_, response_, Clock::now() - started);
      } else if (malformed) {
        const auto started = Clock::now();
        request_ = Request{};
        if (server_.hooks.identify) server_.hooks.identify(request_);
        response_ = error_response(malformed_request(ec.message()));
        if (server_.hooks.decorate) server_.hooks.decorate(request_, response_);
        co_await write(false);
        if (server_.hooks.done) server_.hooks.done(request_, response_, Clock::now() - started);
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
    // An idle connection keeps no body-sized buffer; one that stayed small is kept for the next
    // request rather than freed and allocated again.
    if (buffer_.capacity() > kIdleBufferBytes) buffer_.shrink_to_fit();
    if (server_.hooks.done) server_.hooks.done(request_, response_, Clock::now() - started);
    response_ = Response{};
    busy_ = false;
    if (!written || !keep) break;
  }
  co_await close_gracefully();
}

awaitable<void> Connection::close_gracefully() {
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

void Connection::take_request() {
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

awaitable<void> Connection::exchange() {
  bool failed = false;
  try {
    std::optional<Response> early;
    if (server_.hooks.identify) server_.hooks.identify(request_);
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

awaitable<void> Connection::answer() {
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

awaitable<std::optional<std::size_t>> Connection::next_piece(std::size_t piece_bytes) {
  if (!piece_ || piece_bytes_ < piece_bytes) {
    // The parser writes a piece before anything reads it: no need to zero it for every body.
    piece_ = std::make_unique_for_overwrite<char[]>(piece_bytes);
    piece_bytes_ = piece_bytes;
    // Beast reads as much as the buffer has room for (at least 512 bytes): room for a piece.
    buffer_.reserve(piece_bytes);
  }
  co_return co_await read_into(piece_.get(), piece_bytes_);
}

awaitable<std::optional<std::size_t>> Connection::read_into(char* data, std::size_t size) {
  while (!parser_->is_done()) {
    auto& body = parser_->get().body();
    body.data = data;
    body.size = size;
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
    const std::size_t got = size - parser_->get().body().size;
    if (got > 0) co_return got;
  }
  co_return 0;
}

awaitable<bool> Connection::send_continue() {
  if (continue_sent_ || !expects_continue()) co_return true;
  continue_sent_ = true;
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  stream_.expires_after(server_.options.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kContinue), kTuple);
  co_return !ec;
}

awaitable<void> Connection::read_body() {
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
  const auto length = request_.content_length.value_or(0);
  if (!request_.chunked && length <= static_cast<std::int64_t>(kPieceBytes)) {
    // A body of known, small length (every API call): read straight into its string, without a
    // piece or a copy. Its length is within the plan's cap (checked above).
    body.resize(static_cast<std::size_t>(length));
    std::size_t got = 0;
    while (!parser_->is_done() && got < body.size()) {
      const auto n = co_await read_into(body.data() + got, body.size() - got);
      if (!n) break;
      got += *n;
    }
  } else {
    while (!parser_->is_done() && dropped <= limit) {
      const auto got = co_await next_piece(kPieceBytes);
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

awaitable<void> Connection::stream_body() {
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
    const auto got = co_await next_piece(kPieceBytes);
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

awaitable<bool> Connection::write(bool keep_alive) {
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
  // Each piece is read on the storage pool and written from here: a slow reader of a big object
  // costs its connection a piece of memory, not a worker for the whole transfer.
  auto piece = std::make_unique_for_overwrite<std::byte[]>(kPieceBytes);
  auto read = [this, &piece]() -> std::optional<std::size_t> {
    try {
      auto got = response_.stream(std::span<std::byte>{piece.get(), kPieceBytes});
      if (!got) return std::nullopt;
      return *got;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  for (std::int64_t sent = 0; sent < response_.stream_length;) {
    const auto got = co_await server_.on_pool(Pool::kStorage, read);
    if (!got || *got == 0) co_return false;  // the body cannot be finished: close mid-body
    stream_.expires_after(server_.options.write_timeout);
    auto [write_ec, written] =
        co_await asio::async_write(stream_, asio::buffer(piece.get(), *got), kTuple);
    if (write_ec) co_return false;
    sent += static_cast<std::int64_t>(written);
  }
  co_return true;
}

}  // namespace toq::http::detail
