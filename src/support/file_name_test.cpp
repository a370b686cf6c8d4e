#include "support/file_name.hpp"

#include <string>

#include <gtest/gtest.h>

namespace toq::support {
namespace {

TEST(SanitizeFileName, InvisibleAndBidiCharactersAreRemoved) {
  // "a<RLO>gpj.exe" shows as "aexe.jpg" in a browser's download bar.
  EXPECT_EQ(sanitize_file_name("a\u202Egpj.exe"), "agpj.exe");
  EXPECT_EQ(sanitize_file_name("Sala\u200B de\u2060 estar\uFEFF.jpg"), "Sala de estar.jpg");
  EXPECT_EQ(sanitize_file_name("\u2066x\u2069\u200E\u200F\u061C.jpg"), "x.jpg");
}

TEST(SanitizeFileName, SeparatorsControlsAndForbiddenCharacters) {
  EXPECT_EQ(sanitize_file_name("a/b\\c.jpg"), "a_b_c.jpg");
  EXPECT_EQ(sanitize_file_name("a\x01:b?*\".jpg"), "a__b___.jpg");
  EXPECT_EQ(sanitize_file_name(std::string{"bad\xff.jpg"}), "bad_.jpg");
  EXPECT_EQ(sanitize_file_name("  CON.jpg. "), "_CON.jpg");
  EXPECT_EQ(sanitize_file_name("Fachada à noite.jpg"), "Fachada à noite.jpg");
  EXPECT_EQ(sanitize_file_name(".."), kFallbackFileName);
  EXPECT_EQ(sanitize_file_name("\u202E"), kFallbackFileName);
  EXPECT_FALSE(clean_file_name(" . ").has_value());
}

TEST(SanitizeFileName, LongNamesKeepTheirExtensionAndAreIdempotent) {
  const std::string long_name = std::string(300, 'x') + "\u00e9.jpg";
  const std::string once = sanitize_file_name(long_name);
  EXPECT_LE(once.size(), kMaxFileNameBytes);
  EXPECT_TRUE(once.ends_with(".jpg")) << once;
  for (const std::string& name : {long_name, std::string{"a\u202E.b"}, std::string{" x. "}}) {
    EXPECT_EQ(sanitize_file_name(sanitize_file_name(name)), sanitize_file_name(name)) << name;
  }
}

}  // namespace
}  // namespace toq::support
