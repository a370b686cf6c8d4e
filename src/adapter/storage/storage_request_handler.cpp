#include "adapter/storage/storage_request_handler.hpp"

#include <algorithm>
#include <exception>

#include "adapter/storage/upload_body.hpp"
#include "support/http_syntax.hpp"
#include "support/text.hpp"

namespace toq::storage {

namespace {

constexpr std::string_view kExposeHeaders =
    "ETag, Content-Length, Content-Range, Content-Disposition, Last-Modified, x-amz-request-id, "
    "x-amz-checksum-sha256";
constexpr std::string_view kAllowedMethods = "GET, HEAD, PUT";

}  // namespace

StorageRequestHandler::StorageRequestHandler(LocalObjectStore& store, StorageHandlerConfig config)
    : store_(&store), config_(std::move(config)) {}

bool StorageRequestHandler::origin_allowed(std::string_view origin) const {
  return std::ranges::any_of(config_.allowed_origins,
                             [&](const std::string& o) { return o == "*" || o == origin; });
}

void StorageRequestHandler::add_cors(const StorageRequest& request,
                                     StorageResponse& response) const {
  const auto origin = find_header(request.headers, "Origin");
  if (!origin) return;
  // The answer depends on Origin: caches must keep one copy per origin.
  response.headers.emplace_back("Vary", "Origin");
  if (!origin_allowed(*origin)) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", std::string{*origin});
  response.headers.emplace_back("Access-Control-Expose-Headers", std::string{kExposeHeaders});
}

StorageResponse StorageRequestHandler::preflight(const StorageRequest& request) const {
  const auto origin = find_header(request.headers, "Origin");
  const auto method = find_header(request.headers, "Access-Control-Request-Method");
  if (!origin || !method) {
    return error_response(
        {400, "BadRequest", "Insufficient information. Origin request header needed."});
  }
  const auto requested = find_header(request.headers, "Access-Control-Request-Headers");
  bool headers_ok = true;
  if (requested) {
    std::size_t start = 0;
    const std::string_view list = *requested;
    while (start <= list.size()) {
      const auto end = std::min(list.find(',', start), list.size());
      const auto name = support::trim_ows(list.substr(start, end - start));
      if (!name.empty() && !support::is_token(name)) headers_ok = false;
      start = end + 1;
    }
  }
  const bool method_ok = *method == "GET" || *method == "HEAD" || *method == "PUT";
  if (!origin_allowed(*origin) || !method_ok || !headers_ok) {
    auto response = error_response(
        {403,
         "AccessForbidden",
         "CORSResponse: This CORS request is not allowed. This is usually because the evaluation "
         "of Origin, request method / Access-Control-Request-Method or "
         "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
         {{"Method", std::string{*method}}, {"ResourceType", "OBJECT"}}});
    response.headers.emplace_back("Vary",
                                  "Origin, Access-Control-Request-Method, "
                                  "Access-Control-Request-Headers");
    return response;
  }
  StorageResponse response;
  response.status = 200;
  response.headers = {
      {"Access-Control-Allow-Origin", std::string{*origin}},
      {"Access-Control-Allow-Methods", std::string{kAllowedMethods}},
      {"Access-Control-Expose-Headers", std::string{kExposeHeaders}},
      {"Access-Control-Max-Age", std::to_string(config_.cors_max_age.count())},
      {"Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"},
      {"Content-Length", "0"}};
  if (requested && !support::trim_ows(*requested).empty()) {
    response.headers.emplace_back("Access-Control-Allow-Headers",
                                  std::string{support::trim_ows(*requested)});
  }
  return response;
}

StorageRequestHandler::Started StorageRequestHandler::start_upload(const StorageRequest& request,
                                                                   const Authorized& auth,
                                                                   const std::string& id) const {
  Result<std::unique_ptr<PendingWrite>> pending =
      auth.part_number
          ? store_->begin_part(auth.key, auth.upload_id, *auth.part_number, auth.content_length,
                               auth.checksum_sha256)
          : store_->begin_put(auth.key, core::PutOptions{auth.content_type, auth.content_length,
                                                         auth.checksum_sha256});
  if (!pending) {
    auto response = write_error(pending.error(), auth.key, id, reporter_for(request));
    response.close_connection = true;
    add_cors(request, response);
    return response;
  }
  StorageResponse cors;
  add_cors(request, cors);
  return make_upload_body(std::move(*pending), auth.content_length, auth.key, auth.checksum_sha256,
                          std::move(cors.headers), id, reporter_for(request));
}

FailureReporter StorageRequestHandler::reporter_for(const StorageRequest& request) const {
  if (!config_.report_failure) return {};
  return [report = config_.report_failure, trace = request.traceparent](
             const core::Error& cause, std::string_view request_id, std::string_view what) {
    report(cause, request_id, trace, what);
  };
}

StorageRequestHandler::Started StorageRequestHandler::begin(const StorageRequest& request) const {
  const std::string id = request_id_of(request);
  auto started = begin_unstamped(request, id);
  if (auto* response = std::get_if<StorageResponse>(&started)) stamp_request_id(*response, id);
  return started;
}

StorageRequestHandler::Started StorageRequestHandler::begin_unstamped(const StorageRequest& request,
                                                                      const std::string& id) const {
  try {
    if (request.method == "OPTIONS") return preflight(request);
    auto authorized = authorize(request);
    if (auto* rejection = std::get_if<StorageResponse>(&authorized)) {
      rejection->close_connection = request.method == "PUT";
      add_cors(request, *rejection);
      return std::move(*rejection);
    }
    const auto& auth = std::get<Authorized>(authorized);
    if (request.method == "PUT") return start_upload(request, auth, id);
    auto response = read_object(request, auth);
    add_cors(request, response);
    return response;
  } catch (const std::exception&) {
    auto response = internal_error(request.method != "HEAD");
    response.close_connection = request.method == "PUT";
    return response;
  }
}

std::optional<StorageResponse> StorageRequestHandler::precheck(
    const StorageRequest& request) const {
  auto rejection = precheck_unstamped(request);
  if (rejection) stamp_request_id(*rejection, request_id_of(request));
  return rejection;
}

std::optional<StorageResponse> StorageRequestHandler::precheck_unstamped(
    const StorageRequest& request) const {
  try {
    if (request.method == "OPTIONS") return std::nullopt;
    auto authorized = authorize(request);
    if (auto* rejection = std::get_if<StorageResponse>(&authorized)) {
      rejection->close_connection = true;
      add_cors(request, *rejection);
      return std::move(*rejection);
    }
    return std::nullopt;
  } catch (const std::exception&) {
    auto response = internal_error();
    response.close_connection = true;
    return response;
  }
}

StorageResponse StorageRequestHandler::handle(const StorageRequest& request,
                                              core::ByteSource& body) const {
  auto started = begin(request);
  if (auto* response = std::get_if<StorageResponse>(&started)) return std::move(*response);
  auto& upload = std::get<std::unique_ptr<UploadBody>>(started);
  std::vector<std::byte> buffer(static_cast<std::size_t>(kMiB));
  while (true) {
    auto n = body.read(buffer);
    if (!n) return upload->finish(false);
    if (*n == 0) break;
    if (!upload->write(std::span{buffer.data(), std::min(*n, buffer.size())})) break;
  }
  return upload->finish(true);
}

}  // namespace toq::storage
