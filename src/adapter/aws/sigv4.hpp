#pragma once
// AWS Signature Version 4, the signing side: header authentication (every request the S3 adapter
// sends) and query authentication (presigned URLs, which the embedded store also issues). The
// canonicalisation it signs lives in sigv4_canonical.hpp; sigv4_verify.hpp checks what it signs.
//
// Requests are plain values (RequestToSign); building them for a given API and sending them live
// elsewhere. The only clock read is Clock::now() when a signature is made, so tests pin time with
// a fixed Clock.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/time.hpp"

#include "adapter/aws/sigv4_canonical.hpp"

namespace toq::aws {

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
  // with exactly these values. Each must be present in RequestToSign::headers. Request headers not
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
  RequestToSign request;  // the input plus X-Amz-Date, Authorization and the optional headers
  SigningDetails details;
};

struct PresignedUrl {
  std::string url;    // scheme://host + path + "?" + query
  std::string path;   // as placed in the URL (the canonical path for S3 rules)
  std::string query;  // encoded, ends with X-Amz-Signature
  Params headers;     // the signed headers besides host the client must send, with their values
  SigningDetails details;
};

// Signs for one set of credentials, one region and one service. Immutable after construction
// apart from the key cache, so one signer may be shared by threads. The Clock must outlive it.
class SigV4Signer {
 public:
  SigV4Signer(SignerConfig config, const core::Clock& clock);

  // The canonical request for `request` signing exactly `signed_headers` (names in any case and
  // order; "host" falls back to request.host). INVALID_REQUEST when a signed header is absent or a
  // name or the method is malformed.
  Result<std::string> canonical_request(const RequestToSign& request,
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
  Result<SignedRequest> sign_headers(RequestToSign request, const SignOptions& options = {}) const;

  // Query authentication: a URL anyone can use until it expires. INVALID_REQUEST when the query
  // already carries X-Amz-* auth parameters, `expires` is out of range or an extra signed header
  // is missing from the request.
  Result<PresignedUrl> presign(const RequestToSign& request, const PresignOptions& options) const;

  const SignerConfig& config() const { return config_; }
  const SigningKeyCache& key_cache() const { return cache_; }

 private:
  // Canonical request, string to sign and signature for `request` as it stands, with `signed_names`
  // already lower-case, sorted and unique.
  Result<SigningDetails> sign(const RequestToSign& request,
                              const std::vector<std::string>& signed_names,
                              core::Timestamp now) const;

  SignerConfig config_;
  PathRules rules_;
  const core::Clock* clock_;
  mutable SigningKeyCache cache_;
};

}  // namespace toq::aws
