// Entry names: every sanitising rule as a table, the slug of entry_name, and EntryNamer's
// case-insensitive de-duplication.

#include "adapter/media/zip/entry_names.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace toq::media {
namespace {

using namespace std::string_literals;

// True when `s` is well-formed UTF-8 (independent of the code under test: a plain decoder).
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80          ? 1
                    : (b >> 5U) == 6  ? 2
                    : (b >> 4U) == 14 ? 3
                    : (b >> 3U) == 30 ? 4
                                      : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0U) != 0x80U) return false;
    }
    i += n;
  }
  return true;
}

struct Case {
  std::string in;
  std::string out;
};

TEST(SanitizeEntryName, EveryRule) {
  const std::vector<Case> cases = {
      // Paths never escape: no "..", no absolute path, no drive letter, no backslash.
      {"../../etc/passwd", "etc/passwd"},
      {"/etc/passwd", "etc/passwd"},
      {"fotos/../../x.jpg", "fotos/x.jpg"},
      {"./a/./b", "a/b"},
      {"C:\\x", "x"},
      {"C:x", "x"},
      {"c:/Windows/x.jpg", "Windows/x.jpg"},
      {"a\\b\\c.jpg", "a/b/c.jpg"},
      {"\\\\server\\share\\f.jpg", "server/share/f.jpg"},
      {"fotos//x.jpg", "fotos/x.jpg"},
      // Windows device names, with or without an extension, any case.
      {"CON.jpg", "_CON.jpg"},
      {"con", "_con"},
      {"Prn.txt", "_Prn.txt"},
      {"AUX", "_AUX"},
      {"nul.tar.gz", "_nul.tar.gz"},
      {"COM1.jpg", "_COM1.jpg"},
      {"lpt9", "_lpt9"},
      {"NUL .txt", "_NUL .txt"},
      {"fotos/CON.jpg", "fotos/_CON.jpg"},
      {"COM0.jpg", "COM0.jpg"},
      {"CONSOLE.jpg", "CONSOLE.jpg"},
      {"LPT10", "LPT10"},
      // Bidi and other invisible format characters are removed.
      {"a\u202Egpj.exe", "agpj.exe"},
      {"\u200Ex\u200F.jpg", "x.jpg"},
      {"\u202Aa\u202B\u202C\u202Db", "ab"},
      {"\u2066a\u2067b\u2068c\u2069", "abc"},
      {"\uFEFFfoto.jpg", "foto.jpg"},
      {"zero\u200Bwidth", "zerowidth"},
      // Control characters (C0, DEL, C1) become '_'.
      {"a\0b"s, "a_b"},
      {"a\rb\nc", "a_b_c"},
      {"tab\there", "tab_here"},
      {"del\x7F", "del_"},
      {"c1\xC2\x85x", "c1_x"},
      // Characters Windows forbids.
      {"a<b>c:d\"e|f?g*h", "a_b_c_d_e_f_g_h"},
      // Invalid UTF-8: every offending byte replaced.
      {"a\xFF"
       "b",
       "a_b"},
      {"\xC0\xAF.jpg", "__.jpg"},
      {"\xED\xA0\x80x", "___x"},
      {"trunc\xC3", "trunc_"},
      {"\xF4\x90\x80\x80", "____"},
      {"\xEF\xBF\xBE", "___"},
      // Trailing dots and spaces, leading spaces.
      {"foto.jpg. . ", "foto.jpg"},
      {"  espaço.jpg", "espaço.jpg"},
      {"pasta. /x", "pasta/x"},
      // Nothing left.
      {"", "unnamed"},
      {"..", "unnamed"},
      {"/../.", "unnamed"},
      {"\u202E", "unnamed"},
      // Kept as they are.
      {"Área de Serviço.jpg", "Área de Serviço.jpg"},
      {"fotos/07-sala-de-estar.jpg", "fotos/07-sala-de-estar.jpg"},
      {".hidden", ".hidden"},
      {"日本語.jpg", "日本語.jpg"},
  };
  for (const auto& c : cases) {
    const std::string got = sanitize_entry_name(c.in);
    EXPECT_EQ(got, c.out) << "input: " << ::testing::PrintToString(c.in);
    EXPECT_EQ(sanitize_entry_name(got), got) << "not idempotent for " << c.out;
    EXPECT_TRUE(valid_utf8(got)) << got;
  }
}

