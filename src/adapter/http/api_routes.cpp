#include "adapter/http/api_routes.hpp"

#include <array>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include <openssl/rand.h>

#include "adapter/http/error_mapper.hpp"
#include "support/hex.hpp"
#include "support/text.hpp"

namespace toq::http {
namespace {

constexpr const char* kRequestIdHeader = "X-Request-Id";
constexpr std::size_t kMaxRequestIdChars = 128;
// Refused bodies up to this size are drained (see read_body).
constexpr std::size_t kMaxDrainBytes = 8UL * 1024 * 1024;

using Clock = std::chrono::steady_clock;
// httplib handles a request (pre-routing, handler, logger) on one worker thread.
thread_local std::optional<Clock::time_point> t_request_start;

std::string new_request_id() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Not a secret: uniqueness is enough, so fall back to time and address entropy.
    const auto now = static_cast<std::uint64_t>(Clock::now().time_since_epoch().count());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<unsigned char>(now >> ((i % 8) * 8));
    }
  }
  return support::hex_lower(bytes);
}

void write_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

struct Api {
  ApiOptions options;

  std::string request_id(const httplib::Response& res) const {
    return res.get_header_value(kRequestIdHeader);
  }

  void write_error(const core::Error& error, const httplib::Response& res_in,
                   httplib::Response& res, std::string_view what) const {
    const HttpError mapped = map_error(error);
    if ((mapped.internal || mapped.status == 503) && options.hooks.internal_error) {
      options.hooks.internal_error(error, request_id(res_in), what);
    }
    if (mapped.status == 401) res.set_header("WWW-Authenticate", "Bearer");
    if (mapped.retry_after_seconds > 0) {
      res.set_header("Retry-After", std::to_string(mapped.retry_after_seconds));
    }
    write_json(res, mapped.status, mapped.body);
  }

  // Reads the body within the limit; false when refused (the 413 is written).
  bool read_body(const httplib::Request& req, httplib::Response& res,
                 const httplib::ContentReader& reader, std::string& body) const {
    const auto limit = static_cast<std::size_t>(options.max_body_bytes);
    const auto declared = req.get_header_value("Content-Length");
    if (!declared.empty() &&
        (declared.size() > 18 || declared.find_first_not_of("0123456789") != std::string::npos ||
         std::stoull(declared) > limit)) {
      // A body of moderate size is read and dropped so the client is not reset while it still
      // sends; a larger one is left unread and the connection closed.
      const bool drainable = declared.size() <= 18 &&
                             declared.find_first_not_of("0123456789") == std::string::npos &&
                             std::stoull(declared) <= kMaxDrainBytes;
      const bool drained = drainable && reader([](const char*, std::size_t) { return true; });
      const HttpError e = payload_too_large(options.max_body_bytes);
      if (!drained) res.set_header("Connection", "close");
      write_json(res, e.status, e.body);
      return false;
    }
    bool too_large = false;
    std::size_t dropped = 0;
    const bool complete = reader([&](const char* data, std::size_t n) {
      if (too_large || body.size() + n > limit) {
        // A body of unknown length (chunked) past the limit: keep reading and dropping up to
        // kMaxDrainBytes, so the client is not reset while still sending (a reset can destroy
        // the 413 before the client reads it); past that, stop and close.
        if (!too_large) body.clear();
        too_large = true;
        dropped += n;
        return dropped <= kMaxDrainBytes;
      }
      body.append(data, n);
      return true;
    });
    if (too_large) {
      const HttpError e = payload_too_large(options.max_body_bytes);
      if (!complete) res.set_header("Connection", "close");
      write_json(res, e.status, e.body);
      return false;
    }
    if (!complete) {
      res.set_header("Connection", "close");
      write_error(core::make_error(core::ErrorCode::kInvalidRequest, "request body incomplete",
                                   "The request body was not received completely."),
                  res, res, "body");
      return false;
    }
    return true;
  }

  using Handler = std::function<handlers::HandlerResult(const handlers::ApiServices&,
                                                        const handlers::ApiRequest&)>;

