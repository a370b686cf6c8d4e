// JWT attacks against the real `toq-media serve`, configured with an HS256 secret, an issuer and
// an audience: every forged, expired, early, misdirected or garbage token gets 401
// UNAUTHENTICATED (with WWW-Authenticate: Bearer), while the server keeps serving, and the same
// claims correctly signed pass. Tokens are built by hand here (OpenSSL HMAC, base64url), not by
// the code under test.

#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "http/serve_process.hpp"
#include "http/served_suite.hpp"
#include "storage/http_client.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

constexpr const char* kSecret = "an-hs256-secret-of-at-least-32-bytes!";
constexpr const char* kIssuer = "https://auth.toq.example";
constexpr const char* kAudience = "toq-media";

std::string b64url(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  for (auto& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string signed_token(const nlohmann::json& header, const nlohmann::json& claims,
                         std::string_view key = kSecret, const EVP_MD* md = EVP_sha256()) {
  const std::string input = b64url(header.dump()) + "." + b64url(claims.dump());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + b64url(std::string_view(reinterpret_cast<const char*>(mac), len));
}

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::json claims(std::int64_t exp_offset = 600) {
  return {{"sub", "1"},
          {"role", "service"},
          {"iss", kIssuer},
          {"aud", kAudience},
          {"exp", now_s() + exp_offset}};
}

const nlohmann::json kHs256 = {{"alg", "HS256"}, {"typ", "JWT"}};

class JwtHttpTest : public ServedSuite<JwtHttpTest> {
 public:
  static std::map<std::string, std::string> server_env() {
    return {{"TOQ_MEDIA_AUTH_JWT_SECRET", kSecret},
            {"TOQ_MEDIA_AUTH_ISSUER", kIssuer},
            {"TOQ_MEDIA_AUTH_AUDIENCE", kAudience},
            {"TOQ_MEDIA_PROCESSING_START_WORKERS", "false"}};
  }

 protected:
  // GET of a listing that does not exist: 404 when authenticated, 401 otherwise.
  static HttpResult get_listing(const std::string& token) {
    HttpCall c;
    c.method = "GET";
    c.url = server().base_url() + "/api/v2/internal/listings/4242";
    c.headers.emplace_back("Authorization", "Bearer " + token);
    return http(c);
  }

  static void expect_rejected(const std::string& what, const std::string& token) {
    const auto r = get_listing(token);
    EXPECT_EQ(r.status, 401) << what << ": " << r.body;
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    EXPECT_EQ(body.value("code", ""), "UNAUTHENTICATED") << what;
    EXPECT_EQ(r.header("www-authenticate"), "Bearer") << what;
  }
};

TEST_F(JwtHttpTest, ACorrectlySignedTokenPasses) {
  const auto r = get_listing(signed_token(kHs256, claims()));
  EXPECT_EQ(r.status, 404) << r.body;  // authenticated; the listing just does not exist
}

TEST_F(JwtHttpTest, AttacksAreRejectedWith401) {
  const auto base = claims();
  auto expired = base;
  expired["exp"] = now_s() - 3600;  // beyond the 60 s leeway
  auto early = base;
  early["nbf"] = now_s() + 3600;
  auto wrong_iss = base;
  wrong_iss["iss"] = "https://evil.example";
  auto wrong_aud = base;
  wrong_aud["aud"] = "another-service";
  auto no_exp = base;
  no_exp.erase("exp");
  const std::string none_token = b64url(nlohmann::json{{"alg", "none"}, {"typ", "JWT"}}.dump()) +
                                 "." + b64url(base.dump()) + ".";
  const std::vector<std::pair<std::string, std::string>> attacks = {
      {"alg=none", none_token},
      {"alg=none with a signature", signed_token({{"alg", "none"}}, base)},
      {"HS256 with the wrong secret",
       signed_token(kHs256, base, "not-the-secret-but-32-bytes-long!")},
      {"HS512 with the right secret",
       signed_token({{"alg", "HS512"}}, base, kSecret, EVP_sha512())},
      {"expired", signed_token(kHs256, expired)},
      {"not yet valid", signed_token(kHs256, early)},
      {"wrong issuer", signed_token(kHs256, wrong_iss)},
      {"wrong audience", signed_token(kHs256, wrong_aud)},
      {"no exp", signed_token(kHs256, no_exp)},
      {"garbage", "garbage"},
      {"three dots of garbage", "a.b.c"},
      {"tampered payload",
       [&] {
         auto t = signed_token(kHs256, base);
         const auto first = t.find('.');
         auto forged = base;
         forged["role"] = "admin";
         return t.substr(0, first + 1) + b64url(forged.dump()) + t.substr(t.rfind('.'));
       }()},
  };
  for (const auto& [what, token] : attacks) {
    expect_rejected(what, token);
  }
  // Oversized tokens: just past the verifier's 8 KiB limit, and past the server's header limit
  // (64 KiB): each is a 401 JSON answer, never an empty 400, a 431 or a reset.
  for (const std::size_t size :
       {8UL * 1024 + 1, 9UL * 1024, 16UL * 1024, 60UL * 1024, 100UL * 1024}) {
    expect_rejected(fmt::format("a {}-byte token", size), std::string(size, 'a'));
  }
  // The server kept serving throughout.
  EXPECT_EQ(get_listing(signed_token(kHs256, claims())).status, 404);
}

}  // namespace
}  // namespace toq::testing
