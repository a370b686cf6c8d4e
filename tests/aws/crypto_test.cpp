// Unit tests of the shared byte helpers of adapter/aws/crypto.hpp: digests (one-shot and
// streaming), HMAC, random hex, constant-time comparison, hex, base64 and ETag quoting.

#include "adapter/aws/crypto.hpp"

#include <cstddef>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapter/aws/sigv4.hpp"

namespace toq::aws {
namespace {

std::vector<unsigned char> bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

// ---- digests ----

TEST(Crypto, KnownAnswers) {
  EXPECT_EQ(sha256_hex("abc").value(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("").value(), kEmptyPayloadSha256);
  const std::string key = "Jefe";  // RFC 4231, test case 2
  const auto mac =
      hmac_sha256(std::span{reinterpret_cast<const unsigned char*>(key.data()), key.size()},
                  "what do ya want for nothing?");
  ASSERT_TRUE(mac.has_value());
  EXPECT_EQ(hex_lower(*mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, IncrementalHashEqualsOneShot) {
  auto hasher = Digest::create(Digest::Kind::kSha256);
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
  auto md5_stream = Digest::create(Digest::Kind::kMd5);
  auto sha_stream = Digest::create(Digest::Kind::kSha256);
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

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

// ---- hex ----

TEST(Hex, EncodesLowerCaseAndDecodesEitherCase) {
  EXPECT_EQ(hex_lower(bytes("")), "");
  EXPECT_EQ(hex_lower(std::vector<unsigned char>{0x00, 0x0F, 0xA5, 0xFF}), "000fa5ff");
  EXPECT_EQ(hex_decode("000fa5ff"), (std::vector<unsigned char>{0x00, 0x0F, 0xA5, 0xFF}));
  EXPECT_EQ(hex_decode("000FA5FF"), (std::vector<unsigned char>{0x00, 0x0F, 0xA5, 0xFF}));
  EXPECT_EQ(hex_decode(""), std::vector<unsigned char>{});
}

TEST(Hex, DecodeRejectsOddLengthAndNonHex) {
  EXPECT_FALSE(hex_decode("abc").has_value());
  EXPECT_FALSE(hex_decode("0g").has_value());
  EXPECT_FALSE(hex_decode("g0").has_value());
  EXPECT_FALSE(hex_decode(" 0").has_value());
  EXPECT_FALSE(hex_decode("0x").has_value());
}

TEST(Hex, ValueOfEachDigit) {
  EXPECT_EQ(hex_value('0'), 0);
  EXPECT_EQ(hex_value('9'), 9);
  EXPECT_EQ(hex_value('a'), 10);
  EXPECT_EQ(hex_value('F'), 15);
  EXPECT_EQ(hex_value('g'), -1);
  EXPECT_EQ(hex_value('G'), -1);
  EXPECT_EQ(hex_value('%'), -1);
  EXPECT_EQ(hex_value('\0'), -1);
}

// ---- base64 ----

TEST(Base64, MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  // The byte-span overload spells the same thing.
  EXPECT_EQ(base64_encode(bytes("fooba")), "Zm9vYmE=");
  EXPECT_EQ(base64_encode(std::vector<unsigned char>{0xFB, 0xFF}), "+/8=");
}

TEST(Base64, DecodesWhatItEncodes) {
  for (const std::string_view text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    EXPECT_EQ(base64_decode(base64_encode(text)), bytes(text)) << text;
  }
  std::vector<unsigned char> all(256);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<unsigned char>(i);
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
}

TEST(Base64, DecodeIsStrict) {
  EXPECT_FALSE(base64_decode("Zg=").has_value()) << "length not a multiple of 4";
  EXPECT_FALSE(base64_decode("Zg").has_value()) << "padding dropped";
  EXPECT_FALSE(base64_decode("Z-8=").has_value()) << "URL-safe alphabet";
  EXPECT_FALSE(base64_decode("Zm 8").has_value()) << "whitespace";
  EXPECT_FALSE(base64_decode("Zg==Zm9v").has_value()) << "padding before the last group";
  EXPECT_FALSE(base64_decode("Z===").has_value()) << "padding in the second symbol";
  EXPECT_FALSE(base64_decode("====").has_value());
  EXPECT_FALSE(base64_decode("Zm=v").has_value()) << "data after '='";
  EXPECT_FALSE(base64_decode("Zh==").has_value()) << "non-zero bits under '=='";
  EXPECT_FALSE(base64_decode("Zm9=").has_value()) << "non-zero bits under '='";
  EXPECT_EQ(base64_decode("Zg=="), bytes("f"));
  EXPECT_EQ(base64_decode("Zm8="), bytes("fo"));
}

// ---- S3 ETags ----

TEST(ETag, QuoteAndUnquote) {
  EXPECT_EQ(quote_etag("abc"), "\"abc\"");
  EXPECT_EQ(quote_etag(""), "\"\"");
  EXPECT_EQ(unquote_etag("\"abc\""), "abc");
  EXPECT_EQ(unquote_etag("abc"), "abc");
  EXPECT_EQ(unquote_etag("\"\""), "");
  EXPECT_EQ(unquote_etag("\""), "\"") << "a lone quote is not a pair";
  EXPECT_EQ(unquote_etag("\"abc"), "\"abc");
  EXPECT_EQ(unquote_etag("\"\"abc\"\""), "\"abc\"") << "one pair only";
  EXPECT_EQ(unquote_etag(quote_etag("d41d8cd98f00b204e9800998ecf8427e-2")),
            "d41d8cd98f00b204e9800998ecf8427e-2");
}

}  // namespace
}  // namespace toq::aws