  void serve(const httplib::Request& req, httplib::Response& res, std::string body,
             const Handler& handler) const {
    try {
      auto caller = options.verifier->verify(req.get_header_value("Authorization"));
      if (!caller) {
        write_error(caller.error(), res, res, req.path);
        return;
      }
      handlers::ApiRequest request;
      request.body = std::move(body);
      if (req.matches.size() > 1) request.path_param = req.matches[1].str();
      request.caller = *caller;
      auto result = handler(options.services, request);
      if (!result) {
        write_error(result.error(), res, res, req.path);
        return;
      }
      if (result->status == 204) {
        res.status = 204;  // no body, no Content-Type
        res.set_header("Cache-Control", "no-store");
        return;
      }
      write_json(res, result->status, result->body);
    } catch (const std::exception& e) {
      write_error(core::make_error(core::ErrorCode::kInternal,
                                   std::string{"unexpected exception in a handler: "} + e.what()),
                  res, res, req.path);
    }
  }
};

// The route lambdas share the Api (it lives as long as the server's routes).
// The preflight outside /storage/ (the store answers its own).
bool is_preflight(const httplib::Request& req) {
  return req.method == "OPTIONS" && !req.path.starts_with("/storage/") &&
         req.has_header("Origin") && req.has_header("Access-Control-Request-Method");
}

auto with_body(std::shared_ptr<const Api> api, Api::Handler handler) {
  return [api = std::move(api), handler = std::move(handler)](
             const httplib::Request& req, httplib::Response& res,
             const httplib::ContentReader& reader) {
    std::string body;
    if (!api->read_body(req, res, reader, body)) return;
    api->serve(req, res, std::move(body), handler);
  };
}

auto without_body(std::shared_ptr<const Api> api, Api::Handler handler) {
  return [api = std::move(api), handler = std::move(handler)](const httplib::Request& req,
                                                              httplib::Response& res) {
    api->serve(req, res, {}, handler);
  };
}

}  // namespace

