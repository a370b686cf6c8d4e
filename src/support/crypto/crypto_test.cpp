// Unit tests of toq_support_crypto: digests (one-shot and streaming), HMAC, random hex and
// constant-time comparison.

#include <cstddef>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "support/base64.hpp"
#include "support/crypto/digest.hpp"
#include "support/crypto/hmac.hpp"
#include "support/crypto/random.hpp"
#include "support/hex.hpp"

namespace toq::support {
namespace {

// ---- digests ----

TEST(Crypto, KnownAnswers) {
  EXPECT_EQ(sha256_hex("abc").value(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("").value(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string key = "Jefe";  // RFC 4231, test case 2
  const auto mac =
      hmac_sha256(std::span{reinterpret_cast<const unsigned char*>(key.data()), key.size()},
                  "what do ya want for nothing?");
  ASSERT_TRUE(mac.has_value());
  EXPECT_EQ(hex_lower(*mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// hmac_sha256 keeps a context per thread and restarts it without re-keying when the key repeats:
// RFC 4231's test cases 1 and 2 interleaved, each repeated, must give their published MACs.
TEST(Crypto, HmacWithRepeatedAndAlternatingKeys) {
  const std::string jefe = "Jefe";
  const std::vector<unsigned char> key20(20, 0x0b);
  const auto jefe_mac = [&] {
    return hex_lower(
        hmac_sha256(std::span{reinterpret_cast<const unsigned char*>(jefe.data()), jefe.size()},
                    "what do ya want for nothing?")
            .value());
  };
  const auto case1_mac = [&] { return hex_lower(hmac_sha256(key20, "Hi There").value()); };
  const std::string kJefe = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  const std::string kCase1 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(jefe_mac(), kJefe);
    EXPECT_EQ(jefe_mac(), kJefe);
    EXPECT_EQ(case1_mac(), kCase1);
    EXPECT_EQ(case1_mac(), kCase1);
  }
}

TEST(Crypto, IncrementalHashEqualsOneShot) {
  auto hasher = Sha256::create();
  ASSERT_TRUE(hasher.has_value());
  ASSERT_TRUE(hasher->update("Welcome to ").has_value());
  ASSERT_TRUE(hasher->update("Amazon S3.").has_value());
  const auto digest = hasher->finish();
  ASSERT_TRUE(digest.has_value());
  EXPECT_EQ(hex_lower(*digest), sha256_hex("Welcome to Amazon S3.").value());
}

// RFC 1321, appendix A.5; the base64 form is what Content-MD5 carries.
TEST(Crypto, Md5KnownAnswers) {
  EXPECT_EQ(base64_encode(*md5("")), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(hex_lower(md5("").value()), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex_lower(md5("abc").value()), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex_lower(md5("message digest").value()), "f96b697d7cb7938d525a2f31aaf161d0");
}

TEST(Crypto, StreamingDigestsMatchOneShotForBothKinds) {
  const std::string text = "The quick brown fox jumps over the lazy dog";
  auto md5_stream = Md5::create();
  auto sha_stream = Sha256::create();
  ASSERT_TRUE(md5_stream.has_value());
  ASSERT_TRUE(sha_stream.has_value());
  for (std::size_t i = 0; i < text.size(); i += 7) {
    const std::string_view piece = std::string_view{text}.substr(i, 7);
    ASSERT_TRUE(md5_stream->update(std::as_bytes(std::span{piece})).has_value());
    ASSERT_TRUE(sha_stream->update(piece).has_value());
  }
  ASSERT_TRUE(md5_stream->update(std::span<const std::byte>{}).has_value());  // empty: no-op
  const auto md5_digest = md5_stream->finish();
  const auto sha_digest = sha_stream->finish();
  ASSERT_TRUE(md5_digest.has_value());
  ASSERT_TRUE(sha_digest.has_value());
  EXPECT_EQ(md5_digest->size(), kMd5Size);
  EXPECT_EQ(sha_digest->size(), kSha256Size);
  EXPECT_EQ(hex_lower(*md5_digest), "9e107d9d372bb6826bd81d3542a419d6");
  EXPECT_EQ(hex_lower(*md5_digest), hex_lower(md5(text).value()));
  EXPECT_EQ(hex_lower(*sha_digest), sha256_hex(text).value());
}

TEST(Crypto, RandomHexHasTheAskedLengthAndVaries) {
  std::set<std::string> seen;
  for (int i = 0; i < 8; ++i) {
    const auto hex = random_hex(12);
    ASSERT_TRUE(hex.has_value());
    EXPECT_EQ(hex->size(), 24U);
    EXPECT_TRUE(hex_decode(*hex).has_value()) << *hex;
    EXPECT_EQ(hex_lower(*hex_decode(*hex)), *hex) << "lower-case";
    seen.insert(*hex);
  }
  EXPECT_EQ(seen.size(), 8U);
  EXPECT_EQ(random_hex(0).value(), "");
}

TEST(Crypto, ProcessInstanceIdIsHostPidAndRandomSuffix) {
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  const std::string prefix = std::string(host) + ":" + std::to_string(::getpid()) + ":";
  const auto a = process_instance_id();
  const auto b = process_instance_id();
  ASSERT_TRUE(a.has_value()) << a.error().message;
  ASSERT_TRUE(b.has_value()) << b.error().message;
  ASSERT_TRUE(a->starts_with(prefix)) << *a;
  const std::string suffix = a->substr(prefix.size());
  EXPECT_EQ(suffix.size(), 8U) << *a;
  EXPECT_TRUE(hex_decode(suffix).has_value()) << *a;
  EXPECT_NE(*a, *b) << "two ids of one process differ in their random part";
}

TEST(Crypto, ProcessInstanceIdFailsClearlyWhenTheRandomSourceFails) {
  const auto id = process_instance_id([](std::size_t) -> core::Result<std::string> {
    return core::fail(core::ErrorCode::kInternal, "RAND_bytes failed: entropy source error");
  });
  ASSERT_FALSE(id.has_value()) << "no fixed stand-in: " << *id;
  EXPECT_EQ(id.error().code, core::ErrorCode::kInternal);
  EXPECT_NE(id.error().message.find("cannot name this process"), std::string::npos)
      << id.error().message;
  EXPECT_NE(id.error().message.find("RAND_bytes failed"), std::string::npos) << id.error().message;
  EXPECT_FALSE(id.error().hint.empty());
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

}  // namespace
}  // namespace toq::support
