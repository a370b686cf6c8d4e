// Unit tests of the encodings in toq_support: hex, base64 and entity-tag quoting.

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "support/base64.hpp"
#include "support/hex.hpp"
#include "support/http_syntax.hpp"

namespace toq::support {
namespace {

std::vector<unsigned char> bytes(std::string_view text) {
  return {text.begin(), text.end()};
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

// ---- entity tags ----

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
}  // namespace toq::support
