#include "support/crypto/random.hpp"

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>
#include <openssl/rand.h>
#include <unistd.h>

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

core::Result<std::string> process_instance_id(RandomHexSource random) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) {
    return core::fail(
        core::ErrorCode::kInternal,
        fmt::format("cannot name this process: gethostname failed: {}", std::strerror(errno)), {},
        "Check the host's name (hostname); then start the process again.");
  }
  auto suffix = random(4);
  if (!suffix) {
    return core::fail(
        core::ErrorCode::kInternal,
        fmt::format("cannot name this process: no random suffix: {}", suffix.error().message), {},
        "The system's random source (OpenSSL's CSPRNG, seeded from getrandom) "
        "failed; check the host, then start the process again.");
  }
  return fmt::format("{}:{}:{}", host, ::getpid(), *suffix);
}

}  // namespace toq::support
