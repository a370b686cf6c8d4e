// Unit tests of support/json_string.hpp.

#include "support/json_string.hpp"

#include <gtest/gtest.h>

namespace toq::support {
namespace {

TEST(JsonString, QuotesAndEscapes) {
  EXPECT_EQ(json_quote(""), R"("")");
  EXPECT_EQ(json_quote("PENDING_OWNER_APPROVAL"), R"("PENDING_OWNER_APPROVAL")");
  EXPECT_EQ(json_quote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_quote("\n\t\x01\x1f"), R"("\u000a\u0009\u0001\u001f")");
  EXPECT_EQ(json_quote("é/"), "\"é/\"") << "UTF-8 and '/' are copied";
}

TEST(JsonString, StringifyFormUsesTheShortEscapes) {
  EXPECT_EQ(json_stringify_quote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_stringify_quote("\b\t\n\f\r"), R"("\b\t\n\f\r")");
  EXPECT_EQ(json_stringify_quote(std::string_view("\x00\x01\x0b\x1f", 4)),
            R"("\u0000\u0001\u000b\u001f")");
  EXPECT_EQ(json_stringify_quote("é/"), "\"é/\"");
}

}  // namespace
}  // namespace toq::support
