// Bearer tokens of any bytes through the verifier (HS256 pinned, the default lifetime bound).
// Invariants: nothing crashes; no token without the key's signature is accepted; a refusal never
// echoes the token (not even its first two bytes).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapter/http/auth/jwt_verifier.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace toq;

class FixedClock final : public core::Clock {
 public:
  core::Timestamp now() const override {
    return core::Timestamp{std::chrono::milliseconds{1795000000000}};
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const FixedClock clock;
  static const auto verifier = http::auth::JwtVerifier::create(
      {http::auth::JwtAlgorithm::kHs256,
       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "", "",
       std::chrono::seconds{60}, std::chrono::seconds{86400}},
      clock);
  TOQ_FUZZ_CHECK(verifier.has_value());
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  // The echo check marks the token with a prefix no fixed message holds: a token may well spell
  // part of one ("ee dot-separated segmen", fuzz/regressions/jwt), which is not an echo.
  const std::string marked = "zQ" + std::string{in};
  for (const std::string& header :
       {std::string{in}, "Bearer " + std::string{in}, "Bearer " + marked}) {
    auto r = verifier->verify(header);
    // Random bytes never carry an HMAC-SHA-256 of the key.
    TOQ_FUZZ_CHECK(!r.has_value());
    TOQ_FUZZ_CHECK(r.error().code == core::ErrorCode::kUnauthenticated);
  }
  auto r = verifier->verify("Bearer " + marked);
  TOQ_FUZZ_CHECK(r.error().message.find("zQ") == std::string::npos);
  return 0;
}
