#pragma once
// The operational routes, without authentication:
//   GET /metrics       Metrics::expose() as text/plain; version=0.0.4
//   GET /openapi.json  docs/openapi.yaml as JSON (converted at build time, served verbatim)
// (/docs, the Swagger UI page that renders it, is part of the web bundle: web_routes.hpp.)

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "adapter/http/http_server.hpp"
#include "adapter/http/metrics.hpp"

namespace toq::http {

// The generated document (openapi_document.cpp, made from docs/openapi.yaml by the build).
std::string_view openapi_document_json();

// The path templates of the document ("/api/v2/internal/listings/{listingIdentityId}", ...), for
// RouteTemplates. Empty if the embedded document cannot be parsed (a build defect).
std::vector<std::string> openapi_path_templates();

// `metrics` must outlive the server's serving. `before_scrape`, when set, runs before each
// exposition (it refreshes the gauges read from the database; its failures are its own to log).
void mount_ops_routes(HttpServer& server, const Metrics& metrics,
                      std::function<void()> before_scrape = {});

}  // namespace toq::http
