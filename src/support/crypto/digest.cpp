#include "support/crypto/digest.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <utility>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "support/crypto/openssl_error.hpp"
#include "support/hex.hpp"

namespace toq::support {

namespace detail {

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

void EvpDigest::CtxFree::operator()(EVP_MD_CTX* ctx) const noexcept {
  EVP_MD_CTX_free(ctx);
}

core::Result<std::unique_ptr<EVP_MD_CTX, EvpDigest::CtxFree>> EvpDigest::start(
    const EVP_MD* md, std::string_view name) {
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx{EVP_MD_CTX_new()};
  if (!ctx || md == nullptr || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) {
    return core::fail(core::ErrorCode::kInternal,
                      openssl_error(std::string{name} + " init failed"));
  }
  return ctx;
}

core::Status EvpDigest::update(std::span<const std::byte> data) {
  if (data.empty()) return {};
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
    return core::fail(core::ErrorCode::kInternal,
                      openssl_error(std::string{name_} + " update failed"));
  }
  return {};
}

core::Status EvpDigest::update(std::string_view data) {
  return update(std::as_bytes(std::span{data}));
}

core::Status EvpDigest::finish_into(std::span<unsigned char> out) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> buffer{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), buffer.data(), &length) != 1) {
    return core::fail(core::ErrorCode::kInternal,
                      openssl_error(std::string{name_} + " final failed"));
  }
  if (length != out.size()) {
    return core::fail(core::ErrorCode::kInternal,
                      std::string{name_} + " gave a digest of unexpected length");
  }
  std::copy_n(buffer.begin(), length, out.begin());
  return {};
}

}  // namespace detail

namespace {

struct MdFree {
  void operator()(EVP_MD* md) const noexcept { EVP_MD_free(md); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

// Fetched once: EVP_sha256() is fetched again by every EVP_DigestInit_ex (OpenSSL 3's implicit
// fetch, under a lock), which cost more than hashing a presigned URL's canonical request. A
// fetched EVP_MD is immutable and may be shared by threads.
const EVP_MD* sha256_algorithm() {
  static const std::unique_ptr<EVP_MD, MdFree> kSha256{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
  return kSha256.get();
}
const EVP_MD* md5_algorithm() {
  static const std::unique_ptr<EVP_MD, MdFree> kMd5{EVP_MD_fetch(nullptr, "MD5", nullptr)};
  return kMd5.get();
}

// The digest of `data` in one go, on a context kept per thread (no allocation per call).
template <class Digest>
core::Result<Digest> one_shot(const EVP_MD* md, std::string_view name, std::string_view data) {
  thread_local const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx{EVP_MD_CTX_new()};
  Digest out{};
  unsigned int length = 0;
  if (!ctx || md == nullptr || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &length) != 1) {
    return core::fail(core::ErrorCode::kInternal,
                      detail::openssl_error(std::string{name} + " failed"));
  }
  if (length != out.size()) {
    return core::fail(core::ErrorCode::kInternal,
                      std::string{name} + " gave a digest of unexpected length");
  }
  return out;
}

}  // namespace

core::Result<Sha256> Sha256::create() {
  auto ctx = start(sha256_algorithm(), "SHA-256");
  if (!ctx) return std::unexpected(std::move(ctx.error()));
  return Sha256{"SHA-256", std::move(*ctx)};
}

core::Result<Sha256Digest> Sha256::finish() {
  Sha256Digest out{};
  if (auto st = finish_into(out); !st) return std::unexpected(std::move(st.error()));
  return out;
}

core::Result<Md5> Md5::create() {
  auto ctx = start(md5_algorithm(), "MD5");
  if (!ctx) return std::unexpected(std::move(ctx.error()));
  return Md5{"MD5", std::move(*ctx)};
}

core::Result<Md5Digest> Md5::finish() {
  Md5Digest out{};
  if (auto st = finish_into(out); !st) return std::unexpected(std::move(st.error()));
  return out;
}

core::Result<Sha256Digest> sha256(std::string_view data) {
  return one_shot<Sha256Digest>(sha256_algorithm(), "SHA-256", data);
}

core::Result<std::string> sha256_hex(std::string_view data) {
  auto digest = sha256(data);
  if (!digest) return std::unexpected(std::move(digest.error()));
  return hex_lower(*digest);
}

core::Result<Md5Digest> md5(std::string_view data) {
  return one_shot<Md5Digest>(md5_algorithm(), "MD5", data);
}

}  // namespace toq::support
