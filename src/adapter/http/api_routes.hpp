#pragma once
// Mounts the JSON API (api-contract.md) and the operational probes on an HttpServer:
//   PUT/GET /api/v2/internal/listings/{listingIdentityId}
//   POST    /api/v2/listings/media/uploads            (201)
//   POST    /api/v2/listings/media/uploads/complete   (202 created the job, 200 already done)
//   POST    /api/v2/listings/media/uploads/urls       (200)
//   POST    /api/v2/listings/media/uploads/retry      (202)
//   POST    /api/v2/listings/media/uploads/cancel     (200)
//   POST    /api/v2/listings/media/status             (200)
//   POST    /api/v2/listings/media/downloads          (200, 204 with no body when nothing is READY)
//   POST    /api/v2/admin/listings/media/batches            (200; admin only, as the next two)
//   POST    /api/v2/admin/listings/media/batches/delete     (200)
//   POST    /api/v2/admin/listings/media/batches/reprocess  (202)
//   GET     /healthz, /readyz
//
// Contract, for every request the server handles (also /storage/ and unknown paths):
// - The response carries X-Request-Id: the client's own when it is sane (1..128 characters of
//   A-Z a-z 0-9 . _ : -), else 32 random hex characters.
// - The response carries traceparent (W3C Trace Context): the request's own when valid (a future
//   version's in its version-00 form), else a new trace; the routes carry the same value on
//   (ApiRequest::traceparent: the job, its worker, its webhooks).
// - The connection layer's own answers (431, 400 malformed, 503 over the connection caps) carry
//   both headers too.
// - One access-log entry per request (method, path, status, duration_ms, request_id,
//   traceparent, and the listing, batch and job ids the request and its answer name) goes to
//   hooks.access_log after the response is written.
// For /api/ routes:
// - "Authorization: Bearer <JWT>" is verified with the JwtVerifier from the headers, before any
//   byte of the body is read; failures are 401 UNAUTHENTICATED (a token of any length up to the
//   server's header limit; a header section over that limit is a 401 as well, since its token
//   cannot be read). Authorization (403) is the use cases'. Where the right is the role alone (the
//   internal listing routes: service or admin; the admin routes), the use case's authorize() runs
//   right after the token, before the path or the body is looked at: a caller without the role
//   gets 403, never a 400 or a 413 about what it sent. The other routes decide from the listing
//   their body names, so their 400s for a malformed body come first.
// - A request body above max_body_bytes is refused with 413 PAYLOAD_TOO_LARGE: by its declared
//   Content-Length before reading it (the body is drained when it is at most the server's drain
//   limit, 8 MiB by default, else the connection is closed); or, for a body of unknown length, once
//   the bytes read pass the limit (read and dropped up to the drain limit, so the client is not
//   reset before it reads the 413, and cut off beyond that).
// - The use cases run on the server's API pool (http_server.hpp), never on its I/O threads.
// - Every error is answered through error_mapper's map_error; internal ones (500) reach
//   hooks.internal_error with the full core::Error, clients see a generic message.
// - Unknown paths outside /storage/ get 404 NOT_FOUND as JSON.
// - With options.cors: a CORS preflight outside /storage/ is answered here (CorsPolicy), and
//   responses outside /storage/ carry the CORS headers for the request's Origin.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapter/http/auth/jwt_verifier.hpp"
#include "adapter/http/cors.hpp"
#include "adapter/http/handlers/api_handlers.hpp"
#include "adapter/http/http_server.hpp"
#include "adapter/http/metrics.hpp"

namespace toq::http {

struct AccessLogEntry {
  std::string method;
  std::string path;
  std::string query;  // as received, with credentials redacted (redact_query)
  int status = 0;
  double duration_ms = 0;
  std::string request_id;
  std::string traceparent{};
  // The ids the request and its answer name ({"listing_id", 28}, {"batch_id", 51}, {"job_id", 77}).
  std::vector<std::pair<std::string, std::int64_t>> ids{};
};

// Logging is the composition root's (adapters do not include app/): it supplies these.
struct ApiHooks {
  std::function<void(const AccessLogEntry&)> access_log;
  // A failure the client saw as 500/503, or a failing readiness probe: the real error, with the
  // request (its request_id and traceparent name it in the log).
  std::function<void(const core::Error&, const Request&, std::string_view what)> internal_error;
};

struct ApiOptions {
  handlers::ApiServices services;
  const auth::JwtVerifier* verifier = nullptr;  // must outlive the server's serving
  std::int64_t max_body_bytes = 1024 * 1024;
  ApiHooks hooks;
  // Operations (may stay unset): CORS for every path outside /storage/ (the store answers its
  // own), and one http_requests_total / duration sample per response, labelled with the path's
  // template from `route_templates`.
  const CorsPolicy* cors = nullptr;  // must outlive the server's serving
  Metrics* metrics = nullptr;        // must outlive the server's serving
  RouteTemplates route_templates;
};

// Register before server.start(). Installs the server's hooks (request id, CORS, access log and
// metrics, JSON 404, oversized headers), so call it once per server.
void mount_api_routes(HttpServer& server, ApiOptions options);

// The query string with the values of the SigV4 credentials (X-Amz-Signature, X-Amz-Credential,
// X-Amz-Security-Token, any case) and of a bearer token (access_token, the HLS playlist route)
// replaced by "REDACTED": a presigned URL in a log must not be replayable, while partNumber,
// uploadId and the rest stay readable.
std::string redact_query(std::string_view query);

// True for a client-supplied X-Request-Id worth echoing.
bool is_sane_request_id(std::string_view id);

}  // namespace toq::http
