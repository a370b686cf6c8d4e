#pragma once
// The /storage/... routes of the embedded store, independent of any HTTP library: what S3 would
// answer to a presigned PUT (object or part), GET and HEAD, and to a CORS preflight. The messages
// are storage_messages.hpp's; authorization is request_authorization.cpp, downloads
// object_download.cpp, uploads upload_body.cpp.
//
// Every request except OPTIONS must carry SigV4 query authentication made by this store's
// UrlSigner (store_sigv4.hpp): signature, expiry and every signed header (Content-Type,
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
//   503 InsufficientStorage     the store's disk is full (ENOSPC, EDQUOT): Retry-After, a Hint
// A PUT body streams into a temp file while it is hashed; the file is renamed into place only
// when length and checksum match, and removed otherwise. Every answer carries the request's id
// (StorageRequest::request_id) as x-amz-request-id and, for an error, as the XML RequestId; the
// cause of every 5xx goes to StorageHandlerConfig::report_failure with that id and the request's
// traceparent.
//
// CORS: with an Origin from the allowed list, responses carry Access-Control-Allow-Origin and
// expose ETag (browsers need part ETags); OPTIONS preflights are answered for GET, HEAD and PUT.
//
// Thread-safe: one handler serves all connections.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

#include "adapter/storage/local_object_store.hpp"
#include "adapter/storage/s3_responses.hpp"
#include "adapter/storage/storage_messages.hpp"
#include "support/uri.hpp"

namespace toq::storage {

struct StorageHandlerConfig {
  // Exact origins ("https://app.example.com"); "*" allows every origin.
  std::vector<std::string> allowed_origins;
  std::chrono::seconds max_clock_skew{900};
  std::chrono::seconds cors_max_age{3000};
  // Told the cause of every 5xx answer (a full disk, an I/O error), with the request's id and
  // traceparent (StorageRequest's) and what was being done.
  std::function<void(const core::Error& cause, std::string_view request_id,
                     std::string_view traceparent, std::string_view what)>
      report_failure;
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
  // What authorize() learnt about an authorized request.
  struct Authorized {
    std::string key;
    support::Params query;  // decoded
    std::vector<std::string> signed_headers;
    std::optional<int> part_number;
    std::string upload_id;
    std::int64_t content_length = 0;  // PUT
    std::optional<std::string> checksum_sha256;
    std::string content_type;
  };
  std::variant<StorageResponse, Authorized> authorize(const StorageRequest& request) const;
  // authorize()'s checks, in order; each an S3 refusal or nothing.
  std::optional<S3Error> check_target(const StorageRequest& request, Authorized& auth) const;
  std::optional<S3Error> check_signature(const StorageRequest& request,
                                         const Authorized& auth) const;
  std::optional<S3Error> check_amz_headers(const StorageRequest& request, Authorized& auth) const;
  std::optional<S3Error> check_subresources(const StorageRequest& request, Authorized& auth) const;
  std::optional<S3Error> check_upload_headers(const StorageRequest& request,
                                              Authorized& auth) const;
  Started begin_unstamped(const StorageRequest& request, const std::string& id) const;
  std::optional<StorageResponse> precheck_unstamped(const StorageRequest& request) const;
  StorageResponse preflight(const StorageRequest& request) const;
  StorageResponse read_object(const StorageRequest& request, const Authorized& auth) const;
  // report_failure bound to the request's traceparent (empty when there is no reporter).
  FailureReporter reporter_for(const StorageRequest& request) const;
  Started start_upload(const StorageRequest& request, const Authorized& auth,
                       const std::string& id) const;
  void add_cors(const StorageRequest& request, StorageResponse& response) const;
  bool origin_allowed(std::string_view origin) const;

  LocalObjectStore* store_;
  StorageHandlerConfig config_;
};

}  // namespace toq::storage
