#include "adapter/http/api_routes.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <tuple>
#include <utility>

#include <openssl/rand.h>

#include "adapter/http/error_mapper.hpp"
#include "adapter/http/json_response.hpp"
#include "support/hex.hpp"
#include "support/json/log_ids.hpp"
#include "support/text.hpp"
#include "support/trace_context.hpp"
#include "support/uri.hpp"

namespace toq::http {
namespace {

constexpr const char* kRequestIdHeader = "X-Request-Id";
constexpr const char* kTraceparentHeader = "traceparent";
constexpr std::size_t kMaxRequestIdChars = 128;
std::string new_request_id() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Not a secret: uniqueness is enough, so fall back to time and address entropy.
    const auto now =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<unsigned char>(now >> ((i % 8) * 8));
    }
  }
  return support::hex_lower(bytes);
}

struct Api {
  ApiOptions options;

  Response error(const core::Error& error, const Request& req, std::string_view what) const {
    const HttpError mapped = map_error(error);
    if ((mapped.internal || mapped.status == 503) && options.hooks.internal_error) {
      options.hooks.internal_error(error, req, what);
    }
    return error_response(mapped);
  }

  using Handler = std::function<handlers::HandlerResult(const handlers::ApiServices&,
                                                        const handlers::ApiRequest&)>;

  // Runs on the API pool, after the token was verified (the callback's `caller` is empty: its
  // handler checks the pipeline's signature instead).
  Response serve(const Request& req, std::string body, const core::Principal& caller,
                 const Handler& handler, std::string query_token = {}) const {
    try {
      handlers::ApiRequest request;
      request.body = std::move(body);
      if (!req.params.empty()) request.path_param = req.params.front();
      request.path_params = req.params;
      request.query_access_token = std::move(query_token);
      request.caller = caller;
      request.traceparent = req.traceparent;
      for (const auto& [name, value] : req.headers) {
        if (support::istarts_with(name, "webhook-")) {
          request.headers[support::to_lower(name)] = value;
        }
      }
      auto result = handler(options.services, request);
      // The ids the body names, then the answer's, for the access log (the body parsed again
      // only when the handler did not parse it).
      auto ids = request.body_log_ids
                     ? std::move(*request.body_log_ids)
                     : support::log_ids(nlohmann::json::parse(request.body, nullptr, false));
      if (!result) {
        auto out = error(result.error(), req, req.path);
        out.log_ids = std::move(ids);
        return out;
      }
      if (!result->content_type.empty()) {
        Response out;
        out.status = result->status;
        out.headers = {{"Content-Type", result->content_type}};
        for (const auto& [name, value] : result->headers) out.set_header(name, value);
        out.body = std::move(result->text);
        out.log_ids = std::move(ids);
        return out;
      }
      Response out;
      if (!result->written_json.empty()) {
        for (const auto& [name, value] : result->json_ids) support::add_log_id(ids, name, value);
        out = json_text_response(result->status, std::move(result->written_json));
        out.log_ids = std::move(ids);
        return out;
      }
      support::add_log_ids(result->body, ids);
      if (result->status == 204) {
        out.status = 204;  // no body, no Content-Type
        out.headers = {{"Cache-Control", "no-store"}};
      } else {
        out = json_response(result->status, result->body);
      }
      out.log_ids = std::move(ids);
      return out;
    } catch (const std::exception& e) {
      return error(core::make_error(core::ErrorCode::kInternal,
                                    std::string{"unexpected exception in a handler: "} + e.what()),
                   req, req.path);
    }
  }
};

// The preflight outside /storage/ (the store answers its own).
bool is_preflight(const Request& req) {
  return req.method == "OPTIONS" && !req.path.starts_with("/storage/") &&
         req.has_header("Origin") && req.has_header("Access-Control-Request-Method");
}

// Reads the body (up to the API's limit), then runs the handler on the API pool.
ReadBody read_then_serve(std::shared_ptr<const Api> api, Api::Handler handler,
                         core::Principal caller) {
  const auto limit = api->options.max_body_bytes;
  return ReadBody{.max_bytes = limit,
                  .pool = Pool::kApi,
                  .handle =
                      [api = std::move(api), handler = std::move(handler),
                       principal = std::move(caller)](const Request& r, std::string body) {
                        return api->serve(r, std::move(body), principal, handler);
                      },
                  .too_large = [limit] { return error_response(payload_too_large(limit)); },
                  .incomplete =
                      [] {
                        return error_response(map_error(core::make_error(
                            core::ErrorCode::kInvalidRequest, "request body incomplete",
                            "The request body was not received completely.")));
                      }};
}

