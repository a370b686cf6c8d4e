#pragma once
// SHA-256 and MD5 digests, one-shot and streaming (bodies that arrive in pieces). OpenSSL 3 EVP
// underneath; an OpenSSL failure becomes an INTERNAL core::Error. A streaming digest is not
// copyable and not shared between threads; the one-shot functions are thread-safe.

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <openssl/types.h>

#include "core/model/error.hpp"

namespace toq::support {

inline constexpr std::size_t kMd5Size = 16;
inline constexpr std::size_t kSha256Size = 32;
using Md5Digest = std::array<unsigned char, kMd5Size>;
using Sha256Digest = std::array<unsigned char, kSha256Size>;

namespace detail {
// One EVP digest context; Sha256 and Md5 are this with their algorithm and size fixed.
class EvpDigest {
 public:
  core::Status update(std::span<const std::byte> data);
  core::Status update(std::string_view data);

 protected:
  struct CtxFree {
    void operator()(EVP_MD_CTX* ctx) const noexcept;
  };
  EvpDigest(std::string_view name, std::unique_ptr<EVP_MD_CTX, CtxFree> ctx)
      : name_(name), ctx_(std::move(ctx)) {}
  static core::Result<std::unique_ptr<EVP_MD_CTX, CtxFree>> start(const EVP_MD* md,
                                                                  std::string_view name);
  core::Status finish_into(std::span<unsigned char> out);

 private:
  std::string_view name_;
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx_;
};
}  // namespace detail

// A streaming SHA-256: create(), update() any number of times, finish() once.
class Sha256 final : public detail::EvpDigest {
 public:
  static core::Result<Sha256> create();
  core::Result<Sha256Digest> finish();

 private:
  using EvpDigest::EvpDigest;
};

// A streaming MD5 (S3's ETag of a single PUT; never used for security).
class Md5 final : public detail::EvpDigest {
 public:
  static core::Result<Md5> create();
  core::Result<Md5Digest> finish();

 private:
  using EvpDigest::EvpDigest;
};

core::Result<Sha256Digest> sha256(std::string_view data);
// hex_lower(sha256(data)): payload hashes and SigV4's canonical request hash.
core::Result<std::string> sha256_hex(std::string_view data);
core::Result<Md5Digest> md5(std::string_view data);

}  // namespace toq::support