TEST(SanitizeEntryName, LongNamesAreCutOnACodePointAndKeepTheExtension) {
  std::string stem;
  while (stem.size() < 300) stem += "ção";  // 2 + 2 + 1 bytes: cuts can land mid-character
  for (const std::string ext : {".jpg", ".jpeg", ".mp4"}) {
    for (std::size_t extra = 0; extra < 5; ++extra) {
      const std::string in = std::string(extra, 'x') + stem + ext;
      const std::string got = sanitize_entry_name(in);
      EXPECT_LE(got.size(), kMaxEntrySegmentBytes);
      EXPECT_GE(got.size(), kMaxEntrySegmentBytes - 3);
      EXPECT_TRUE(got.ends_with(ext)) << got;
      EXPECT_TRUE(valid_utf8(got)) << got;
      EXPECT_EQ(got.find('_'), std::string::npos) << "a character was damaged: " << got;
      EXPECT_TRUE(in.starts_with(got.substr(0, got.size() - ext.size())));
      EXPECT_EQ(sanitize_entry_name(got), got);
    }
  }
  // Per segment: the folder stays, the file name is cut.
  const std::string got = sanitize_entry_name("fotos/" + std::string(300, 'a') + ".jpg");
  EXPECT_EQ(got, "fotos/" + std::string(kMaxEntrySegmentBytes - 4, 'a') + ".jpg");
  // A long tail after the last dot is no extension: plain cut.
  const std::string no_ext = sanitize_entry_name("a." + std::string(300, 'b'));
  EXPECT_EQ(no_ext.size(), kMaxEntrySegmentBytes);
}

TEST(EntryName, BuildsGroupSequenceSlugAndExtension) {
  EXPECT_EQ(entry_name("fotos", 7, "Sala de Estar", "jpg"), "fotos/07-sala-de-estar.jpg");
  EXPECT_EQ(entry_name("videos", 1, "Tour", "mp4"), "videos/01-tour.mp4");
  EXPECT_EQ(entry_name("fotos", 123, "x", "JPG"), "fotos/123-x.jpg");
  EXPECT_EQ(entry_name("fotos", 2, "IMG_0042.JPG", "jpg"), "fotos/02-img-0042.jpg");
  EXPECT_EQ(entry_name("fotos", 2, "IMG_0042.HEIC", "jpg"), "fotos/02-img-0042.jpg");
  EXPECT_EQ(entry_name("projeto", 2, "Planta Baixa.pdf", ".pdf"), "projeto/02-planta-baixa.pdf");
  EXPECT_EQ(entry_name("fotos", 3, "Área de Serviço", "jpg"), "fotos/03-área-de-serviço.jpg");
  EXPECT_EQ(entry_name("fotos", 3, "ÁREA  DE   SERVIÇO", "jpg"), "fotos/03-área-de-serviço.jpg");
  EXPECT_EQ(entry_name("fotos", 4, "../../etc/passwd", "jpg"), "fotos/04-etc-passwd.jpg");
  EXPECT_EQ(entry_name("fotos", 5, "", "jpg"), "fotos/05.jpg");
  EXPECT_EQ(entry_name("fotos", 5, "!!!", "jpg"), "fotos/05.jpg");
  EXPECT_EQ(entry_name("fotos", 6, "a\u202Egpj.exe", "jpg"), "fotos/06-agpj-exe.jpg");
  EXPECT_EQ(entry_name("fotos", 8, "CON", "jpg"), "fotos/08-con.jpg");
  EXPECT_EQ(entry_name("fotos", 9, "Sr. Silva\u00A0&\tfilhos", "jpg"),
            "fotos/09-sr-silva-filhos.jpg");
  EXPECT_EQ(entry_name("fotos", -1, "x", "jpg"), "fotos/00-x.jpg");
  EXPECT_EQ(entry_name("", 1, "x", ""), "01-x");
  EXPECT_EQ(entry_name("fotos", 1,
                       "bad\xFF"
                       "byte",
                       "jpg"),
            "fotos/01-badbyte.jpg");
  const std::string long_name = entry_name("fotos", 10, std::string(400, 'a'), "jpg");
  EXPECT_TRUE(long_name.starts_with("fotos/10-aaa"));
  EXPECT_TRUE(long_name.ends_with(".jpg"));
  EXPECT_EQ(long_name.size(), 6 + kMaxEntrySegmentBytes);
  EXPECT_EQ(sanitize_entry_name(long_name), long_name);
}

