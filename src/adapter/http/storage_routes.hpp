#pragma once
// Mounts the embedded store's request handler (adapter/storage) on an HttpServer under
// /storage/...: request bodies stream into the handler as they arrive (httplib ContentReader),
// GET bodies stream out of the object file (content provider), and "Expect: 100-continue" uploads
// are authorized before their body is sent.

#include "adapter/http/http_server.hpp"
#include "adapter/storage/storage_request_handler.hpp"

namespace toq::http {

// The handler must outlive the server's serving (stop() the server first).
void mount_storage_routes(HttpServer& server, const storage::StorageRequestHandler& handler);

}  // namespace toq::http
