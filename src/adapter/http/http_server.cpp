#include "adapter/http/http_server.hpp"

#include <fmt/format.h>
#include <sys/socket.h>

namespace toq::http {

HttpServer::HttpServer(ServerOptions options) : options_(std::move(options)) {
  const std::size_t threads = options_.threads == 0 ? 1 : options_.threads;
  server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_.set_read_timeout(options_.read_timeout);
  server_.set_write_timeout(options_.write_timeout);
  server_.set_keep_alive_timeout(static_cast<time_t>(options_.keep_alive_timeout.count()));
  // Without it a kept-alive connection waits ~40 ms per response: Nagle holds the response's
  // last segment until the client's delayed ACK of the previous one. Accepted sockets inherit
  // the option from the listening socket.
  server_.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which lets a second server bind the same port and
  // silently take half the connections. SO_REUSEADDR alone allows a quick restart.
  server_.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server_.set_expect_100_continue_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        for (const auto& [prefix, hook] : expect_hooks_) {
          if (req.path.starts_with(prefix)) return hook(req, res);
        }
        return 100;
      });
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::on_expect_continue(std::string path_prefix, ExpectHook hook) {
  expect_hooks_.emplace_back(std::move(path_prefix), std::move(hook));
}

core::Result<int> HttpServer::bind() {
  std::lock_guard lock{mutex_};
  return bind_locked();
}

core::Result<int> HttpServer::bind_locked() {
  if (bound_) return port_;
  int port = options_.port;
  if (port == 0) {
    port = server_.bind_to_any_port(options_.host);
  } else if (!server_.bind_to_port(options_.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return core::fail(core::ErrorCode::kInternal,
                      fmt::format("cannot listen on {}:{}", options_.host, options_.port),
                      "The server cannot listen on the configured address.");
  }
  port_ = port;
  bound_ = true;
  return port_;
}

core::Result<int> HttpServer::start() {
  std::lock_guard lock{mutex_};
  if (started_) {
    return core::fail(core::ErrorCode::kInvalidRequest, "the server is already started");
  }
  if (auto bound = bind_locked(); !bound) return bound;
  started_ = true;
  serving_done_ = false;
  thread_ = std::thread([this] {
    server_.listen_after_bind();
    std::lock_guard done{done_mutex_};
    serving_done_ = true;
    done_cv_.notify_all();
  });
  // httplib's stop() is a no-op until the accept loop runs, so wait for it: a stop() right after
  // start() must not leave the thread blocked in accept().
  while (!server_.is_running() && !serving_done_) {
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  return port_;
}

bool HttpServer::stop_within(std::chrono::milliseconds grace) {
  std::lock_guard lock{mutex_};
  if (!started_ || abandoned_) return !abandoned_;
  // httplib's stop() closes the listening socket at once; the serving thread then waits for the
  // worker threads, i.e. for the requests in flight, and ends.
  server_.stop();
  std::unique_lock done{done_mutex_};
  if (!done_cv_.wait_for(done, grace, [this] { return serving_done_.load(); })) {
    thread_.detach();
    abandoned_ = true;
    return false;
  }
  done.unlock();
  if (thread_.joinable()) thread_.join();
  started_ = false;
  bound_ = false;
  return true;
}

void HttpServer::stop() {
  std::lock_guard lock{mutex_};
  if (!started_ || abandoned_) return;
  server_.stop();
  if (thread_.joinable()) thread_.join();
  started_ = false;
  bound_ = false;  // the listening socket is closed
}

}  // namespace toq::http
