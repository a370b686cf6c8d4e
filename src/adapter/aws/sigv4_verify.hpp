#pragma once
// AWS Signature Version 4, the verifying side: checks an incoming presigned request (query
// authentication) the way S3 does, for the embedded store that serves its own presigned URLs. It
// recomputes the signature with sigv4_canonical.hpp, the code the signer uses.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/model/error.hpp"
#include "core/model/time.hpp"

#include "adapter/aws/sigv4_canonical.hpp"

namespace toq::aws {

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
