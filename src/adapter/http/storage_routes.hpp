#pragma once
// Mounts the embedded store's request handler (adapter/storage) on an HttpServer under
// /storage/...: a PUT is authorized from its headers, then its body streams into the handler as it
// arrives (StreamBody, on the storage pool); GET bodies stream out of the object file; a refused
// "Expect: 100-continue" upload is never sent.

#include "adapter/http/http_server.hpp"
#include "adapter/storage/storage_request_handler.hpp"

namespace toq::http {

// The handler must outlive the server's serving (stop() the server first).
void mount_storage_routes(HttpServer& server, const storage::StorageRequestHandler& handler);

}  // namespace toq::http
