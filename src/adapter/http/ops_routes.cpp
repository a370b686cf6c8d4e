#include "adapter/http/ops_routes.hpp"

#include <nlohmann/json.hpp>

namespace toq::http {

std::vector<std::string> openapi_path_templates() {
  std::vector<std::string> out;
  const auto doc = nlohmann::json::parse(openapi_document_json(), nullptr, false);
  if (doc.is_discarded() || !doc.contains("paths") || !doc["paths"].is_object()) return out;
  for (const auto& [path, item] : doc["paths"].items()) out.push_back(path);
  return out;
}

void mount_ops_routes(HttpServer& server, const Metrics& metrics,
                      std::function<void()> before_scrape) {
  auto& routes = server.routes();
  // The scrape refreshes the gauges read from the database first: that blocks, so it runs on the
  // API pool, never on an I/O thread.
  routes.add("GET", "/metrics",
             [&metrics, before_scrape = std::move(before_scrape)](const Request&) -> Plan {
               return Run{.pool = Pool::kApi, .handle = [&metrics, before_scrape](const Request&) {
                            if (before_scrape) before_scrape();
                            Response out;
                            out.headers = {
                                {"Content-Type", "text/plain; version=0.0.4; charset=utf-8"},
                                {"Cache-Control", "no-store"}};
                            out.body = metrics.expose();
                            return out;
                          }};
             });
  routes.add("GET", "/openapi.json", [](const Request&) -> Plan {
    Response out;
    out.headers = {{"Content-Type", "application/json"}};
    out.body = std::string{openapi_document_json()};
    return out;
  });
}

}  // namespace toq::http
