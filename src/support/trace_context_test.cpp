// Unit tests of support/trace_context.hpp against the W3C Trace Context rules (section 3.2).

#include "support/trace_context.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace toq::support {
namespace {

constexpr const char* kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContext, ParsesAVersion00Header) {
  const auto parsed = parse_traceparent(kValid);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parsed->parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(parsed->flags, 0x01);
  EXPECT_EQ(parsed->traceparent(), kValid);
  EXPECT_TRUE(is_traceparent(kValid));
  const auto unsampled =
      parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(unsampled.has_value());
  EXPECT_EQ(unsampled->flags, 0);
}

TEST(TraceContext, RefusesMalformedHeaders) {
  for (const std::string bad : {
           "", "00",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",        // no flags
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",      // short flags
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",      // short trace-id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",      // short parent-id
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",     // wrong separator
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",    // 00 has nothing after
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xy",  // ... not even fields
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",     // not hex
           " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // leading space
           "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",     // version not hex
       }) {
    EXPECT_FALSE(parse_traceparent(bad).has_value()) << bad;
    EXPECT_FALSE(is_traceparent(bad)) << bad;
  }
}

TEST(TraceContext, RefusesAllZeroIds) {
  EXPECT_FALSE(parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
}

TEST(TraceContext, RefusesUpperCaseHex) {
  EXPECT_FALSE(parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A"));
  EXPECT_FALSE(parse_traceparent("0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceContext, RefusesVersionFF) {
  EXPECT_FALSE(parse_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceContext, AcceptsAFutureVersionWithExtraFieldsAndWritesVersion00) {
  const auto plain = parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->traceparent(), kValid);
  const auto extended =
      parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future");
  ASSERT_TRUE(extended.has_value());
  EXPECT_EQ(extended->traceparent(), kValid);
  EXPECT_FALSE(is_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
      << "stored and sent only in the version-00 form";
  EXPECT_FALSE(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"))
      << "a future version's extra fields start with '-'";
  EXPECT_FALSE(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0"))
      << "shorter than 55 characters";
  EXPECT_EQ(traceparent_for("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"), kValid);
}

TEST(TraceContext, GeneratesValidDistinctSampledContexts) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const auto header = new_trace_context().traceparent();
    ASSERT_TRUE(is_traceparent(header)) << header;
    EXPECT_TRUE(header.ends_with("-01")) << header;
    seen.insert(header.substr(3, 32));
  }
  EXPECT_EQ(seen.size(), 200U);
}

TEST(TraceContext, KeepsAValidHeaderAndReplacesAnInvalidOne) {
  EXPECT_EQ(traceparent_for(kValid), kValid);
  const auto replaced = traceparent_for("00-00000000000000000000000000000000-00f067aa0ba902b7-01");
  EXPECT_TRUE(is_traceparent(replaced)) << replaced;
  EXPECT_NE(replaced.substr(3, 32), "00000000000000000000000000000000");
  EXPECT_TRUE(is_traceparent(traceparent_for("")));
}

}  // namespace
}  // namespace toq::support
