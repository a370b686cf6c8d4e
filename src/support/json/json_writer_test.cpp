// JsonWriter against nlohmann::json's dump of the same values: the writer promises its bytes.

#include "support/json/json_writer.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace toq::support {
namespace {

std::string dumped(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string written_string(std::string_view text) {
  std::string out;
  JsonWriter(out).string(text);
  return out;
}

std::string written_number(double value) {
  std::string out;
  JsonWriter(out).number(value);
  return out;
}

TEST(JsonWriter, StringsAsNlohmannDumpsThem) {
  std::vector<std::string> texts = {
      "",
      "IMG_2907.jpg",
      "quote \" backslash \\ slash / done",
      "tab\tnewline\nreturn\rback\bfeed\f",
      std::string("nul\0inside", 10),
      "\x7f del, \x1f unit separator",
      "Sala de estar — vista para o mar, café ☕",
      "emoji \xF0\x9F\x8F\xA0 and U+FFFF \xEF\xBF\xBF and U+FFFE \xEF\xBF\xBE",
      "\xE2\x80\xAE right-to-left override"};
  for (int c = 0; c < 0x20; ++c) texts.emplace_back(1, static_cast<char>(c));
  for (const auto& text : texts) EXPECT_EQ(written_string(text), dumped(text)) << text;
}

TEST(JsonWriter, InvalidUtf8IsReplacedAsNlohmannReplacesIt) {
  const std::vector<std::string> bad = {
      "\x80",                      // a lone continuation byte
      "a\xC3",                     // truncated at the end
      "\xE2\x82 then text",        // truncated in the middle
      "\xC0\xAF overlong slash",   // overlong
      "\xED\xA0\x80 surrogate",    // UTF-16 surrogate
      "\xF4\x90\x80\x80 too big",  // above U+10FFFF
      "\xF5\xFF\xFE",              // never valid
      "ok \xC3\xA9 \xE9 ok",       // valid, Latin-1, valid
      "\xF0\x9F\x8F",              // a 4-byte sequence cut short
  };
  for (const auto& text : bad) EXPECT_EQ(written_string(text), dumped(text)) << text;
}

TEST(JsonWriter, RandomBytesAsNlohmannDumpsThem) {
  std::mt19937 random(20261207);  // fixed: a failure reproduces
  std::uniform_int_distribution<int> length(0, 24);
  // Bytes weighted toward the interesting ones: controls, ASCII, UTF-8 lead and continuation.
  const std::vector<unsigned char> alphabet = {0x00, 0x08, 0x0A, 0x1F, '"',  '\\', 'a',  '/',
                                               0x7F, 0x80, 0xBF, 0xC2, 0xC3, 0xA9, 0xE0, 0xE2,
                                               0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0x9F, 0x8F, 0xFF};
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (int n = length(random); n > 0; --n)
      text.push_back(static_cast<char>(alphabet[pick(random)]));
    ASSERT_EQ(written_string(text), dumped(text))
        << nlohmann::json(text).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  }
}

TEST(JsonWriter, NumbersAsNlohmannDumpsThem) {
  for (std::int64_t v :
       {std::int64_t{0}, std::int64_t{-1}, std::int64_t{7}, std::int64_t{1795000000},
        std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
    std::string out;
    JsonWriter(out).integer(v);
    EXPECT_EQ(out, dumped(v));
  }
  for (double v : {0.0, -0.0, 1.5, 12.0, 0.1, 1e-7, 1e300, 123456789.125, 1e15, 1e16,
                   std::numeric_limits<double>::infinity(), std::nan("")}) {
    EXPECT_EQ(written_number(v), dumped(v)) << v;
  }
  // durationSeconds: whole milliseconds over 1000, from 0 to about 2.8 hours and some large ones.
  for (std::int64_t ms = 0; ms <= 10'000'000; ms += 7) {
    const double v = static_cast<double>(ms) / 1000.0;
    ASSERT_EQ(written_number(v), dumped(v)) << ms;
  }
  EXPECT_EQ(written_number(1.5), "1.5");
  EXPECT_EQ(written_number(12.0), "12.0");
}

TEST(JsonWriter, NestedDocumentAsNlohmannDumpsIt) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("a");
  w.begin_array();
  w.begin_object();
  w.key("k");
  w.null();
  w.end_object();
  w.begin_array();
  w.end_array();
  w.begin_object();
  w.end_object();
  w.integer(3);
  w.boolean(true);
  w.boolean(false);
  w.end_array();
  w.key("b \"quoted\"");
  w.string("x");
  w.key("c");
  w.begin_object();
  w.key("d");
  w.number(2.25);
  w.key("e");
  w.string("\xE9");
  w.end_object();
  w.end_object();
  const nlohmann::json expected = {
      {"a", {{{"k", nullptr}}, nlohmann::json::array(), nlohmann::json::object(), 3, true, false}},
      {"b \"quoted\"", "x"},
      {"c", {{"d", 2.25}, {"e", "\xE9"}}}};
  EXPECT_EQ(out, dumped(expected));
  EXPECT_EQ(out, R"({"a":[{"k":null},[],{},3,true,false],"b \"quoted\"":"x","c":{"d":2.25,"e":")"
                 "\xEF\xBF\xBD"
                 R"("}})");
}

TEST(JsonWriter, AppendsToWhatIsThere) {
  std::string out = "prefix:";
  JsonWriter w(out);
  w.begin_array();
  w.integer(1);
  w.raw(R"({"already":"json"})");
  w.integer(2);
  w.end_array();
  EXPECT_EQ(out, R"(prefix:[1,{"already":"json"},2])");
}

}  // namespace
}  // namespace toq::support
