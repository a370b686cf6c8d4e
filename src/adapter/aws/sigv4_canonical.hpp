#pragma once
// AWS Signature Version 4, the part both sides share: the canonical request, the credential
// scope, the string to sign, the signing key and the signature. The signer (sigv4.hpp) and the
// verifier of incoming presigned requests (sigv4_verify.hpp) are built on these and nothing else,
// so a request is canonicalised the same way whichever side looks at it.
//
// Encoding contract, shared by every function below:
//  - RequestToSign::path is the path as it goes on the wire (percent-encoded where the caller
//    encoded it; s3_object_path() builds one for S3).
//  - RequestToSign::query holds *decoded* names and values; the signer encodes them.
//  - The canonical path follows PathRules. S3: no dot-segment removal, and the path is encoded
//    exactly once (decoded first, so "/a%20b" and "/a b" sign the same). Every other service:
//    dot segments and empty segments are removed and the wire path is encoded again ("double
//    encoding": "%20" becomes "%2520"), as botocore, the AWS CRT and the SigV4 test suite do.
// Nothing here does I/O or reads a clock.

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/time.hpp"

#include "support/crypto/digest.hpp"
#include "support/uri.hpp"

namespace toq::aws {

using core::Result;
using core::Status;
using support::Params;
using support::Sha256Digest;

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// SHA-256 of the empty string: the payload hash of a request without a body.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// AWS refuses presigned URLs valid for longer than seven days.
inline constexpr std::chrono::seconds kMaxPresignExpiry{604800};
// The last element of every credential scope.
inline constexpr std::string_view kScopeTerminator = "aws4_request";

// The query parameters of query authentication (presigned URLs).
inline constexpr std::string_view kParamAlgorithm = "X-Amz-Algorithm";
inline constexpr std::string_view kParamCredential = "X-Amz-Credential";
inline constexpr std::string_view kParamDate = "X-Amz-Date";
inline constexpr std::string_view kParamExpires = "X-Amz-Expires";
inline constexpr std::string_view kParamSignedHeaders = "X-Amz-SignedHeaders";
inline constexpr std::string_view kParamSecurityToken = "X-Amz-Security-Token";
inline constexpr std::string_view kParamSignature = "X-Amz-Signature";
inline constexpr std::array<std::string_view, 7> kAuthParams = {
    kParamAlgorithm,     kParamCredential,    kParamDate,     kParamExpires,
    kParamSignedHeaders, kParamSecurityToken, kParamSignature};

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::optional<std::string> session_token;  // temporary (STS) credentials only
};

// A request as SigV4 sees it (not as it is sent: support/http/http_client.hpp sends).
struct RequestToSign {
  std::string method;  // "GET", "PUT", ...; used as given (upper case expected)
  std::string host;    // authority, with ":port" when not the scheme's default
  std::string path;    // wire path, see the encoding contract above; empty means "/"
  Params query;        // decoded names and values, any order, repeats allowed
  Params headers;      // any case, repeats allowed, order kept; a Host header overrides `host`
  // Lower-case hex SHA-256 of the body, or a literal such as UNSIGNED-PAYLOAD. Empty means the
  // body is empty (kEmptyPayloadSha256).
  std::string payload_sha256;
};

struct PathRules {
  bool normalize = true;      // drop "." / ".." / empty segments
  bool double_encode = true;  // encode the wire path as given (else decode, then encode once)
};
// S3 (and "s3-object-lambda", "s3express"): {false, false}; every other service: {true, true}.
PathRules default_path_rules(std::string_view service);
bool is_s3_service(std::string_view service);

// "20150830T123600Z" (whole seconds, UTC) and back; nullopt for any other shape or a bad date.
std::string format_amz_date(core::Timestamp at);
std::optional<core::Timestamp> parse_amz_date(std::string_view text);

// Signing keys (kSigning = HMAC chain over date, region, service, "aws4_request"), cached per
// (date, region, service, secret). Thread-safe; the whole cache is dropped when it reaches its
// capacity, which in practice only happens across many days or many keys.
class SigningKeyCache {
 public:
  static constexpr std::size_t kDefaultCapacity = 64;
  explicit SigningKeyCache(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}
  SigningKeyCache(const SigningKeyCache&) = delete;
  SigningKeyCache& operator=(const SigningKeyCache&) = delete;
  ~SigningKeyCache();

  struct Scope {
    std::string_view date;  // "YYYYMMDD"
    std::string_view region;
    std::string_view service;
  };
  Result<Sha256Digest> get(std::string_view secret_access_key, const Scope& scope);
  // How many keys were derived (cache misses): for tests and metrics.
  std::size_t derivations() const;

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::map<std::string, Sha256Digest, std::less<>> keys_;
  std::size_t derivations_ = 0;
};

// Derives kSigning without caching.
Result<Sha256Digest> derive_signing_key(std::string_view secret_access_key,
                                        const SigningKeyCache::Scope& scope);

// ---- The steps of one signature, in order ----

// The canonical path of a wire path under `rules`.
std::string canonical_path(std::string_view wire_path, const PathRules& rules);
// Names and values encoded, sorted by encoded name then value, joined with '&' and '='.
std::string canonical_query(const Params& query);
// The canonical request signing exactly `signed_names` (lower-case, sorted, unique; "host" falls
// back to request.host). INVALID_REQUEST when a signed header is absent, or the method or the
// payload hash is malformed.
Result<std::string> build_canonical_request(const RequestToSign& request,
                                            const std::vector<std::string>& signed_names,
                                            const PathRules& rules);
// "<date>/<region>/<service>/aws4_request", the date taken from an amz date.
std::string build_scope(std::string_view amz_date, std::string_view region,
                        std::string_view service);
// "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256(canonical request)>".
Result<std::string> build_string_to_sign(std::string_view amz_date, std::string_view scope,
                                         std::string_view canonical_request);
// Lower-case hex HMAC-SHA256 of the string to sign under the signing key.
Result<std::string> compute_signature(const Sha256Digest& key, std::string_view string_to_sign);

// ---- Small helpers the signer and the verifier share ----

// SigV4 "Trimall": leading and trailing white space removed, inner runs squeezed to one space.
std::string trim_all(std::string_view value);
// True when a header of that name (any case) is present.
bool has_header(const Params& headers, std::string_view name);
std::string join(const std::vector<std::string>& parts, char separator);

}  // namespace toq::aws
