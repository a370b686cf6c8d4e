#pragma once
// HMAC-SHA-256 (SigV4's key chain and signatures, Standard Webhooks signatures) and the
// constant-time comparison every signature check needs. Thread-safe.

#include <span>
#include <string_view>

#include "core/model/error.hpp"

#include "support/crypto/digest.hpp"

namespace toq::support {

// INTERNAL only when OpenSSL fails.
core::Result<Sha256Digest> hmac_sha256(std::span<const unsigned char> key, std::string_view data);

// True when a and b are the same bytes. Time depends only on the lengths, never on where they
// differ, so a signature check does not leak how many leading characters were right.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace toq::support
