#pragma once
// The shared HMAC key of a Standard Webhooks endpoint (https://www.standardwebhooks.com/, spec v1).
//
// Two spellings are accepted, so the same config key serves the platform's secrets and ours:
// - "whsec_<base64>": the spec's serialization; the key is the base64-DECODED bytes (standard
//   alphabet; the trailing '=' padding may be left out).
// - anything else: raw text; the key is the text's bytes as given (UTF-8), NOT decoded.
// Surrounding ASCII whitespace is dropped first (a secret read from a file keeps no newline).
// Either way the key must hold at least kMinKeyBytes bytes (the spec's minimum, 192 bits).
// The key never appears in a message or a log line.

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"

namespace toq::webhook {

inline constexpr std::size_t kMinKeyBytes = 24;
inline constexpr std::string_view kSecretPrefix = "whsec_";

class WebhookSecret {
 public:
  // CONFIG_INVALID when the text is empty, a "whsec_" value is not base64, or the key is shorter
  // than kMinKeyBytes.
  static core::Result<WebhookSecret> parse(std::string_view text);

  std::span<const unsigned char> key() const { return key_; }

 private:
  explicit WebhookSecret(std::vector<unsigned char> key) : key_(std::move(key)) {}
  std::vector<unsigned char> key_;
};

}  // namespace toq::webhook
