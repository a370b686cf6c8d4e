#include "adapter/http/web_routes.hpp"

#include <string>

namespace toq::http {

void mount_web_routes(HttpServer& server, const web::StaticFileHandler& handler) {
  // The files are read on the storage pool. The handler's headers describe the body (for HEAD and
  // 304, the file), Content-Length included.
  const Route serve = [&handler](const Request&) -> Plan {
    return Run{.pool = Pool::kStorage, .handle = [&handler](const Request& req) {
                 auto answer = handler.handle(
                     web::StaticRequest{.method = req.method,
                                        .path = req.path,
                                        .if_none_match = std::string{req.header("If-None-Match")}});
                 Response out;
                 out.status = answer.status;
                 out.headers = std::move(answer.headers);
                 out.body = std::move(answer.body);
                 if (answer.status == 304) {
                   std::erase_if(out.headers,
                                 [](const auto& h) { return h.first == "Content-Length"; });
                 }
                 return out;
               }};
  };
  auto& routes = server.routes();
  for (const char* pattern : {"/ui", "/ui/*", "/docs", "/docs/*"})
    routes.add("GET", pattern, serve);
}

}  // namespace toq::http
