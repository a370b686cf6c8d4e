#pragma once
// AWS Signature Version 4: canonical request, string to sign, signing key, header signing,
// presigned URLs (query authentication) and verification of incoming presigned requests.
//
// This is signing only. Requests are plain values (HttpRequest); building them for a given API
// and sending them (transport) live elsewhere. Nothing here does I/O; the only clock read is
// Clock::now() when a signature is made or checked, so tests pin time with a fixed Clock.
//
// Encoding contract, shared by every function below:
//  - HttpRequest::path is the path as it goes on the wire (percent-encoded where the caller
//    encoded it; s3_object_path() builds one for S3).
//  - HttpRequest::query holds *decoded* names and values; the signer encodes them.
//  - The canonical path follows PathRules. S3: no dot-segment removal, and the path is encoded
//    exactly once (decoded first, so "/a%20b" and "/a b" sign the same). Every other service:
//    dot segments and empty segments are removed and the wire path is encoded again ("double
//    encoding": "%20" becomes "%2520"), as botocore, the AWS CRT and the SigV4 test suite do.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/time.hpp"

#include "adapter/aws/crypto.hpp"
#include "adapter/aws/uri.hpp"

namespace toq::aws {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// SHA-256 of the empty string: the payload hash of a request without a body.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// AWS refuses presigned URLs valid for longer than seven days.
inline constexpr std::chrono::seconds kMaxPresignExpiry{604800};

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::optional<std::string> session_token;  // temporary (STS) credentials only
};

struct HttpRequest {
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

struct SignerConfig {
  Credentials credentials;
  std::string region;                   // "us-east-1"
  std::string service;                  // "s3", "sts", ...
  std::optional<PathRules> path_rules;  // unset: default_path_rules(service)
};

struct SignOptions {
  // S3 needs x-amz-content-sha256 (the payload hash) on every header-signed request; it is signed.
  bool add_content_sha256_header = false;
  // false: X-Amz-Security-Token is attached after signing and so not signed (a few services, e.g.
  // IoT, want it that way). Ignored without a session token.
  bool sign_session_token = true;
};

struct PresignOptions {
  std::chrono::seconds expires{3600};  // 1 s ... kMaxPresignExpiry
  // Headers, by name (any case), that the URL binds besides host: the client must then send them
  // with exactly these values. Each must be present in HttpRequest::headers. Request headers not
  // named here are not signed.
  std::vector<std::string> extra_signed_headers;
  // false: X-Amz-Security-Token is appended after signing, outside the canonical query.
  bool sign_session_token = true;
  // Unset: UNSIGNED-PAYLOAD for S3 (a presigner cannot know the body), else the request's hash.
  std::optional<std::string> payload_hash;
  std::string scheme = "https";
};

// The intermediate strings of one signature; worth logging at debug level when AWS answers
// SignatureDoesNotMatch (it returns its own canonical request for comparison).
struct SigningDetails {
  std::string amz_date;          // "20150830T123600Z"
  std::string credential_scope;  // "20150830/us-east-1/service/aws4_request"
  std::string signed_headers;    // "host;x-amz-date"
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // 64 lower-case hex
};

struct SignedRequest {
  HttpRequest request;  // the input plus X-Amz-Date, Authorization and the optional headers
  SigningDetails details;
};

struct PresignedUrl {
  std::string url;    // scheme://host + path + "?" + query
  std::string path;   // as placed in the URL (the canonical path for S3 rules)
  std::string query;  // encoded, ends with X-Amz-Signature
  Params headers;     // the signed headers besides host the client must send, with their values
  SigningDetails details;
};

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

// Signs for one set of credentials, one region and one service. Immutable after construction
// apart from the key cache, so one signer may be shared by threads. The Clock must outlive it.
class SigV4Signer {
 public:
  SigV4Signer(SignerConfig config, const core::Clock& clock);

