// Unit tests of support/text.hpp (and the OWS trim of support/http_syntax.hpp that builds on it).

#include "support/text.hpp"

#include <gtest/gtest.h>

#include "support/http_syntax.hpp"

namespace toq::support {
namespace {

TEST(Text, LowerCasesAsciiOnly) {
  EXPECT_EQ(to_lower("Content-Type: IMAGE/JPEG"), "content-type: image/jpeg");
  EXPECT_EQ(to_lower("ÁÇÃO"), "ÁÇÃo") << "bytes >= 0x80 pass through, ASCII letters are lowered";
  EXPECT_EQ(to_lower(""), "");
  EXPECT_EQ(ascii_lower('Z'), 'z');
  EXPECT_EQ(ascii_lower('['), '[');
}

TEST(Text, ComparesIgnoringAsciiCase) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("host", "hosts"));
  EXPECT_FALSE(iequals("É", "é")) << "not a Unicode case fold";
  EXPECT_TRUE(istarts_with("HTTPS://example.com", "https://"));
  EXPECT_TRUE(istarts_with("<SVG width", "<svg"));
  EXPECT_FALSE(istarts_with("http", "https://"));
}

TEST(Text, TrimsTheGivenCharacters) {
  EXPECT_EQ(trim(" \t\r\n value \v\f"), "value");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" a b "), "a b") << "inner space stays";
  EXPECT_EQ(trim("\r\n v \r\n", kHttpWhitespace), "\r\n v \r\n") << "OWS is space and tab only";
  EXPECT_EQ(trim("\t v ", kHttpWhitespace), "v");
  EXPECT_EQ(trim_start("  <svg> "), "<svg> ");
  EXPECT_EQ(trim_start(" \n"), "");
}

TEST(Text, TrimsHttpOptionalWhiteSpaceOnly) {
  EXPECT_EQ(trim_ows(" \t gzip, br\t "), "gzip, br");
  EXPECT_EQ(trim_ows("\r\nv\r\n"), "\r\nv\r\n") << "CR and LF are not OWS";
  EXPECT_EQ(trim_ows(" \t"), "");
}

}  // namespace
}  // namespace toq::support
