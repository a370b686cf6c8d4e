#pragma once
// S3 REST operations as unsigned requests: method, host, path, query and headers, for path-style
// or virtual-hosted addressing against AWS or any S3-compatible endpoint. No I/O, no signing
// (sigv4.hpp) and no sending (support/http/http_client.hpp).
//
// Addressing: virtual-hosted ("bucket.s3.region.amazonaws.com/key") unless path_style is set or
// the bucket name cannot be a DNS label under TLS (upper case, '_', or a '.' with https, which the
// wildcard certificate does not cover): then path-style ("s3.region.amazonaws.com/bucket/key"),
// as the AWS SDKs do.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/model/error.hpp"
#include "core/port/object_store.hpp"

#include "adapter/aws/sigv4.hpp"

namespace toq::aws {

struct S3Endpoint {
  std::string scheme;     // "https" or "http"
  std::string authority;  // host, plus ":port" when not the scheme's default
  std::string base_path;  // a custom endpoint's path prefix without a trailing '/', usually ""
};

// "https://s3.sa-east-1.amazonaws.com", "http://127.0.0.1:4568", "https://minio.internal:9000/s3".
// CONFIG_INVALID for anything else (no scheme, another scheme, a query, userinfo).
core::Result<S3Endpoint> parse_endpoint(std::string_view url);

struct S3Addressing {
  std::string bucket;
  std::string region = "us-east-1";
  std::string endpoint;  // empty: https://s3.{region}.amazonaws.com
  bool path_style = false;
};

// True when `bucket` can be the first label of a virtual-hosted name over `scheme`.
bool virtual_host_compatible(std::string_view bucket, std::string_view scheme);

class S3RequestBuilder {
 public:
  // CONFIG_INVALID for an empty bucket or region, or a bad endpoint.
  static core::Result<S3RequestBuilder> create(const S3Addressing& addressing);

  bool virtual_hosted() const { return virtual_hosted_; }
  const S3Endpoint& endpoint() const { return endpoint_; }
  const std::string& bucket() const { return bucket_; }

  // A request on the object `key` (empty key: the bucket itself), and the URL it goes to.
  RequestToSign object_request(std::string_view method, std::string_view key, Params query = {},
                               Params headers = {}) const;
  std::string url(const RequestToSign& request) const;

  // ---- the operations toq-media uses ----
  RequestToSign put_object(std::string_view key, const core::PutOptions& options) const;
  // x-amz-checksum-mode: ENABLED makes S3 return the stored SHA-256 checksum.
  RequestToSign get_object(std::string_view key, std::optional<core::ByteRange> range) const;
  RequestToSign head_object(std::string_view key) const;
  // POST /?delete with Content-MD5 of `body` (S3 requires an integrity header on DeleteObjects).
  RequestToSign delete_objects(std::string_view body) const;
  RequestToSign create_multipart(std::string_view key, const core::PutOptions& options) const;
  RequestToSign upload_part(std::string_view key, std::string_view upload_id,
                            int part_number) const;
  RequestToSign list_parts(std::string_view key, std::string_view upload_id,
                           std::optional<int> part_number_marker) const;
  RequestToSign complete_multipart(std::string_view key, std::string_view upload_id) const;
  RequestToSign abort_multipart(std::string_view key, std::string_view upload_id) const;

 private:
  S3RequestBuilder() = default;

  std::string bucket_;
  S3Endpoint endpoint_;
  bool virtual_hosted_ = false;
};

// The path-style wire path of an S3 object: "/" + bucket + "/" + key, with the key percent-encoded
// and its '/' kept (what botocore sends). An empty key gives "/bucket".
std::string s3_object_path(std::string_view bucket, std::string_view key);

// "bytes=first-last" / "bytes=first-".
std::string range_header(const core::ByteRange& range);

}  // namespace toq::aws