TEST(EntryNamer, MakesNamesUniqueCaseInsensitively) {
  EntryNamer namer;
  EXPECT_EQ(namer.unique("Sala"), "Sala");
  EXPECT_EQ(namer.unique("sala"), "sala-2");
  EXPECT_EQ(namer.unique("SALA"), "SALA-3");
  EXPECT_EQ(namer.unique("fotos/01-sala.jpg"), "fotos/01-sala.jpg");
  EXPECT_EQ(namer.unique("fotos/01-Sala.jpg"), "fotos/01-Sala-2.jpg");
  EXPECT_EQ(namer.unique("FOTOS/01-SALA.JPG"), "FOTOS/01-SALA-3.JPG");
  EXPECT_EQ(namer.unique("videos/01-sala.jpg"), "videos/01-sala.jpg");  // another folder
}

TEST(EntryNamer, AccentsAndTheirDecomposedFormsCollide) {
  EntryNamer namer;
  EXPECT_EQ(namer.unique("fotos/área.jpg"), "fotos/área.jpg");
  EXPECT_EQ(namer.unique("fotos/ÁREA.jpg"), "fotos/ÁREA-2.jpg");
  EXPECT_EQ(namer.unique("fotos/a\u0301rea.jpg"), "fotos/a\u0301rea-3.jpg");  // NFD, as macOS
  EXPECT_EQ(namer.unique("fotos/Area.jpg"), "fotos/Area-4.jpg");
  EXPECT_EQ(entry_name_fold("Ação-ÇÃO-Œuvre-ß"), "acao-cao-oeuvre-ss");
}

TEST(EntryNamer, SkipsSuffixesAlreadyTakenAndStaysBounded) {
  EntryNamer namer;
  EXPECT_EQ(namer.unique("x-2.jpg"), "x-2.jpg");
  EXPECT_EQ(namer.unique("x.jpg"), "x.jpg");
  EXPECT_EQ(namer.unique("X.jpg"), "X-3.jpg");

  const std::string full = sanitize_entry_name(std::string(200, 'b') + ".jpg");
  ASSERT_EQ(full.size(), kMaxEntrySegmentBytes);
  EXPECT_EQ(namer.unique(full), full);
  const std::string second = namer.unique(full);
  EXPECT_EQ(second.size(), kMaxEntrySegmentBytes);
  EXPECT_TRUE(second.ends_with("-2.jpg")) << second;
  EXPECT_EQ(sanitize_entry_name(second), second);

  std::string accents;
  while (accents.size() < 200) accents += "é";
  const std::string wide = sanitize_entry_name("fotos/" + accents + ".mp4");
  EXPECT_EQ(namer.unique(wide), wide);
  const std::string wide2 = namer.unique(wide);
  EXPECT_TRUE(wide2.ends_with("-2.mp4"));
  EXPECT_TRUE(valid_utf8(wide2));
  EXPECT_LE(wide2.size(), 6 + kMaxEntrySegmentBytes);
}

}  // namespace
}  // namespace toq::media
