#pragma once
// Hexadecimal text of bytes.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace toq::support {

// Lower-case, two characters per byte: SHA-256 sums, SigV4 signatures, ETags.
std::string hex_lower(std::span<const unsigned char> bytes);
// Lower- or upper-case hex; nullopt for anything else (odd length included).
std::optional<std::vector<unsigned char>> hex_decode(std::string_view text);
// The value of one hex digit (either case), or -1.
int hex_value(char c);

}  // namespace toq::support
