#include "support/crypto/hmac.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "support/crypto/openssl_error.hpp"

namespace toq::support {
namespace {

struct MacFree {
  void operator()(EVP_MAC* mac) const noexcept { EVP_MAC_free(mac); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};

// Fetching walks OpenSSL's provider store under a lock, so do it once; a fetched EVP_MAC is
// immutable and may be shared by threads.
const EVP_MAC* hmac_algorithm() {
  static const std::unique_ptr<EVP_MAC, MacFree> kHmac{EVP_MAC_fetch(nullptr, "HMAC", nullptr)};
  return kHmac.get();
}

// One HMAC-SHA256 context per thread, its digest set once; EVP_MAC_init with a new key restarts
// it. Creating a context and setting the digest by name each time (a fetch) cost about a third of
// a presigned URL.
EVP_MAC_CTX* thread_hmac_context() {
  thread_local const std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx = [] {
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> made;
    if (const EVP_MAC* algorithm = hmac_algorithm(); algorithm != nullptr) {
      // EVP_MAC_CTX_new takes a non-const EVP_MAC only for reference counting.
      made.reset(EVP_MAC_CTX_new(const_cast<EVP_MAC*>(algorithm)));
      static char kDigestName[] = "SHA256";
      const std::array<OSSL_PARAM, 2> params{
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, kDigestName, 0),
          OSSL_PARAM_construct_end()};
      if (made && EVP_MAC_CTX_set_params(made.get(), params.data()) != 1) made.reset();
    }
    return made;
  }();
  return ctx.get();
}

}  // namespace

core::Result<Sha256Digest> hmac_sha256(std::span<const unsigned char> key, std::string_view data) {
  EVP_MAC_CTX* ctx = thread_hmac_context();
  if (ctx == nullptr) {
    return core::fail(core::ErrorCode::kInternal, detail::openssl_error("HMAC is not available"));
  }
  // The same key as the last call on this thread (a day's signing key, nearly always): restart
  // with the key schedule the context already holds instead of hashing the key pads again.
  thread_local std::vector<unsigned char> last_key;
  const bool same_key = !last_key.empty() && std::ranges::equal(last_key, key);
  if (!same_key) last_key.assign(key.begin(), key.end());
  Sha256Digest mac{};
  std::size_t length = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_MAC_init(ctx, same_key ? nullptr : key.data(), same_key ? 0 : key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx, bytes, data.size()) != 1 ||
      EVP_MAC_final(ctx, mac.data(), &length, mac.size()) != 1 || length != mac.size()) {
    last_key.clear();
    return core::fail(core::ErrorCode::kInternal, detail::openssl_error("HMAC-SHA256 failed"));
  }
  return mac;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace toq::support
