#pragma once
// Base64, standard alphabet, padded (RFC 4648 section 4): Content-MD5, x-amz-checksum-sha256,
// webhook signatures and secrets.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace toq::support {

std::string base64_encode(std::span<const unsigned char> bytes);
std::string base64_encode(std::string_view bytes);
// Strict: padded, canonical (the bits the padding drops are zero); nullopt for anything else.
std::optional<std::vector<unsigned char>> base64_decode(std::string_view text);

}  // namespace toq::support
