#include "adapter/http/storage_routes.hpp"

#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "adapter/storage/s3_responses.hpp"

namespace toq::http {
namespace {

storage::StorageRequest to_storage_request(const Request& req) {
  storage::StorageRequest out;
  // The id ServerHooks::before gave the request (X-Request-Id): one id in the access log, the
  // headers and the XML error.
  out.request_id = req.request_id;
  out.traceparent = req.traceparent;
  out.method = req.method;
  // The raw request target: the signature covers the path as the client encoded it, which
  // Request::path (decoded) no longer shows.
  out.raw_path = req.target.substr(0, req.target.find('?'));
  out.raw_query = req.query;
  out.headers = req.headers;
  return out;
}

// The handler's answer as the server writes it: its headers describe the body or the stream (for
// HEAD, the object), so the server adds no Content-Length of its own.
Response to_response(storage::StorageResponse&& in) {
  Response out;
  out.status = in.status;
  out.headers = std::move(in.headers);
  out.body = std::move(in.body);
  out.stream = std::move(in.stream);
  out.stream_length = in.stream_length;
  out.close = in.close_connection;
  return out;
}

// Feeds a PUT body into the store's upload, piece by piece on the storage pool.
class UploadConsumer final : public BodyConsumer {
 public:
  explicit UploadConsumer(std::unique_ptr<storage::UploadBody> upload)
      : upload_(std::move(upload)) {}
  bool write(std::span<const std::byte> data) override { return upload_->write(data); }
  Response finish(bool complete) override { return to_response(upload_->finish(complete)); }

 private:
  std::unique_ptr<storage::UploadBody> upload_;
};

}  // namespace

void mount_storage_routes(HttpServer& server, const storage::StorageRequestHandler& handler) {
  auto& routes = server.routes();
  const std::string pattern = "/storage/*";

  // GET and HEAD (the router sends HEAD to GET routes) and OPTIONS preflights: the handler opens
  // the object file on the storage pool; the body streams from it there.
  const Route without_body = [&handler](const Request&) -> Plan {
    return Run{.pool = Pool::kStorage, .handle = [&handler](const Request& req) {
                 auto started = handler.begin(to_storage_request(req));
                 if (auto* response = std::get_if<storage::StorageResponse>(&started)) {
                   return to_response(std::move(*response));
                 }
                 // Only PUT yields an upload, and PUT never reaches this route.
                 Response failed;
                 failed.status = 500;
                 return failed;
               }};
  };
  routes.add({"GET", "OPTIONS"}, pattern, without_body);

  // PUT (and the methods the handler refuses): authorized from the headers before any byte of the
  // body is read (so "Expect: 100-continue" of a refused upload is never confirmed), then
  // streamed to disk in constant memory.
  const Route with_body = [&handler](const Request&) -> Plan {
    return StreamBody{.pool = Pool::kStorage,
                      .open = [&handler](const Request& req)
                          -> std::variant<Response, std::unique_ptr<BodyConsumer>> {
                        auto started = handler.begin(to_storage_request(req));
                        if (auto* response = std::get_if<storage::StorageResponse>(&started)) {
                          return to_response(std::move(*response));
                        }
                        return std::make_unique<UploadConsumer>(
                            std::move(std::get<std::unique_ptr<storage::UploadBody>>(started)));
                      }};
  };
  routes.add({"PUT", "POST", "PATCH", "DELETE"}, pattern, with_body);
}

}  // namespace toq::http
