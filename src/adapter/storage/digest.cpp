#include "adapter/storage/digest.hpp"

#include <array>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace toq::storage {
namespace {

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

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void Digest::CtxFree::operator()(EVP_MD_CTX* ctx) const noexcept {
  EVP_MD_CTX_free(ctx);
}

Result<Digest> Digest::create(Kind kind) {
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx{EVP_MD_CTX_new()};
  const EVP_MD* md = kind == Kind::kMd5 ? EVP_md5() : EVP_sha256();
  if (!ctx || md == nullptr || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) {
    return core::fail(core::ErrorCode::kInternal, openssl_error("digest init failed"));
  }
  return Digest{std::move(ctx)};
}

Status Digest::update(std::span<const std::byte> data) {
  if (data.empty()) return {};
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
    return core::fail(core::ErrorCode::kInternal, openssl_error("digest update failed"));
  }
  return {};
}

Status Digest::update(std::string_view data) {
  return update(std::as_bytes(std::span{data}));
}

Result<std::vector<unsigned char>> Digest::finish() {
  std::vector<unsigned char> out(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &length) != 1) {
    return core::fail(core::ErrorCode::kInternal, openssl_error("digest final failed"));
  }
  out.resize(length);
  return out;
}

std::string to_hex(std::span<const unsigned char> bytes) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4U]);
    out.push_back(kDigits[b & 0x0FU]);
  }
  return out;
}

std::string to_base64(std::span<const unsigned char> bytes) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (unsigned{bytes[i]} << 16U) | (unsigned{bytes[i + 1]} << 8U) | bytes[i + 2];
    out.push_back(kAlphabet[(v >> 18U) & 63U]);
    out.push_back(kAlphabet[(v >> 12U) & 63U]);
    out.push_back(kAlphabet[(v >> 6U) & 63U]);
    out.push_back(kAlphabet[v & 63U]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = unsigned{bytes[i]} << 16U;
    if (rest == 2) v |= unsigned{bytes[i + 1]} << 8U;
    out.push_back(kAlphabet[(v >> 18U) & 63U]);
    out.push_back(kAlphabet[(v >> 12U) & 63U]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6U) & 63U] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::vector<unsigned char>> from_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  const auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::vector<unsigned char> out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::array<int, 4> v{};
    int padding = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && last && j >= 2) {
        ++padding;
        v[j] = 0;
        continue;
      }
      if (padding > 0) return std::nullopt;  // data after '='
      v[j] = value(c);
      if (v[j] < 0) return std::nullopt;
    }
    const auto n = static_cast<unsigned>((v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3]);
    out.push_back(static_cast<unsigned char>(n >> 16U));
    if (padding < 2) out.push_back(static_cast<unsigned char>((n >> 8U) & 0xFFU));
    if (padding < 1) out.push_back(static_cast<unsigned char>(n & 0xFFU));
    // Canonical form only: the bits dropped by the padding must be zero.
    if ((padding == 2 && (n & 0xFFFFU) != 0) || (padding == 1 && (n & 0xFFU) != 0)) {
      return std::nullopt;
    }
  }
  return out;
}

std::optional<std::vector<unsigned char>> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::vector<unsigned char> out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_value(text[i]);
    const int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<unsigned char>((hi << 4) | lo));
  }
  return out;
}

bool is_sha256_base64(std::string_view text) {
  const auto bytes = from_base64(text);
  return bytes && bytes->size() == 32;
}

std::string quote_etag(std::string_view hex) {
  return "\"" + std::string{hex} + "\"";
}

std::string_view unquote_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

Result<std::string> random_hex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1) {
    return core::fail(core::ErrorCode::kInternal, openssl_error("RAND_bytes failed"));
  }
  return to_hex(buffer);
}

}  // namespace toq::storage
