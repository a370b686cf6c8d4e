#pragma once
// Internal to the HTTP server (http_server.cpp, server/connection.cpp): the state every
// connection shares (options, routes, hooks, the I/O context, the worker pools, the caps, the
// registry used to stop), and the helper that runs a blocking call on a pool from a coroutine.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>

#include "adapter/http/http_server.hpp"
#include "adapter/http/server/connection_limits.hpp"

namespace toq::http::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using asio::awaitable;
inline constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

class Connection;

struct ServerState {
  explicit ServerState(ServerOptions o)
      : options(std::move(o)),
        io(static_cast<int>(std::max<std::size_t>(1, options.io_threads))),
        acceptor(asio::make_strand(io)),
        api_pool(std::max<std::size_t>(1, options.api_threads)),
        storage_pool(std::max<std::size_t>(1, options.storage_threads)),
        limits(options.max_connections, options.max_connections_per_client) {}

  ServerOptions options;
  Router router;
  ServerHooks hooks;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::thread_pool api_pool;
  asio::thread_pool storage_pool;
  ConnectionLimits limits;

  std::mutex mutex;  // sessions, and the server's bound / started / port
  std::condition_variable sessions_cv;
  std::unordered_set<Connection*> sessions;
  std::atomic<bool> stopping{false};
  std::atomic<int> blocking_calls{0};  // worker-pool calls running now

  asio::thread_pool& pool(Pool which) { return which == Pool::kApi ? api_pool : storage_pool; }

  // Runs a copy of `f` on `pool` and resumes the calling coroutine on its own executor with the
  // result. `f` is a named lambda of the caller: see Connection on GCC 12 and coroutine
  // temporaries.
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
};

}  // namespace toq::http::detail
