#pragma once
// Standard Webhooks signatures (https://www.standardwebhooks.com/, spec v1), symmetric scheme:
//
//   signature = base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}"))
//   headers   webhook-id: <id>   webhook-timestamp: <unix seconds>   webhook-signature:
//   v1,<signature>
//
// The same code signs what we send (webhook_sender.hpp) and verifies what the pipeline sends to
// the callback route (api-contract.md, "Callback"). The body is signed and verified as raw bytes:
// never re-serialize JSON between receiving it and verifying it.

#include <chrono>
#include <string>
#include <string_view>

#include "core/model/error.hpp"
#include "core/model/time.hpp"

#include "adapter/webhook/webhook_secret.hpp"

namespace toq::webhook {

inline constexpr std::string_view kIdHeader = "webhook-id";
inline constexpr std::string_view kTimestampHeader = "webhook-timestamp";
inline constexpr std::string_view kSignatureHeader = "webhook-signature";
inline constexpr std::chrono::seconds kDefaultTolerance = std::chrono::minutes(5);

// The three header values. On verify, an empty member means the header was missing.
struct SignedHeaders {
  std::string id;
  std::string timestamp;  // integer Unix seconds, decimal
  std::string signature;  // "v1,<base64>"; on verify a space-separated list (key rotation)
};

// The bare base64 signature of "{id}.{timestamp}.{body}". INTERNAL only when OpenSSL fails.
core::Result<std::string> compute_signature(const WebhookSecret& secret, std::string_view id,
                                            std::string_view timestamp, std::string_view body);

// Signs one attempt made at `at` (whole seconds, rounded down). `id` must be the event's stable id
// (the receiver's idempotency key); the timestamp is the attempt's, so every retry is signed anew.
// INTERNAL only when OpenSSL fails.
core::Result<SignedHeaders> sign(const WebhookSecret& secret, std::string_view id,
                                 core::Timestamp at, std::string_view body);

// Ok when the headers are present, the timestamp lies within `tolerance` of `now` in either
// direction (both ends included), and at least one "v1,<sig>" entry of the signature list equals
// the expected signature (constant-time compare; entries of other schemes, such as "v1a,", are
// skipped). Otherwise UNAUTHENTICATED, with the reason in the operator message and one plain
// public message for every case, so a caller learns nothing about which check failed.
core::Status verify(const WebhookSecret& secret, const SignedHeaders& headers,
                    std::string_view body, core::Timestamp now,
                    std::chrono::seconds tolerance = kDefaultTolerance);

}  // namespace toq::webhook
