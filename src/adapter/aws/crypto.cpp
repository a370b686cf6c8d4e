#include "adapter/aws/crypto.hpp"

#include <array>
#include <utility>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace toq::aws {

namespace {

using core::ErrorCode;

// The most recent OpenSSL error queue entry, for the operator's log; clears the queue.
std::string openssl_error(std::string_view what) {
  std::string message{what};
  const unsigned long code = ERR_get_error();
  if (code != 0) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    message += ": ";
    message += buffer.data();
  }
  ERR_clear_error();
  return message;
}

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

const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

std::string hex_lower(std::span<const unsigned char> bytes) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4U]);
    out.push_back(kDigits[b & 0x0FU]);
  }
  return out;
}

void Sha256Hasher::CtxFree::operator()(EVP_MD_CTX* ctx) const noexcept {
  EVP_MD_CTX_free(ctx);
}

Result<Sha256Hasher> Sha256Hasher::create() {
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx{EVP_MD_CTX_new()};
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return core::fail(ErrorCode::kInternal, openssl_error("SHA-256 init failed"));
  }
  return Sha256Hasher{std::move(ctx)};
}

Status Sha256Hasher::update(std::string_view data) {
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
    return core::fail(ErrorCode::kInternal, openssl_error("SHA-256 update failed"));
  }
  return {};
}

Result<Sha256Digest> Sha256Hasher::finish() {
  Sha256Digest digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), digest.data(), &length) != 1 || length != digest.size()) {
    return core::fail(ErrorCode::kInternal, openssl_error("SHA-256 final failed"));
  }
  return digest;
}

Result<Sha256Digest> sha256(std::string_view data) {
  auto hasher = Sha256Hasher::create();
  if (!hasher) return std::unexpected(std::move(hasher.error()));
  if (auto st = hasher->update(data); !st) return std::unexpected(std::move(st.error()));
  return hasher->finish();
}

Result<std::string> sha256_hex(std::string_view data) {
  auto digest = sha256(data);
  if (!digest) return std::unexpected(std::move(digest.error()));
  return hex_lower(*digest);
}

Result<Sha256Digest> hmac_sha256(std::span<const unsigned char> key, std::string_view data) {
  const EVP_MAC* algorithm = hmac_algorithm();
  if (algorithm == nullptr) {
    return core::fail(ErrorCode::kInternal, openssl_error("HMAC is not available"));
  }
  // EVP_MAC_CTX_new takes a non-const EVP_MAC only for reference counting.
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx{EVP_MAC_CTX_new(const_cast<EVP_MAC*>(algorithm))};
  static char kDigestName[] = "SHA256";
  const std::array<OSSL_PARAM, 2> params{
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, kDigestName, 0),
      OSSL_PARAM_construct_end()};
  Sha256Digest mac{};
  std::size_t length = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params.data()) != 1 ||
      EVP_MAC_update(ctx.get(), bytes_of(data), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), mac.data(), &length, mac.size()) != 1 || length != mac.size()) {
    return core::fail(ErrorCode::kInternal, openssl_error("HMAC-SHA256 failed"));
  }
  return mac;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace toq::aws
