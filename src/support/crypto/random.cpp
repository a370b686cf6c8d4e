#include "support/crypto/random.hpp"

#include <vector>

#include <openssl/rand.h>

#include "support/crypto/openssl_error.hpp"
#include "support/hex.hpp"

namespace toq::support {

core::Result<std::string> random_hex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1) {
    return core::fail(core::ErrorCode::kInternal, detail::openssl_error("RAND_bytes failed"));
  }
  return hex_lower(buffer);
}

}  // namespace toq::support
