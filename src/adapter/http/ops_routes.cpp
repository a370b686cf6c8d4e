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
  routes.Get("/metrics", [&metrics, before_scrape = std::move(before_scrape)](
                             const httplib::Request&, httplib::Response& res) {
    if (before_scrape) before_scrape();
    res.set_header("Cache-Control", "no-store");
    res.set_content(metrics.expose(), "text/plain; version=0.0.4; charset=utf-8");
  });
  routes.Get("/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    const auto doc = openapi_document_json();
    res.set_content(doc.data(), doc.size(), "application/json");
  });
}

}  // namespace toq::http
