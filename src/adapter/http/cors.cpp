#include "adapter/http/cors.hpp"

#include <algorithm>

#include "support/http_syntax.hpp"
#include "support/text.hpp"

namespace toq::http {
namespace {

constexpr std::string_view kAllowMethods = "GET, POST, PUT, OPTIONS";
constexpr std::string_view kExposeHeaders = "ETag, X-Request-Id, traceparent";
constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "HEAD"};

}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> allowed_origins, std::chrono::seconds max_age)
    : allowed_origins_(std::move(allowed_origins)), max_age_(max_age) {
  wildcard_ = std::ranges::find(allowed_origins_, "*") != allowed_origins_.end();
}

bool CorsPolicy::origin_allowed(std::string_view origin) const {
  if (origin.empty()) return false;
  if (wildcard_) return true;
  // Origins are compared in lower case: config lower-cases its list, browsers send lower case
  // scheme and host.
  const std::string o = support::to_lower(origin);
  return std::ranges::find(allowed_origins_, o) != allowed_origins_.end();
}

bool CorsPolicy::header_allowed(std::string_view name) {
  const std::string n = support::to_lower(support::trim_ows(name));
  return n == "authorization" || n == "content-type" || n == "x-request-id" || n == "traceparent" ||
         n.starts_with("x-amz-");
}

std::vector<std::pair<std::string, std::string>> CorsPolicy::response_headers(
    std::string_view origin) const {
  std::vector<std::pair<std::string, std::string>> out;
  if (origin.empty() || !enabled()) return out;
  // The answer depends on Origin unless it is the same "*" for everyone.
  if (!wildcard_) out.emplace_back("Vary", "Origin");
  if (!origin_allowed(origin)) return out;
  if (wildcard_) {
    out.emplace_back("Access-Control-Allow-Origin", "*");
  } else {
    out.emplace_back("Access-Control-Allow-Origin", std::string{origin});
    out.emplace_back("Access-Control-Allow-Credentials", "true");
  }
  out.emplace_back("Access-Control-Expose-Headers", std::string{kExposeHeaders});
  return out;
}

CorsHeaders CorsPolicy::preflight(std::string_view origin, std::string_view request_method,
                                  std::string_view request_headers) const {
  CorsHeaders out;
  out.headers.emplace_back("Vary",
                           "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  const bool method_ok = std::ranges::find(kMethods, request_method) != std::end(kMethods);
  if (!origin_allowed(origin) || !method_ok) {
    out.status = 403;
    return out;
  }
  out.status = 204;
  out.headers.emplace_back("Access-Control-Allow-Origin", wildcard_ ? "*" : std::string{origin});
  if (!wildcard_) out.headers.emplace_back("Access-Control-Allow-Credentials", "true");
  out.headers.emplace_back("Access-Control-Allow-Methods", std::string{kAllowMethods});
  // Echo the requested headers that are allowed (x-amz-* cannot be written as a pattern in
  // Access-Control-Allow-Headers); the browser fails the preflight if one it needs is missing.
  std::string allowed;
  std::size_t start = 0;
  while (start <= request_headers.size()) {
    const auto end = std::min(request_headers.find(',', start), request_headers.size());
    const auto name = support::trim_ows(request_headers.substr(start, end - start));
    if (!name.empty() && header_allowed(name)) {
      if (!allowed.empty()) allowed += ", ";
      allowed += support::to_lower(name);
    }
    start = end + 1;
  }
  if (allowed.empty()) allowed = "Authorization, Content-Type, X-Request-Id";
  out.headers.emplace_back("Access-Control-Allow-Headers", allowed);
  out.headers.emplace_back("Access-Control-Max-Age", std::to_string(max_age_.count()));
  return out;
}

}  // namespace toq::http
