#include "adapter/webhook/webhook_signer.hpp"

#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "support/base64.hpp"
#include "support/crypto/hmac.hpp"

namespace toq::webhook {

namespace {

using core::ErrorCode;

constexpr std::string_view kPublicMessage = "The webhook signature is missing or invalid.";
constexpr std::string_view kVersionPrefix = "v1,";

std::unexpected<core::Error> unauthenticated(std::string message) {
  return core::fail(ErrorCode::kUnauthenticated, std::move(message), std::string{kPublicMessage});
}

// Decimal digits only (no sign, no spaces), without overflow; nullopt otherwise.
std::optional<std::int64_t> parse_seconds(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace

core::Result<std::string> compute_signature(const WebhookSecret& secret, std::string_view id,
                                            std::string_view timestamp, std::string_view body) {
  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).append(".").append(timestamp).append(".").append(body);
  auto mac = support::hmac_sha256(secret.key(), content);
  if (!mac) return std::unexpected(std::move(mac.error()));
  return support::base64_encode(std::span<const unsigned char>{*mac});
}

core::Result<SignedHeaders> sign(const WebhookSecret& secret, std::string_view id,
                                 core::Timestamp at, std::string_view body) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(at).time_since_epoch().count();
  SignedHeaders headers{std::string{id}, std::to_string(seconds), {}};
  auto signature = compute_signature(secret, headers.id, headers.timestamp, body);
  if (!signature) return std::unexpected(std::move(signature.error()));
  headers.signature = std::string{kVersionPrefix} + *signature;
  return headers;
}

core::Status verify(const WebhookSecret& secret, const SignedHeaders& headers,
                    std::string_view body, core::Timestamp now, std::chrono::seconds tolerance) {
  if (headers.id.empty() || headers.timestamp.empty() || headers.signature.empty()) {
    return unauthenticated("webhook-id, webhook-timestamp or webhook-signature header missing");
  }
  const auto sent = parse_seconds(headers.timestamp);
  if (!sent) return unauthenticated("webhook-timestamp is not integer Unix seconds");
  const std::int64_t now_s =
      std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count();
  const std::int64_t tol = tolerance.count() < 0 ? 0 : tolerance.count();
  // now_s is a realistic clock value, so now_s +- tol cannot overflow; *sent may be anything.
  if (*sent < now_s - tol || *sent > now_s + tol) {
    return unauthenticated(fmt::format("webhook-timestamp {} is more than {} s away from now ({})",
                                       *sent, tol, now_s));
  }
  auto expected = compute_signature(secret, headers.id, headers.timestamp, body);
  if (!expected) return std::unexpected(std::move(expected.error()));

  bool matched = false;
  int candidates = 0;
  std::string_view rest = headers.signature;
  while (!rest.empty()) {
    const auto space = rest.find(' ');
    const std::string_view entry = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    if (!entry.starts_with(kVersionPrefix)) continue;  // another scheme, or an empty entry
    ++candidates;
    // No early exit: every v1 entry is compared, whatever the earlier ones gave.
    matched =
        support::constant_time_equal(*expected, entry.substr(kVersionPrefix.size())) || matched;
  }
  if (candidates == 0) return unauthenticated("webhook-signature holds no v1 signature");
  if (!matched) {
    return unauthenticated(
        fmt::format("none of the {} v1 signature(s) in webhook-signature matches", candidates));
  }
  return {};
}

}  // namespace toq::webhook
