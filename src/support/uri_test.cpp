// Unit tests of support/uri.hpp: percent-encoding, path normalisation and query parsing as SigV4
// and the embedded store use them.

#include "support/uri.hpp"

#include <gtest/gtest.h>

namespace toq::support {
namespace {

TEST(Uri, EncodesEverythingButUnreserved) {
  EXPECT_EQ(uri_encode("AZaz09-._~", Slash::kEncode), "AZaz09-._~");
  EXPECT_EQ(uri_encode("a b+c/d=e&f%g", Slash::kEncode), "a%20b%2Bc%2Fd%3De%26f%25g");
  EXPECT_EQ(uri_encode("a b/c", Slash::kKeep), "a%20b/c");
  EXPECT_EQ(uri_encode("ação", Slash::kEncode), "a%C3%A7%C3%A3o");
  EXPECT_EQ(uri_encode("\xff", Slash::kEncode), "%FF");  // bytes, not validated UTF-8
}

TEST(Uri, DecodesPercentOnly) {
  EXPECT_EQ(uri_decode("a%20b%2fc%2Fd"), "a b/c/d");
  EXPECT_EQ(uri_decode("a+b"), "a+b");
  EXPECT_EQ(uri_decode("100%"), "100%");
  EXPECT_EQ(uri_decode("%zz%4"), "%zz%4");
}

TEST(Uri, NormalizesPaths) {
  EXPECT_EQ(normalize_path(""), "/");
  EXPECT_EQ(normalize_path("/"), "/");
  EXPECT_EQ(normalize_path("//"), "/");
  EXPECT_EQ(normalize_path("/./"), "/");
  EXPECT_EQ(normalize_path("/example/.."), "/");
  EXPECT_EQ(normalize_path("/example1/example2/../.."), "/");
  EXPECT_EQ(normalize_path("/../../a"), "/a");
  EXPECT_EQ(normalize_path("//example//"), "/example/");
  EXPECT_EQ(normalize_path("/a/./b/../c/"), "/a/c/");
  EXPECT_EQ(normalize_path("/a/%2E%2E/b"), "/a/%2E%2E/b");  // encoded dots are not dots
}

TEST(Uri, ParsesQueries) {
  const Params params = parse_query("b=2&a&c=x%20y&&=v&d=e=f");
  const Params expected = {{"b", "2"}, {"a", ""}, {"c", "x y"}, {"", "v"}, {"d", "e=f"}};
  EXPECT_EQ(params, expected);
  EXPECT_TRUE(parse_query("").empty());
}

}  // namespace
}  // namespace toq::support