// The `access_token` query parameter (RFC 6750 section 2.3), "" when absent.
std::string query_access_token(const Request& req) {
  for (const auto& [name, value] : support::parse_query(req.query)) {
    if (name == "access_token") return value;
  }
  return {};
}

// Where a route takes its bearer token from: the Authorization header only, or (the HLS playlist
// route, for players that cannot send headers: native HLS in Safari, ffmpeg) the header or else
// the `access_token` query parameter.
enum class TokenFrom : unsigned char { kHeader, kHeaderOrQuery };

// A use case's check of the caller's role alone (RegisterListing::authorize, ...): for routes whose
// right depends on the role only, it runs before the path or the body is looked at, so a caller
// without the role gets 403 and never a 400 or 413 about what it sent.
using RoleGate = core::Status (*)(const core::Principal&);

// An API route: the token is verified from the headers (or the query), and the role gate (when the
// route has one) is checked, before any byte of the body is read.
Route api_route(std::shared_ptr<const Api> api, Api::Handler handler, bool with_body,
                TokenFrom from = TokenFrom::kHeader, RoleGate gate = nullptr) {
  return [api = std::move(api), handler = std::move(handler), with_body, from,
          gate](const Request& req) -> Plan {
    std::string query_token;
    if (from == TokenFrom::kHeaderOrQuery && !req.has_header("Authorization")) {
      query_token = query_access_token(req);
    }
    auto caller = api->options.verifier->verify(
        query_token.empty() ? std::string{req.header("Authorization")} : "Bearer " + query_token);
    if (!caller) return api->error(caller.error(), req, req.path);
    if (gate != nullptr) {
      if (auto allowed = gate(*caller); !allowed) return api->error(allowed.error(), req, req.path);
    }
    if (!with_body) {
      return Run{.pool = Pool::kApi,
                 .handle = [api, handler, principal = *caller, query_token](const Request& r) {
                   return api->serve(r, {}, principal, handler, query_token);
                 }};
    }
    return read_then_serve(api, handler, *caller);
  };
}

