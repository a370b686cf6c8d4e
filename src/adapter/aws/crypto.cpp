#include "adapter/aws/crypto.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

namespace toq::aws {

namespace {

using core::ErrorCode;

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

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

std::string_view kind_name(Digest::Kind kind) {
  return kind == Digest::Kind::kMd5 ? "MD5" : "SHA-256";
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

// The digest of `data` in one go, as a fixed-size array of the kind's length.
template <std::size_t N>
Result<std::array<unsigned char, N>> digest_of(Digest::Kind kind, std::string_view data) {
  auto digest = Digest::create(kind);
  if (!digest) return std::unexpected(std::move(digest.error()));
  if (auto st = digest->update(data); !st) return std::unexpected(std::move(st.error()));
  auto bytes = digest->finish();
  if (!bytes) return std::unexpected(std::move(bytes.error()));
  if (bytes->size() != N) {
    return core::fail(ErrorCode::kInternal,
                      std::string{kind_name(kind)} + " gave a digest of unexpected length");
  }
  std::array<unsigned char, N> out{};
  std::ranges::copy(*bytes, out.begin());
  return out;
}

// The value of one base64 symbol of the standard alphabet, or -1.
int base64_value(char c) {
  const auto at = kBase64Alphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

}  // namespace

// ---- digests ----

void Digest::CtxFree::operator()(EVP_MD_CTX* ctx) const noexcept {
  EVP_MD_CTX_free(ctx);
}

Result<Digest> Digest::create(Kind kind) {
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx{EVP_MD_CTX_new()};
  const EVP_MD* md = kind == Kind::kMd5 ? EVP_md5() : EVP_sha256();
  if (!ctx || md == nullptr || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) {
    return core::fail(ErrorCode::kInternal,
                      openssl_error(std::string{kind_name(kind)} + " init failed"));
  }
  return Digest{kind, std::move(ctx)};
}

Status Digest::update(std::span<const std::byte> data) {
  if (data.empty()) return {};
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
    return core::fail(ErrorCode::kInternal,
                      openssl_error(std::string{kind_name(kind_)} + " update failed"));
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
    return core::fail(ErrorCode::kInternal,
                      openssl_error(std::string{kind_name(kind_)} + " final failed"));
  }
  out.resize(length);
  return out;
}

Result<Md5Digest> md5(std::string_view data) {
  return digest_of<kMd5Size>(Digest::Kind::kMd5, data);
}

Result<Sha256Digest> sha256(std::string_view data) {
  return digest_of<kSha256Size>(Digest::Kind::kSha256, data);
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

Result<std::string> random_hex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1) {
    return core::fail(ErrorCode::kInternal, openssl_error("RAND_bytes failed"));
  }
  return hex_lower(buffer);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// ---- hex ----

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

std::optional<std::vector<unsigned char>> hex_decode(std::string_view text) {
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

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ---- base64 ----

std::string base64_encode(std::span<const unsigned char> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (unsigned{bytes[i]} << 16U) | (unsigned{bytes[i + 1]} << 8U) | bytes[i + 2];
    out.push_back(kBase64Alphabet[(v >> 18U) & 63U]);
    out.push_back(kBase64Alphabet[(v >> 12U) & 63U]);
    out.push_back(kBase64Alphabet[(v >> 6U) & 63U]);
    out.push_back(kBase64Alphabet[v & 63U]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = unsigned{bytes[i]} << 16U;
    if (rest == 2) v |= unsigned{bytes[i + 1]} << 8U;
    out.push_back(kBase64Alphabet[(v >> 18U) & 63U]);
    out.push_back(kBase64Alphabet[(v >> 12U) & 63U]);
    out.push_back(rest == 2 ? kBase64Alphabet[(v >> 6U) & 63U] : '=');
    out.push_back('=');
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  return base64_encode(std::span{bytes_of(bytes), bytes.size()});
}

std::optional<std::vector<unsigned char>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
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
      v[j] = base64_value(c);
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

// ---- S3 ETags ----

std::string quote_etag(std::string_view hex) {
  return "\"" + std::string{hex} + "\"";
}

std::string_view unquote_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

}  // namespace toq::aws
