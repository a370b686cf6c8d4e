// Unit tests of support/xml_escape.hpp, shared by the S3 request bodies and the embedded
// store's error documents.

#include "support/xml_escape.hpp"

#include <gtest/gtest.h>

namespace toq::support {
namespace {

TEST(XmlEscape, EscapesTheFiveMarkupCharacters) {
  EXPECT_EQ(xml_escape("&"), "&amp;");
  EXPECT_EQ(xml_escape("<"), "&lt;");
  EXPECT_EQ(xml_escape(">"), "&gt;");
  EXPECT_EQ(xml_escape("\""), "&quot;");
  EXPECT_EQ(xml_escape("'"), "&apos;");
  EXPECT_EQ(xml_escape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
  EXPECT_EQ(xml_escape("&amp;"), "&amp;amp;") << "escaped text is escaped again";
}

TEST(XmlEscape, CopiesEverythingElse) {
  EXPECT_EQ(xml_escape(""), "");
  EXPECT_EQ(xml_escape("photos/2024/a b+c=d.jpg"), "photos/2024/a b+c=d.jpg");
  EXPECT_EQ(xml_escape("ação ☃"), "ação ☃");
  EXPECT_EQ(xml_escape(std::string_view{"a\0b", 3}), std::string("a\0b", 3));
}

}  // namespace
}  // namespace toq::support
