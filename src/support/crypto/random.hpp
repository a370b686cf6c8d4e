#pragma once
// Random values from OpenSSL's CSPRNG: secrets, upload ids, request ids.

#include <cstddef>
#include <string>

#include "core/model/error.hpp"

namespace toq::support {

// `bytes` random bytes as lower-case hex (2 * bytes characters). INTERNAL when the CSPRNG fails.
core::Result<std::string> random_hex(std::size_t bytes);

}  // namespace toq::support
