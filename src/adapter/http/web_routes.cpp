#include "adapter/http/web_routes.hpp"

#include <string>

namespace toq::http {

void mount_web_routes(HttpServer& server, const web::StaticFileHandler& handler) {
  const auto serve = [&handler](const httplib::Request& req, httplib::Response& res) {
    auto answer =
        handler.handle(web::StaticRequest{.method = req.method,
                                          .path = req.path,
                                          .if_none_match = req.get_header_value("If-None-Match")});
    res.status = answer.status;
    std::string content_type;
    for (auto& [name, value] : answer.headers) {
      // httplib frames the body itself (Content-Length, and compression when the client asks).
      if (name == "Content-Length") continue;
      if (name == "Content-Type") {
        content_type = value;
        continue;
      }
      res.set_header(name, value);
    }
    if (req.method == "HEAD" || answer.status == 304) {
      // httplib routes HEAD to the GET handler and drops the body; the type still describes it.
      if (!content_type.empty()) res.set_header("Content-Type", content_type);
      if (req.method == "HEAD" && answer.status == 200) {
        res.set_header("Content-Length", std::string{answer.header("Content-Length")});
      }
      return;
    }
    res.set_content(std::move(answer.body), content_type);
  };
  auto& routes = server.routes();
  routes.Get(R"(/ui(/[^?]*)?)", serve);
  routes.Get(R"(/docs(/[^?]*)?)", serve);
}

}  // namespace toq::http