// A route authenticated by its own signature (the pipeline's callback), not by a JWT: the
// signature covers the raw body, so the handler checks it once the body is read.
Route signed_route(std::shared_ptr<const Api> api, Api::Handler handler) {
  return [api = std::move(api), handler = std::move(handler)](const Request&) -> Plan {
    return read_then_serve(api, handler, core::Principal{});
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
         lower == "x-amz-security-token" || lower == "access_token")) {
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
// and the request id on every answer, metrics and the access log once it is written, the JSON 404,
// the answer to oversized headers.
void install_request_hooks(HttpServer& server, const std::shared_ptr<const Api>& api) {
  auto& hooks = server.hooks();

  hooks.identify = [](Request& req) {
    const auto given = req.header(kRequestIdHeader);
    req.request_id = is_sane_request_id(given) ? std::string{given} : new_request_id();
    req.traceparent = support::traceparent_for(req.header(kTraceparentHeader));
  };
  hooks.before = [api](Request& req) -> std::optional<Response> {
    if (!is_preflight(req) || api->options.cors == nullptr) return std::nullopt;
    const auto answer = api->options.cors->preflight(
        std::string{req.header("Origin")}, std::string{req.header("Access-Control-Request-Method")},
        std::string{req.header("Access-Control-Request-Headers")});
    Response out;
    if (answer.status == 204) {
      out.status = 204;
    } else {
      out = json_response(
          answer.status,
          {{"code", "FORBIDDEN"},
           {"message", "This origin or method is not allowed (cors.allowedOrigins)."}});
    }
    for (const auto& [name, value] : answer.headers) out.set_header(name, value);
    return out;
  };
  // Every response just before it is written, error responses included.
  hooks.decorate = [api](const Request& req, Response& res) {
    if (!req.request_id.empty()) res.set_header(kRequestIdHeader, req.request_id);
    if (!req.traceparent.empty()) res.set_header(kTraceparentHeader, req.traceparent);
    if (api->options.cors == nullptr || is_preflight(req)) return;
    for (const auto& [name, value] :
         api->options.cors->response_headers(std::string{req.header("Origin")})) {
      res.set_header(name, value);
    }
  };
  hooks.done = [api](const Request& req, const Response& res, std::chrono::nanoseconds elapsed) {
    const double seconds = std::chrono::duration<double>(elapsed).count();
    if (api->options.metrics != nullptr) {
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
    entry.query = redact_query(req.query);
    entry.status = res.status;
    entry.duration_ms = seconds * 1000.0;
    entry.request_id = req.request_id;
    entry.traceparent = req.traceparent;
    entry.ids = res.log_ids;
    api->options.hooks.access_log(entry);
  };
  hooks.not_found = [](const Request& req) {
    Response out;
    out.status = 404;
    if (!req.path.starts_with("/storage/")) out = error_response(route_not_found());
    return out;
  };

  // The token of a request whose headers are too large cannot be read: every API route needs one.
  hooks.headers_too_large = [limit = server.options().max_header_bytes](const Request& req) {
    if (!req.path.starts_with("/api/")) return error_response(headers_too_large(limit));
    return error_response(map_error(core::make_error(core::ErrorCode::kUnauthenticated,
                                                     "the header section is over the limit",
                                                     std::string{auth::kPublicMessage})));
  };
}

}  // namespace

void mount_api_routes(HttpServer& server, ApiOptions options) {
  // Lives as long as the routes and hooks, i.e. the server.
  auto api = std::make_shared<const Api>(Api{std::move(options)});
  install_request_hooks(server, api);

  auto& routes = server.routes();
  const std::string listing = "/api/v2/internal/listings/{listingIdentityId}";
  routes.add("PUT", listing,
             api_route(api, handlers::handle_put_listing, true, TokenFrom::kHeader,
                       &core::RegisterListing::authorize));
  routes.add("GET", listing,
             api_route(api, handlers::handle_get_listing, false, TokenFrom::kHeader,
                       &core::RegisterListing::authorize));
  // The others decide from the listing the body names, so their handlers read it first.
  const std::pair<const char*, Api::Handler> posts[] = {
      {"/api/v2/listings/media/uploads", handlers::handle_create_upload_batch},
      {"/api/v2/listings/media/uploads/complete", handlers::handle_complete_upload_batch},
      {"/api/v2/listings/media/uploads/urls", handlers::handle_refresh_upload_urls},
      {"/api/v2/listings/media/uploads/retry", handlers::handle_retry_batch},
      {"/api/v2/listings/media/uploads/cancel", handlers::handle_cancel_upload_batch},
      {"/api/v2/listings/media/status", handlers::handle_get_batch_status},
      {"/api/v2/listings/media/downloads", handlers::handle_list_download_urls},
  };
  for (const auto& [path, handler] : posts) routes.add("POST", path, api_route(api, handler, true));
  // Admin only: the role is refused before the body is read.
  const std::tuple<const char*, Api::Handler, RoleGate> admin_posts[] = {
      {"/api/v2/admin/listings/media/batches", handlers::handle_list_batch_history,
       &core::ListBatchHistory::authorize},
      {"/api/v2/admin/listings/media/batches/delete", handlers::handle_delete_batch,
       &core::DeleteBatch::authorize},
      {"/api/v2/admin/listings/media/batches/reprocess", handlers::handle_reprocess_batch,
       &core::ReprocessBatch::authorize},
  };
  for (const auto& [path, handler, gate] : admin_posts) {
    routes.add("POST", path, api_route(api, handler, true, TokenFrom::kHeader, gate));
  }
  routes.add(
      "GET",
      "/api/v2/listings/{listingIdentityId}/batches/{batchId}/assets/{assetId}/hls/{playlist}",
      api_route(api, handlers::handle_get_hls_playlist, false, TokenFrom::kHeaderOrQuery));
  // Only in the AWS mode (elsewhere the path is unknown: 404).
  if (api->options.services.record_result != nullptr) {
    routes.add("POST", "/api/v2/listings/media/callback",
               signed_route(api, handlers::handle_processing_callback));
  }

  routes.add("GET", "/healthz", [](const Request&) -> Plan {
    const auto r = handlers::handle_healthz();
    return json_response(r.status, r.body);
  });
  routes.add("GET", "/readyz", [api](const Request&) -> Plan {
    return Run{.pool = Pool::kApi, .handle = [api](const Request& req) {
                 const auto r = handlers::handle_readyz(
                     api->options.services, [&](std::string_view what, const core::Error& error) {
                       if (api->options.hooks.internal_error) {
                         api->options.hooks.internal_error(
                             error, req, std::string{"readyz "} + std::string{what});
                       }
                     });
                 return json_response(r.status, r.body);
               }};
  });
}

}  // namespace toq::http
