#include "app/logging.hpp"

#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

namespace toq::app {
namespace {

using nlohmann::json;
using namespace std::string_literals;
using ::testing::HasSubstr;
using ::testing::Not;

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override { init_logging(LogConfig{LogLevel::kTrace, LogFormat::kJson}, &out_); }
  // Leave a quiet logger behind: the stream dies with the fixture.
  void TearDown() override { init_logging(LogConfig{LogLevel::kOff, LogFormat::kJson}); }

  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  // Every line parsed; fails the test when one is not a JSON object.
  std::vector<json> records() const {
    std::vector<json> out;
    for (const auto& line : lines()) {
      auto parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
      EXPECT_TRUE(parsed.is_object()) << "not a JSON object: " << line;
      out.push_back(std::move(parsed));
    }
    return out;
  }

  json only_record() const {
    auto all = records();
    EXPECT_EQ(all.size(), 1U) << out_.str();
    return all.empty() ? json::object() : all.front();
  }

  std::ostringstream out_;
};

TEST_F(LoggingTest, EachLineIsOneJsonObjectWithTheEnvelope) {
  log::info("first");
  log::warn("second");
  spdlog::error("third, through plain spdlog {}", 3);
  const auto all = records();
  ASSERT_EQ(all.size(), 3U);
  const std::regex rfc3339_ms(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  for (const auto& r : all) {
    ASSERT_TRUE(r.contains("ts"));
    EXPECT_TRUE(std::regex_match(r["ts"].get<std::string>(), rfc3339_ms)) << r.dump();
    EXPECT_FALSE(r.contains("logger"));
  }
  EXPECT_EQ(all[0]["level"], "info");
  EXPECT_EQ(all[0]["msg"], "first");
  EXPECT_EQ(all[1]["level"], "warn");
  EXPECT_EQ(all[2]["level"], "error");
  EXPECT_EQ(all[2]["msg"], "third, through plain spdlog 3");
  // The envelope comes first, in a fixed order, for people reading raw lines.
  EXPECT_TRUE(lines()[0].starts_with(R"({"ts":")"));
  EXPECT_THAT(lines()[0], HasSubstr(R"(,"level":"info","msg":"first"})"));
}

TEST_F(LoggingTest, HostileMessagesAreEscapedAndStayOnOneLine) {
  const std::vector<std::string> messages = {
      R"(say "hi" \ back\slash)",
      "line one\nline two\r\n",
      "nul \0 bell \a esc \x1b del \x7f tab \t"s,
      "ação, 日本語, emoji 🏠",
      "{\"injected\": true}\n{\"level\":\"error\"}",
  };
  for (const auto& m : messages) log::info(m, {{"detail", m}});
  const auto all = records();
  ASSERT_EQ(all.size(), messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(all[i]["msg"], messages[i]);
    EXPECT_EQ(all[i]["detail"], messages[i]);
  }
  EXPECT_FALSE(all.back().contains("injected"));
}

TEST_F(LoggingTest, InvalidUtf8IsReplacedNotDropped) {
  log::info("bad \xff\xfe bytes", {{"raw", "\xc3"}});
  const auto r = only_record();
  EXPECT_EQ(r["msg"], "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");  // two U+FFFD
  EXPECT_EQ(r["raw"], "\xEF\xBF\xBD");
}

TEST_F(LoggingTest, ContextFieldsAppearAndDisappearWithTheScope) {
  log::info("before");
  {
    LogContext request({{"request_id", "abc"}, {"batch_id", "51"}});
    log::info("outer");
    {
      LogContext job({{"job_id", 77}, {"request_id", "inner"}});
      log::info("inner");
    }
    log::info("outer again");
  }
  log::info("after");
  const auto all = records();
  ASSERT_EQ(all.size(), 5U);
  EXPECT_FALSE(all[0].contains("request_id"));
  EXPECT_EQ(all[1]["request_id"], "abc");
  EXPECT_EQ(all[1]["batch_id"], 51);  // id given as a string, logged as a number
  EXPECT_FALSE(all[1].contains("job_id"));
  EXPECT_EQ(all[2]["request_id"], "inner");
  EXPECT_EQ(all[2]["batch_id"], 51);
  EXPECT_EQ(all[2]["job_id"], 77);
  EXPECT_EQ(all[3]["request_id"], "abc");
  EXPECT_FALSE(all[3].contains("job_id"));
  EXPECT_FALSE(all[4].contains("request_id"));
  EXPECT_FALSE(all[4].contains("batch_id"));
}

TEST_F(LoggingTest, OnlyKnownIdFieldsBecomeNumbers) {
  LogContext ctx({{"request_id", "123"},
                  {"listing_id", "28"},
                  {"asset_id", "x-9"},
                  {"job_id", "99999999999999999999"},
                  {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
  log::info("ids", {{"batch_id", "51"}, {"clientId", "7"}});
  const auto r = only_record();
  EXPECT_EQ(r["request_id"], "123");
  EXPECT_EQ(r["listing_id"], 28);
  EXPECT_EQ(r["asset_id"], "x-9");
  EXPECT_EQ(r["job_id"], "99999999999999999999");  // would not fit: kept as text
  EXPECT_EQ(r["batch_id"], 51);
  EXPECT_EQ(r["clientId"], "7");
  EXPECT_EQ(r["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}

TEST_F(LoggingTest, CallFieldsWinOverContextAndNeverClobberTheEnvelope) {
  LogContext ctx({{"batch_id", 51}, {"msg", "from context"}});
  log::info("real message", {{"batch_id", 52},
                             {"level", "fake"},
                             {"ts", "fake"},
                             {"bytes", 5242880},
                             {"ok", true},
                             {"tags", json::array({"a", "b"})}});
  const auto r = only_record();
  EXPECT_EQ(r["msg"], "real message");
  EXPECT_EQ(r["level"], "info");
  EXPECT_NE(r["ts"], "fake");
  EXPECT_EQ(r["field.msg"], "from context");
  EXPECT_EQ(r["field.level"], "fake");
  EXPECT_EQ(r["field.ts"], "fake");
  EXPECT_EQ(r["batch_id"], 52);
  EXPECT_EQ(r["bytes"], 5242880);
  EXPECT_EQ(r["ok"], true);
  EXPECT_EQ(r["tags"], json::array({"a", "b"}));
}

// The exact bytes of a line: the envelope, the context's fields, the call's (overriding in place),
// each value as nlohmann::json dumps it (ids as numbers, U+FFFD for invalid UTF-8).
TEST_F(LoggingTest, ALineHasItsFieldsInOrderWithNlohmannsBytes) {
  LogContext ctx({{"request_id", "r-1"}, {"batch_id", "51"}, {"msg", "from context"}});
  log::info("caf\xC3\xA9 \"q\"\n\xFF", {{"batch_id", 52},
                                        {"status", 404},
                                        {"duration_ms", 1.25},
                                        {"whole_ms", 3.0},
                                        {"ok", false},
                                        {"none", nullptr},
                                        {"big", std::uint64_t{18446744073709551615U}},
                                        {"obj", json{{"b", 1}, {"a", json::array({1, 2})}}},
                                        {"listing_id", "28"},
                                        {"path", "/api/v2/x\t"}});
  ASSERT_EQ(lines().size(), 1U);
  const std::string line =
      std::regex_replace(lines()[0], std::regex(R"("ts":"[^"]*")"), R"("ts":"T")");
  EXPECT_EQ(line,
            "{\"ts\":\"T\",\"level\":\"info\",\"msg\":\"caf\xC3\xA9 \\\"q\\\"\\n\xEF\xBF\xBD\","
            "\"request_id\":\"r-1\",\"batch_id\":52,\"field.msg\":\"from context\","
            "\"status\":404,\"duration_ms\":1.25,\"whole_ms\":3.0,\"ok\":false,\"none\":null,"
            "\"big\":18446744073709551615,\"obj\":{\"a\":[1,2],\"b\":1},\"listing_id\":28,"
            "\"path\":\"/api/v2/x\\t\"}");
}

TEST_F(LoggingTest, CallFieldsApplyToOneLineOnly) {
  log::info("with", {{"extra", 1}});
  log::info("without");
  const auto all = records();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0]["extra"], 1);
  EXPECT_FALSE(all[1].contains("extra"));
}

TEST_F(LoggingTest, ContextIsThreadLocal) {
  constexpr int kLines = 200;
  auto worker = [](std::string request, int batch) {
    LogContext ctx({{"request_id", request}, {"batch_id", batch}});
    for (int i = 0; i < kLines; ++i) log::info("tick", {{"i", i}});
  };
  std::thread a(worker, "req-a", 1);
  std::thread b(worker, "req-b", 2);
  {
    LogContext main_ctx({{"request_id", "main"}});
    log::info("main thread");
    a.join();
    b.join();
  }
  const auto all = records();
  ASSERT_EQ(all.size(), 2U * kLines + 1U);
  int seen_a = 0;
  int seen_b = 0;
  for (const auto& r : all) {
    if (r["request_id"] == "req-a") {
      EXPECT_EQ(r["batch_id"], 1) << r.dump();
      ++seen_a;
    } else if (r["request_id"] == "req-b") {
      EXPECT_EQ(r["batch_id"], 2) << r.dump();
      ++seen_b;
    } else {
      EXPECT_EQ(r["request_id"], "main") << r.dump();
      EXPECT_FALSE(r.contains("batch_id")) << r.dump();
    }
  }
  EXPECT_EQ(seen_a, kLines);
  EXPECT_EQ(seen_b, kLines);
}

TEST_F(LoggingTest, CurrentContextCanBeCarriedToAnotherThread) {
  LogContext ctx({{"request_id", "abc"}, {"batch_id", "51"}});
  const json carried = current_log_context();
  EXPECT_EQ(carried, json({{"request_id", "abc"}, {"batch_id", 51}}));
  std::thread([&carried] {
    LogFields fields;
    for (const auto& [key, value] : carried.items()) fields.emplace_back(key, value);
    LogContext adopted(std::move(fields));
    log::info("in worker");
  }).join();
  const auto r = only_record();
  EXPECT_EQ(r["request_id"], "abc");
  EXPECT_EQ(r["batch_id"], 51);
}

TEST_F(LoggingTest, LevelFiltersLines) {
  init_logging(LogConfig{LogLevel::kWarn, LogFormat::kJson}, &out_);
  log::debug("hidden");
  log::info("hidden");
  log::warn("shown");
  log::error("shown too");
  const auto all = records();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0]["level"], "warn");
  EXPECT_EQ(all[1]["level"], "error");
}

TEST_F(LoggingTest, NamedLoggersSayWhoTheyAre) {
  auto http = make_logger("http");
  LogContext ctx({{"request_id", "abc"}});
  http->info("GET /healthz");
  const auto r = only_record();
  EXPECT_EQ(r["logger"], "http");
  EXPECT_EQ(r["request_id"], "abc");
}

TEST_F(LoggingTest, TextFormatIsOneReadableLinePerRecord) {
  init_logging(LogConfig{LogLevel::kInfo, LogFormat::kText}, &out_);
  LogContext ctx({{"request_id", "abc"}, {"batch_id", "51"}});
  log::warn("upload\nfailed", {{"reason", "size mismatch"}, {"bytes", 10}, {"empty", ""}});
  const auto all = lines();
  ASSERT_EQ(all.size(), 1U) << out_.str();
  const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z WARN +upload\\nfailed .*)");
  EXPECT_TRUE(std::regex_match(all[0], shape)) << all[0];
  EXPECT_THAT(all[0],
              HasSubstr(R"( request_id=abc batch_id=51 reason="size mismatch" bytes=10 empty="")"));
  EXPECT_THAT(all[0], Not(HasSubstr("{")));
}

}  // namespace
}  // namespace toq::app
