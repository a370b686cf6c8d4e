#include "adapter/http/storage_routes.hpp"

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>

#include "adapter/storage/s3_responses.hpp"
#include "support/text.hpp"

namespace toq::http {
namespace {

// Requests with a declared body up to this size are read and discarded when refused, so the
// connection stays in sync; larger ones are refused and the connection closed.
constexpr std::size_t kMaxDrainBytes = 64UL * 1024 * 1024;

// Headers cpp-httplib adds to the request itself; not from the client.
bool is_synthetic_header(std::string_view name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
         name == "LOCAL_PORT";
}

storage::StorageRequest to_storage_request(const httplib::Request& req,
                                           const httplib::Response& res) {
  storage::StorageRequest out;
  // The id the pre-routing handler gave the request (X-Request-Id): one id in the access log,
  // the headers and the XML error.
  out.request_id = res.get_header_value("X-Request-Id");
  out.method = req.method;
  // The raw request target: the signature covers the path as the client encoded it, which
  // req.path (decoded) no longer shows.
  const std::string_view target = req.target;
  const auto q = target.find('?');
  out.raw_path = std::string{target.substr(0, q)};
  if (q != std::string_view::npos) out.raw_query = std::string{target.substr(q + 1)};
  for (const auto& [name, value] : req.headers) {
    if (!is_synthetic_header(name)) out.headers.emplace_back(name, value);
  }
  return out;
}

// Adapts httplib's DataSink to the store's ByteSink.
class DataSinkAdapter final : public core::ByteSink {
 public:
  explicit DataSinkAdapter(httplib::DataSink& sink) : sink_(sink) {}
  core::Status write(std::span<const std::byte> data) override {
    if (!sink_.write(reinterpret_cast<const char*>(data.data()), data.size())) {
      return core::fail(core::ErrorCode::kStorageError, "the client went away");
    }
    return {};
  }

 private:
  httplib::DataSink& sink_;
};

// Moves the handler's answer into httplib's response. httplib frames bodies itself (it adds
// Content-Length for routed responses), except on the early answer to "Expect: 100-continue",
// where `early` asks for the length to be set here.
void apply(storage::StorageResponse&& response, const httplib::Request& req, httplib::Response& res,
           bool early = false) {
  const bool head = req.method == "HEAD";
  const bool framed_by_httplib = !head && !early && (!response.body.empty() || response.stream);
  res.status = response.status;
  std::string content_type;
  for (auto& [name, value] : response.headers) {
    if (framed_by_httplib && support::iequals(name, "Content-Type")) {
      content_type = value;
      continue;
    }
    // httplib computes Content-Length for bodies it sends; it would be duplicated.
    if (framed_by_httplib && support::iequals(name, "Content-Length")) continue;
    res.set_header(name, value);
  }
  if (response.close_connection) res.set_header("Connection", "close");
  if (head) return;
  if (response.stream) {
    auto stream = std::move(response.stream);
    res.set_content_provider(
        static_cast<std::size_t>(response.stream_length), content_type,
        [stream = std::move(stream), written = false](std::size_t offset, std::size_t /*length*/,
                                                      httplib::DataSink& sink) mutable {
          // The whole body goes out in the first call; a second call would mean httplib asks
          // to resume, which it only does after a partial write, i.e. never here.
          if (written || offset != 0) return false;
          written = true;
          DataSinkAdapter adapter{sink};
          try {
            return stream(adapter).has_value();
          } catch (const std::exception&) {
            return false;
          }
        });
  } else if (!response.body.empty()) {
    if (early) {
      res.body = std::move(response.body);  // headers (type, length) were copied above
    } else {
      res.set_content(response.body, content_type.empty() ? "application/xml" : content_type);
    }
  }
}

void refuse_without_body(storage::StorageResponse&& response, const httplib::Request& req,
                         httplib::Response& res, const httplib::ContentReader& reader) {
  // The body was not read. A small one is drained so the connection can be reused and the
  // client is not reset while it still sends; a large one is left and the connection closed.
  const auto declared = req.get_header_value("Content-Length");
  std::size_t length = kMaxDrainBytes + 1;
  if (!declared.empty() && declared.size() < 19 &&
      declared.find_first_not_of("0123456789") == std::string::npos) {
    length = static_cast<std::size_t>(std::stoull(declared));
  }
  if (length <= kMaxDrainBytes) {
    const bool drained = reader([](const char*, std::size_t) { return true; });
    response.close_connection = !drained;
  } else {
    response.close_connection = true;
  }
  apply(std::move(response), req, res);
}

}  // namespace

void mount_storage_routes(HttpServer& server, const storage::StorageRequestHandler& handler) {
  const std::string pattern = R"(/storage/[\s\S]*)";
  auto& routes = server.routes();

  // GET and HEAD (httplib routes HEAD to the GET handlers) and OPTIONS preflights.
  const auto without_body = [&handler](const httplib::Request& req, httplib::Response& res) {
    // httplib applies Range itself to responses with a length; the handler already did (206,
    // Content-Range, the sliced stream), so the parsed ranges are dropped. The Request object is
    // httplib's own mutable one, handed to us as const.
    const_cast<httplib::Request&>(req).ranges.clear();
    auto started = handler.begin(to_storage_request(req, res));
    if (auto* response = std::get_if<storage::StorageResponse>(&started)) {
      apply(std::move(*response), req, res);
    } else {
      // Only PUT yields an upload, and PUT never reaches this route.
      res.status = 500;
    }
  };
  routes.Get(pattern, without_body);
  routes.Options(pattern, without_body);

  // PUT (and the methods the handler refuses) with a streamed body.
  const auto with_body = [&handler](const httplib::Request& req, httplib::Response& res,
                                    const httplib::ContentReader& reader) {
    const_cast<httplib::Request&>(req).ranges.clear();
    // httplib would parse a multipart/form-data body itself instead of handing over the bytes.
    if (req.is_multipart_form_data()) {
      auto refused = storage::StorageResponse{};
      refused.status = 400;
      refused.body = storage::s3_error_xml(
          "InvalidArgument", "multipart/form-data uploads are not supported; use PUT.", {}, "");
      refused.headers.emplace_back("Content-Type", "application/xml");
      refuse_without_body(std::move(refused), req, res, reader);
      return;
    }
    auto started = handler.begin(to_storage_request(req, res));
    if (auto* response = std::get_if<storage::StorageResponse>(&started)) {
      refuse_without_body(std::move(*response), req, res, reader);
      return;
    }
    auto& upload = std::get<std::unique_ptr<storage::UploadBody>>(started);
    bool stopped = false;
    const bool read_all = reader([&](const char* data, std::size_t n) {
      if (upload->write(std::as_bytes(std::span{data, n}))) return true;
      stopped = true;
      return false;
    });
    auto response = upload->finish(read_all);
    // Stopped early, or the client broke off: what is left of the body is not read.
    if (stopped || !read_all) response.close_connection = true;
    apply(std::move(response), req, res);
  };
  routes.Put(pattern, with_body);
  routes.Post(pattern, with_body);
  routes.Patch(pattern, with_body);
  routes.Delete(pattern, with_body);

  server.on_expect_continue("/storage/",
                            [&handler](const httplib::Request& req, httplib::Response& res) {
                              auto rejection = handler.precheck(to_storage_request(req, res));
                              if (!rejection) return 100;
                              const int status = rejection->status;
                              rejection->close_connection = true;
                              apply(std::move(*rejection), req, res, true);
                              return status;
                            });
}

}  // namespace toq::http
