#pragma once
// CORS for the JSON API and the operational routes (the embedded store under /storage/ answers
// its own, S3-style, in adapter/storage). Follows the Fetch standard's CORS protocol:
// - An origin is allowed when it is in `allowed_origins` exactly (scheme://host[:port]), or the
//   list holds "*". With "*" the answer is the literal "*" and never allows credentials; with an
//   exact list the origin is echoed with "Access-Control-Allow-Credentials: true" and
//   "Vary: Origin".
// - A preflight (OPTIONS with Origin and Access-Control-Request-Method) from an allowed origin
//   gets 204 with Allow-Origin, Allow-Methods, Allow-Headers (the requested headers that are
//   allowed: Authorization, Content-Type, X-Request-Id, traceparent, x-amz-checksum-sha256 and any
//   x-amz-*), Max-Age. From any other origin it gets 403 and no CORS header, so the browser fails
//   it.
// - An actual response to an allowed origin carries Allow-Origin and
//   "Access-Control-Expose-Headers: ETag, X-Request-Id, traceparent"; to any other origin, no CORS
//   header.
// No Origin header: not a CORS request, nothing is added.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace toq::http {

struct CorsHeaders {
  int status = 0;  // preflight only: 204 allowed, 403 refused
  std::vector<std::pair<std::string, std::string>> headers;
};

class CorsPolicy {
 public:
  CorsPolicy() = default;
  explicit CorsPolicy(std::vector<std::string> allowed_origins,
                      std::chrono::seconds max_age = std::chrono::seconds{600});

  bool enabled() const { return !allowed_origins_.empty(); }
  bool origin_allowed(std::string_view origin) const;

  // Headers for an actual (non-preflight) response to a request with this Origin ("" = none).
  std::vector<std::pair<std::string, std::string>> response_headers(std::string_view origin) const;

  // The answer to a preflight. `request_method` and `request_headers` are the values of
  // Access-Control-Request-Method / -Headers ("" when absent).
  CorsHeaders preflight(std::string_view origin, std::string_view request_method,
                        std::string_view request_headers) const;

  // True for a header name a preflight may allow (case-insensitive).
  static bool header_allowed(std::string_view name);

 private:
  std::vector<std::string> allowed_origins_;
  bool wildcard_ = false;
  std::chrono::seconds max_age_{600};
};

}  // namespace toq::http
