#include "adapter/webhook/webhook_secret.hpp"

#include <string>

#include <fmt/format.h>

#include "support/base64.hpp"
#include "support/text.hpp"

namespace toq::webhook {

namespace {

using core::ErrorCode;

constexpr std::string_view kHint =
    "Set the webhook secret to \"whsec_\" followed by the base64 of at least 24 random bytes, or "
    "to at least 24 characters of raw text.";

}  // namespace

core::Result<WebhookSecret> WebhookSecret::parse(std::string_view text) {
  text = support::trim(text);
  if (text.empty()) {
    return core::fail(ErrorCode::kConfigInvalid, "webhook secret is empty", {}, std::string{kHint});
  }
  std::vector<unsigned char> key;
  if (text.starts_with(kSecretPrefix)) {
    std::string encoded{text.substr(kSecretPrefix.size())};
    // Many generators drop the padding; the strict decoder wants it.
    while (encoded.size() % 4 != 0) encoded.push_back('=');
    auto decoded = support::base64_decode(encoded);
    if (!decoded) {
      return core::fail(ErrorCode::kConfigInvalid,
                        "webhook secret starts with \"whsec_\" but the rest is not base64", {},
                        std::string{kHint});
    }
    key = std::move(*decoded);
  } else {
    key.assign(text.begin(), text.end());
  }
  if (key.size() < kMinKeyBytes) {
    return core::fail(ErrorCode::kConfigInvalid,
                      fmt::format("webhook secret key is {} bytes, at least {} are required",
                                  key.size(), kMinKeyBytes),
                      {}, std::string{kHint});
  }
  return WebhookSecret{std::move(key)};
}

}  // namespace toq::webhook
