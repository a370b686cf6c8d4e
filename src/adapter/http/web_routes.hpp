#pragma once
// Mounts the web bundle's handler (adapter/web) on an HttpServer: GET and HEAD of /ui/... and
// /docs. Everything else about the answer (paths, types, caching, security headers) is the
// handler's.

#include "adapter/http/http_server.hpp"
#include "adapter/web/static_files.hpp"

namespace toq::http {

// The handler must outlive the server's serving (stop() the server first).
void mount_web_routes(HttpServer& server, const web::StaticFileHandler& handler);

}  // namespace toq::http