std::string redact_query(std::string_view query) {
  std::string out;
  out.reserve(query.size());
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto item = query.substr(0, amp);
    const auto eq = item.find('=');
    const auto name = item.substr(0, eq);
    const std::string lower = support::to_lower(name);
    if (!out.empty()) out += '&';
    if (eq != std::string_view::npos &&
        (lower == "x-amz-signature" || lower == "x-amz-credential" ||
         lower == "x-amz-security-token")) {
      out += name;
      out += "=REDACTED";
    } else {
      out += item;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

bool is_sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdChars) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

namespace {

// What runs around every request: request id and CORS preflights before routing, CORS headers
// after it, metrics and the access log once the response is written, the JSON 404.
void install_request_hooks(httplib::Server& routes, const std::shared_ptr<const Api>& api) {
  routes.set_pre_routing_handler([api](const httplib::Request& req, httplib::Response& res) {
    t_request_start = Clock::now();
    const auto given = req.get_header_value(kRequestIdHeader);
    res.set_header(kRequestIdHeader, is_sane_request_id(given) ? given : new_request_id());
    if (is_preflight(req) && api->options.cors != nullptr) {
      const auto answer = api->options.cors->preflight(
          req.get_header_value("Origin"), req.get_header_value("Access-Control-Request-Method"),
          req.get_header_value("Access-Control-Request-Headers"));
      for (const auto& [name, value] : answer.headers) res.set_header(name, value);
      if (answer.status == 204) {
        res.status = 204;
      } else {
        write_json(res, answer.status,
                   {{"code", "FORBIDDEN"},
                    {"message", "This origin or method is not allowed (cors.allowedOrigins)."}});
      }
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Runs for every response just before it is written, error responses included.
  routes.set_post_routing_handler([api](const httplib::Request& req, httplib::Response& res) {
    if (api->options.cors == nullptr || is_preflight(req)) return;
    for (const auto& [name, value] :
         api->options.cors->response_headers(req.get_header_value("Origin"))) {
      res.set_header(name, value);
    }
  });
  routes.set_logger([api](const httplib::Request& req, const httplib::Response& res) {
    const auto start = t_request_start;
    t_request_start.reset();
    if (api->options.metrics != nullptr) {
      const double seconds =
          start ? std::chrono::duration<double>(Clock::now() - *start).count() : 0.0;
      api->options.metrics->http_request(req.method.empty() ? "UNKNOWN" : req.method,
                                         api->options.route_templates.match(req.path), res.status,
                                         seconds);
      // A batch is created exactly when the create route answers 201.
      if (res.status == 201 && req.method == "POST" &&
          req.path == "/api/v2/listings/media/uploads") {
        api->options.metrics->media_batch_created();
      }
    }
    if (!api->options.hooks.access_log) return;
    AccessLogEntry entry;
    entry.method = req.method;
    entry.path = req.path;
    if (const auto q = req.target.find('?'); q != std::string::npos) {
      entry.query = redact_query(std::string_view{req.target}.substr(q + 1));
    }
    entry.status = res.status;
    if (start) {
      entry.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - *start).count();
    }
    entry.request_id = res.get_header_value(kRequestIdHeader);
    api->options.hooks.access_log(entry);
  });
  routes.set_error_handler(
      httplib::Server::HandlerWithResponse{[](const httplib::Request& req, httplib::Response& res) {
        if (res.status == 404 && res.body.empty() && !req.path.starts_with("/storage/")) {
          const HttpError e = route_not_found();
          write_json(res, e.status, e.body);
          return httplib::Server::HandlerResponse::Handled;
        }
        // An empty 400 is cpp-httplib's own: the header section could not be read (a header
        // line over its 8 KiB limit, typically an oversized bearer token). Every API route needs
        // a token, so without a readable Authorization header the request is unauthenticated.
        if (res.status == 400 && res.body.empty() && !req.path.starts_with("/storage/")) {
          HttpError e = malformed_request("a header line is longer than 8192 bytes");
          if (req.path.starts_with("/api/") && !req.has_header("Authorization")) {
            e = map_error(core::make_error(core::ErrorCode::kUnauthenticated,
                                           "the Authorization header could not be read",
                                           std::string{auth::kPublicMessage}));
            res.set_header("WWW-Authenticate", "Bearer");
          }
          write_json(res, e.status, e.body);
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      }});
}

}  // namespace

void mount_api_routes(HttpServer& server, ApiOptions options) {
  // Lives as long as the route lambdas, i.e. the server.
  auto api = std::make_shared<const Api>(Api{std::move(options)});
  auto& routes = server.routes();
  install_request_hooks(routes, api);

  const std::string listing = R"(/api/v2/internal/listings/([^/]+))";
  routes.Put(listing, with_body(api, handlers::handle_put_listing));
  routes.Get(listing, without_body(api, handlers::handle_get_listing));
  routes.Post("/api/v2/listings/media/uploads",
              with_body(api, handlers::handle_create_upload_batch));
  routes.Post("/api/v2/listings/media/uploads/complete",
              with_body(api, handlers::handle_complete_upload_batch));
  routes.Post("/api/v2/listings/media/uploads/urls",
              with_body(api, handlers::handle_refresh_upload_urls));
  routes.Post("/api/v2/listings/media/uploads/retry", with_body(api, handlers::handle_retry_batch));
  routes.Post("/api/v2/listings/media/uploads/cancel",
              with_body(api, handlers::handle_cancel_upload_batch));
  routes.Post("/api/v2/listings/media/status", with_body(api, handlers::handle_get_batch_status));
  routes.Post("/api/v2/listings/media/downloads",
              with_body(api, handlers::handle_list_download_urls));

  routes.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    const auto r = handlers::handle_healthz();
    write_json(res, r.status, r.body);
  });
  routes.Get("/readyz", [api](const httplib::Request&, httplib::Response& res) {
    const std::string id = res.get_header_value(kRequestIdHeader);
    const auto r = handlers::handle_readyz(api->options.services, [&](std::string_view what,
                                                                      const core::Error& error) {
      if (api->options.hooks.internal_error) {
        api->options.hooks.internal_error(error, id, std::string{"readyz "} + std::string{what});
      }
    });
    write_json(res, r.status, r.body);
  });
}

}  // namespace toq::http
