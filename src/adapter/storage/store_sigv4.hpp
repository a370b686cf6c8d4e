#pragma once
// The embedded store's SigV4, and the only part of adapter/storage that speaks it (through
// adapter/aws, as scripts/check-layers.sh allows): it signs the presigned URLs the store's
// UrlSigner hands out, and checks the ones that come back to /storage/..., answering a refusal in
// S3's words.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/time.hpp"
#include "core/port/object_store.hpp"

#include "adapter/storage/s3_responses.hpp"
#include "adapter/storage/storage_messages.hpp"
#include "support/uri.hpp"

namespace toq::storage {

// The one access key of the store's presigned URLs.
struct AccessKey {
  std::string access_key_id;
  std::string secret_access_key;
};

// Where presigned URLs point: "http" or "https", and host[:port] (the default port left out, as
// browsers leave it out of the signed Host header).
struct BaseUrl {
  std::string scheme;
  std::string authority;
};

// What a presigned URL binds: the method and path, the query, and the headers besides Host the
// client must send as given (signed_headers names them, lower case).
struct UrlToSign {
  std::string method;
  std::string path;  // already percent-encoded: /storage/<key>
  support::Params query;
  support::Params headers;
  std::vector<std::string> signed_headers;
  std::chrono::seconds expires{};
};

class StoreSigV4 {
 public:
  // Service "s3" in `region`. The clock must outlive the object.
  StoreSigV4(AccessKey key, std::string region, BaseUrl base, const core::Clock& clock);
  ~StoreSigV4();
  StoreSigV4(const StoreSigV4&) = delete;
  StoreSigV4& operator=(const StoreSigV4&) = delete;

  // INVALID_REQUEST for a lifetime outside 1 s .. 7 days. Content-Length is signed but not among
  // the returned headers: every HTTP client sets it from the body (browsers refuse to set it).
  core::Result<core::PresignedRequest> presign(const UrlToSign& url) const;

  // nullopt when `request` carries a valid signature of this store's key, made no further than
  // max_clock_skew in the future and not expired; otherwise S3's answer (403 SignatureDoesNotMatch,
  // AccessDenied for an expired or not yet valid URL, InvalidAccessKeyId, 400
  // AuthorizationQueryParametersError). An error only when OpenSSL fails.
  core::Result<std::optional<S3Error>> check(const StorageRequest& request,
                                             std::chrono::seconds max_clock_skew) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace toq::storage