  // The canonical request for `request` signing exactly `signed_headers` (names in any case and
  // order; "host" falls back to request.host). INVALID_REQUEST when a signed header is absent or a
  // name or the method is malformed.
  Result<std::string> canonical_request(const HttpRequest& request,
                                        const std::vector<std::string>& signed_headers) const;
  // "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256(canonical request)>".
  Result<std::string> string_to_sign(core::Timestamp at, std::string_view canonical_request) const;
  // kSigning for the UTC date of `at`, from the cache.
  Result<Sha256Digest> signing_key(core::Timestamp at) const;
  // "<date>/<region>/<service>/aws4_request".
  std::string credential_scope(core::Timestamp at) const;

  // Header authentication. Removes any earlier Authorization, X-Amz-Date, X-Amz-Security-Token and
  // x-amz-content-sha256, then adds X-Amz-Date, X-Amz-Security-Token (with a session token),
  // x-amz-content-sha256 (when asked) and Authorization. Signs host and every request header
  // except hop-by-hop and client-noise headers (connection, expect, transfer-encoding, user-agent,
  // x-amzn-trace-id), which proxies and HTTP stacks may change.
  Result<SignedRequest> sign_headers(HttpRequest request, const SignOptions& options = {}) const;

  // Query authentication: a URL anyone can use until it expires. INVALID_REQUEST when the query
  // already carries X-Amz-* auth parameters, `expires` is out of range or an extra signed header
  // is missing from the request.
  Result<PresignedUrl> presign(const HttpRequest& request, const PresignOptions& options) const;

  const SignerConfig& config() const { return config_; }
  const SigningKeyCache& key_cache() const { return cache_; }

 private:
  // Canonical request, string to sign and signature for `request` as it stands, with `signed_names`
  // already lower-case, sorted and unique.
  Result<SigningDetails> sign(const HttpRequest& request,
                              const std::vector<std::string>& signed_names,
                              core::Timestamp now) const;

  SignerConfig config_;
  PathRules rules_;
  const core::Clock* clock_;
  mutable SigningKeyCache cache_;
};

// ---- Verification of incoming presigned requests (the embedded store's side) ----

struct IncomingRequest {
  std::string method;
  std::string host;       // the Host header / authority as received
  std::string raw_path;   // request-target path, still percent-encoded
  std::string raw_query;  // after '?', still percent-encoded; no leading '?'
  Params headers;
  // Unset: UNSIGNED-PAYLOAD for S3, kEmptyPayloadSha256 otherwise.
  std::optional<std::string> payload_sha256;
};

enum class VerifyStatus : std::uint8_t {
  kOk,
  kExpired,              // X-Amz-Date + X-Amz-Expires is in the past
  kNotYetValid,          // X-Amz-Date is further in the future than the allowed skew
  kSignatureMismatch,    // well-formed, but not signed by the owner of the key for this request
  kMalformed,            // auth parameters missing, duplicated or ill-formed; wrong scope
  kMissingSignedHeader,  // a header listed in X-Amz-SignedHeaders was not sent
  kUnknownAccessKey,     // the credential lookup does not know the access key id
};
std::string_view to_string(VerifyStatus status);

struct VerifyResult {
  VerifyStatus status = VerifyStatus::kMalformed;
  std::string detail;         // for logs; never contains the secret or the expected signature
  std::string access_key_id;  // when it could be read
  std::optional<core::Timestamp> expires_at;
  bool ok() const { return status == VerifyStatus::kOk; }
};

struct VerifyConfig {
  std::string region;
  std::string service = "s3";
  std::chrono::seconds max_clock_skew{900};  // tolerated for X-Amz-Date ahead of now
  std::optional<PathRules> path_rules;       // unset: default_path_rules(service)
};

// Returns the credentials for an access key id, or nullopt when the key is unknown.
using CredentialLookup = std::function<std::optional<Credentials>(std::string_view)>;

// Recomputes the signature of a presigned request and compares it in constant time. The
// signature is checked before the expiry, so kExpired / kNotYetValid are only reported for URLs
// that were genuinely signed. With a session token on the credentials, the request must carry the
// same X-Amz-Security-Token. An error (INTERNAL) only when OpenSSL fails; every verdict about the
// request itself is a VerifyResult. `cache` may be null.
Result<VerifyResult> verify_presigned(const IncomingRequest& request, const VerifyConfig& config,
                                      const CredentialLookup& lookup, const core::Clock& clock,
                                      SigningKeyCache* cache = nullptr);

}  // namespace toq::aws
