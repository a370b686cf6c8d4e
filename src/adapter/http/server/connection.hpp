#pragma once
// Internal to the HTTP server: one client connection, served by coroutines on its own strand
// (the contract is http_server.hpp's: deadlines, plans, drains, the lingering close).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "adapter/http/server/server_state.hpp"
#include "support/text.hpp"

namespace toq::http::detail {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Parser = bhttp::request_parser<bhttp::buffer_body>;

// One connection. Its coroutines keep their state in members and take no arguments of class
// type: GCC 12 destroys some temporaries and parameters of coroutines twice.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerState& server, tcp::socket socket, ConnectionLimits::Slot slot,
             std::string client);

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
  awaitable<std::optional<std::size_t>> next_piece(std::size_t piece_bytes);
  // The same into [data, data + size): the body's next bytes, at most `size`.
  awaitable<std::optional<std::size_t>> read_into(char* data, std::size_t size);
  awaitable<bool> send_continue();
  awaitable<bool> write(bool keep_alive);
  bool expects_continue() const {
    return support::iequals(request_.header("Expect"), "100-continue");
  }

  ServerState& server_;
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

}  // namespace toq::http::detail
