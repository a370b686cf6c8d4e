#pragma once
// The /storage/... routes of the embedded store, independent of any HTTP library: what S3 would
// answer to a presigned PUT (object or part), GET and HEAD, and to a CORS preflight.
//
// Every request except OPTIONS must carry SigV4 query authentication made by this store's
// UrlSigner (aws::verify_presigned): signature, expiry and every signed header (Content-Type,
// Content-Length, x-amz-checksum-sha256, ...) must match, or the answer is S3's XML error with
// S3's code and nothing is stored:
//   403 SignatureDoesNotMatch   tampered URL, another key or method, a signed header changed
//   403 AccessDenied            expired or not yet valid URL, no authentication, unsigned x-amz-*
//   403 InvalidAccessKeyId      unknown access key
//   400 AuthorizationQueryParametersError   malformed auth parameters
//   400 BadDigest               body SHA-256 differs from the signed x-amz-checksum-sha256
//   400 IncompleteBody          fewer body bytes than Content-Length
//   411 MissingContentLength    PUT without Content-Length (chunked uploads are refused)
//   400 EntityTooLarge          PUT of more than 5 GiB
//   404 NoSuchKey / NoSuchUpload, 416 InvalidRange, 405 MethodNotAllowed, 501 NotImplemented
// A PUT body streams into a temp file while it is hashed; the file is renamed into place only
// when length and checksum match, and removed otherwise.
//
// CORS: with an Origin from the allowed list, responses carry Access-Control-Allow-Origin and
// expose ETag (browsers need part ETags); OPTIONS preflights are answered for GET, HEAD and PUT.
//
// Thread-safe: one handler serves all connections.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

#include "adapter/aws/uri.hpp"
#include "adapter/storage/local_object_store.hpp"

namespace toq::storage {

struct StorageRequest {
  std::string method;     // "GET", "HEAD", "PUT", "OPTIONS", ...
  std::string raw_path;   // "/storage/listings/28/..." still percent-encoded, as received
  std::string raw_query;  // after '?', still percent-encoded
  aws::Params headers;    // as received, any case; must include Host
};

struct StorageResponse {
  int status = 200;
  // Every header of the response, Content-Type and Content-Length included (they describe `body`
  // or `stream`; for HEAD, the object).
  aws::Params headers;
  std::string body;  // an XML error document, or empty
  // GET: writes exactly stream_length bytes into the sink; called at most once, possibly on
  // another thread, after the handler returned.
  std::function<core::Status(core::ByteSink&)> stream;
  std::int64_t stream_length = 0;
  // The request body was not read; the connection must not be reused for another request.
  bool close_connection = false;

  // The first value of a header (any case), or "" when absent.
  std::string_view header(std::string_view name) const;
};

// Consumes the body of an authorized PUT. Not thread-safe; one per request.
class UploadBody {
 public:
  virtual ~UploadBody() = default;
  // The next piece of the body. false: stop sending; finish() holds the error.
  virtual bool write(std::span<const std::byte> data) = 0;
  // The end of the body. `complete` is false when the connection ended before Content-Length
  // bytes arrived (or the body could not be read): nothing is stored then.
  virtual StorageResponse finish(bool complete) = 0;
};

struct StorageHandlerConfig {
  // Exact origins ("https://app.example.com"); "*" allows every origin.
  std::vector<std::string> allowed_origins;
  std::chrono::seconds max_clock_skew{900};
  std::chrono::seconds cors_max_age{3000};
};

class StorageRequestHandler {
 public:
  // The store (and its clock) must outlive the handler.
  StorageRequestHandler(LocalObjectStore& store, StorageHandlerConfig config);

  // A response, or (an authorized PUT) the consumer of its body.
  using Started = std::variant<StorageResponse, std::unique_ptr<UploadBody>>;
  Started begin(const StorageRequest& request) const;

  // Authorization only, without side effects: the rejection a request would get before its body
  // is read, or nullopt. For "Expect: 100-continue", so a refused upload is never sent.
  std::optional<StorageResponse> precheck(const StorageRequest& request) const;

  // begin() + the whole body from `body` + finish(): for callers holding a pull-based body.
  StorageResponse handle(const StorageRequest& request, core::ByteSource& body) const;

  const StorageHandlerConfig& config() const { return config_; }

 private:
  struct Authorized;
  std::variant<StorageResponse, Authorized> authorize(const StorageRequest& request) const;
  StorageResponse preflight(const StorageRequest& request) const;
  StorageResponse read_object(const StorageRequest& request, const Authorized& auth) const;
  Started start_upload(const StorageRequest& request, const Authorized& auth) const;
  void add_cors(const StorageRequest& request, StorageResponse& response) const;
  bool origin_allowed(std::string_view origin) const;

  LocalObjectStore* store_;
  StorageHandlerConfig config_;
};

// S3's XML error document: <Error><Code/><Message/>(extra elements)<RequestId/><HostId/></Error>.
std::string s3_error_xml(std::string_view code, std::string_view message, const aws::Params& extra,
                         std::string_view request_id);

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate), for Last-Modified.
std::string http_date(core::Timestamp at);

}  // namespace toq::storage
