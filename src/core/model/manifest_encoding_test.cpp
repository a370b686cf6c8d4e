// The text checks the manifest rules rest on: is_base64_sha256 and utf8_length.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/model/manifest.hpp"
#include "core/model/manifest_test_support.hpp"

namespace toq::core {
namespace {

using namespace toq::core::manifest_test;  // NOLINT(google-build-using-namespace)

TEST(IsBase64Sha256, AcceptsCanonicalDigests) {
  EXPECT_TRUE(is_base64_sha256(kEmptySha));
  EXPECT_TRUE(is_base64_sha256(kToqSha));
  EXPECT_TRUE(is_base64_sha256("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
  EXPECT_TRUE(is_base64_sha256("//////////////////////////////////////////8="));
}

TEST(IsBase64Sha256, RejectsWrongLength) {
  EXPECT_FALSE(is_base64_sha256(""));
  EXPECT_FALSE(is_base64_sha256(kEmptySha.substr(0, 43)));  // padding dropped
  EXPECT_FALSE(is_base64_sha256(std::string("A") + std::string(kEmptySha)));
  EXPECT_FALSE(is_base64_sha256(std::string(kEmptySha) + "="));
  // 31 and 33 bytes encode to 44 characters too.
  EXPECT_FALSE(is_base64_sha256("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="));
  EXPECT_FALSE(is_base64_sha256("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
}

TEST(IsBase64Sha256, RejectsCharactersOutsideTheAlphabet) {
  for (char c : {'*', ' ', '.', '\0', '=', '\n', '%'}) {
    for (std::size_t pos : {std::size_t{0}, std::size_t{20}, std::size_t{42}}) {
      std::string s(kEmptySha);
      s[pos] = c;
      EXPECT_FALSE(is_base64_sha256(s)) << "char " << int{c} << " at " << pos;
    }
  }
  std::string non_ascii(kEmptySha);
  non_ascii[5] = '\xC3';
  EXPECT_FALSE(is_base64_sha256(non_ascii));
}

TEST(IsBase64Sha256, RejectsNonCanonicalPaddingBits) {
  // 'U' = 20 = 0b010100; 'V', 'W', 'X' set the two padding bits.
  std::string s(kEmptySha);
  for (char c : {'V', 'W', 'X'}) {
    s[42] = c;
    EXPECT_FALSE(is_base64_sha256(s)) << c;
  }
  // Of the 64 symbols exactly the 16 multiples of 4 can end a 32-byte digest.
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  int accepted = 0;
  for (std::size_t v = 0; v < kAlphabet.size(); ++v) {
    s[42] = kAlphabet[v];
    EXPECT_EQ(is_base64_sha256(s), v % 4 == 0) << kAlphabet[v];
    accepted += is_base64_sha256(s) ? 1 : 0;
  }
  EXPECT_EQ(accepted, 16);
}

TEST(IsBase64Sha256, RejectsUrlSafeAlphabet) {
  EXPECT_FALSE(is_base64_sha256("_7FbkP-xKzUMJS75jnnx-7ksf-vPol6gpHIzkXp8qGY="));
  EXPECT_FALSE(is_base64_sha256("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU="));
}

TEST(IsBase64Sha256, RejectsHex) {
  EXPECT_FALSE(
      is_base64_sha256("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  EXPECT_FALSE(
      is_base64_sha256("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
}

// ---- utf8_length ----

TEST(Utf8Length, CountsCodePoints) {
  EXPECT_EQ(utf8_length(""), 0U);
  EXPECT_EQ(utf8_length("abc"), 3U);
  EXPECT_EQ(utf8_length(std::string_view("a\0b", 3)), 3U);  // NUL is valid UTF-8
  EXPECT_EQ(utf8_length(kE2), 1U);
  EXPECT_EQ(utf8_length(kEuro3), 1U);
  EXPECT_EQ(utf8_length(kEmoji4), 1U);
  EXPECT_EQ(utf8_length(repeat(kEmoji4, 5) + "x" + std::string(kE2)), 7U);
}

TEST(Utf8Length, AcceptsBoundaryCodePoints) {
  EXPECT_EQ(utf8_length("\x7F"), 1U);              // U+007F
  EXPECT_EQ(utf8_length("\xC2\x80"), 1U);          // U+0080, smallest 2-byte
  EXPECT_EQ(utf8_length("\xDF\xBF"), 1U);          // U+07FF
  EXPECT_EQ(utf8_length("\xE0\xA0\x80"), 1U);      // U+0800, smallest 3-byte
  EXPECT_EQ(utf8_length("\xED\x9F\xBF"), 1U);      // U+D7FF, just below the surrogates
  EXPECT_EQ(utf8_length("\xEE\x80\x80"), 1U);      // U+E000, just above them
  EXPECT_EQ(utf8_length("\xEF\xBF\xBF"), 1U);      // U+FFFF
  EXPECT_EQ(utf8_length("\xF0\x90\x80\x80"), 1U);  // U+10000, smallest 4-byte
  EXPECT_EQ(utf8_length("\xF4\x8F\xBF\xBF"), 1U);  // U+10FFFF, the last code point
}

TEST(Utf8Length, RejectsOverlongForms) {
  for (const std::string_view bad : {"\xC0\xAF", "\xC1\xBF", "\xC0\x80", "\xE0\x80\xAF",
                                     "\xE0\x9F\xBF", "\xF0\x80\x80\xAF", "\xF0\x8F\xBF\xBF"}) {
    EXPECT_EQ(utf8_length(bad), std::nullopt) << fmt::format("{:?}", bad);
  }
}

TEST(Utf8Length, RejectsSurrogates) {
  for (const std::string_view bad : {"\xED\xA0\x80", "\xED\xAF\xBF", "\xED\xB0\x80", "\xED\xBF\xBF",
                                     "\xED\xA0\xBD\xED\xB3\xB7"}) {  // last: a CESU-8 pair
    EXPECT_EQ(utf8_length(bad), std::nullopt) << fmt::format("{:?}", bad);
  }
}

TEST(Utf8Length, RejectsCodePointsAboveTheLast) {
  for (const std::string_view bad : {"\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xF7\xBF\xBF\xBF",
                                     "\xF8\x88\x80\x80\x80", "\xFC\x84\x80\x80\x80\x80"}) {
    EXPECT_EQ(utf8_length(bad), std::nullopt) << fmt::format("{:?}", bad);
  }
}

TEST(Utf8Length, StopsAtTheEndOfTheView) {
  // The bytes after the view would complete the sequence; they are not part of the text.
  constexpr std::string_view kEuro = "\xE2\x82\xAC";
  EXPECT_EQ(utf8_length(kEuro.substr(0, 2)), std::nullopt);
  EXPECT_EQ(utf8_length(kEuro.substr(0, 1)), std::nullopt);
  constexpr std::string_view kCamera = "\xF0\x9F\x93\xB7";
  EXPECT_EQ(utf8_length(kCamera.substr(0, 3)), std::nullopt);
  EXPECT_EQ(utf8_length(kCamera), 1U);
}

TEST(Utf8Length, RejectsTruncatedAndStrayBytes) {
  for (const std::string_view bad :
       {"\xC3", "a\xE2\x82", "\xF0\x9F\x93", "\x80", "a\xBF", "\xFE", "\xFF",
        "\xE2\x28\xA1",      // second byte not a continuation
        "\xE2\x82\x28",      // third byte not a continuation
        "\xF0\x9F\x93\x28",  // fourth byte not a continuation
        "\xC3\xA9\xA9"}) {   // one continuation too many
    EXPECT_EQ(utf8_length(bad), std::nullopt) << fmt::format("{:?}", bad);
  }
}

}  // namespace
}  // namespace toq::core
