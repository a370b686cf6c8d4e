#include "support/crypto/digest.hpp"

#include <algorithm>
#include <array>
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

// The digest of `data` in one go.
template <class Hash, class Digest>
core::Result<Digest> one_shot(std::string_view data) {
  auto hash = Hash::create();
  if (!hash) return std::unexpected(std::move(hash.error()));
  if (auto st = hash->update(data); !st) return std::unexpected(std::move(st.error()));
  return hash->finish();
}

}  // namespace

core::Result<Sha256> Sha256::create() {
  auto ctx = start(EVP_sha256(), "SHA-256");
  if (!ctx) return std::unexpected(std::move(ctx.error()));
  return Sha256{"SHA-256", std::move(*ctx)};
}

core::Result<Sha256Digest> Sha256::finish() {
  Sha256Digest out{};
  if (auto st = finish_into(out); !st) return std::unexpected(std::move(st.error()));
  return out;
}

core::Result<Md5> Md5::create() {
  auto ctx = start(EVP_md5(), "MD5");
  if (!ctx) return std::unexpected(std::move(ctx.error()));
  return Md5{"MD5", std::move(*ctx)};
}

core::Result<Md5Digest> Md5::finish() {
  Md5Digest out{};
  if (auto st = finish_into(out); !st) return std::unexpected(std::move(st.error()));
  return out;
}

core::Result<Sha256Digest> sha256(std::string_view data) {
  return one_shot<Sha256, Sha256Digest>(data);
}

core::Result<std::string> sha256_hex(std::string_view data) {
  auto digest = sha256(data);
  if (!digest) return std::unexpected(std::move(digest.error()));
  return hex_lower(*digest);
}

core::Result<Md5Digest> md5(std::string_view data) {
  return one_shot<Md5, Md5Digest>(data);
}

}  // namespace toq::support
