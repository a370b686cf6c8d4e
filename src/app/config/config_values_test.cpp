// The value parsers: byte sizes and host:port.

#include <string>

#include <gtest/gtest.h>

#include "app/config.hpp"

namespace toq::app {
namespace {

// ---------------------------------------------------------------------------------------------
// Byte sizes and host:port

TEST(ByteSize, ParsesIntegersAndUnitSuffixes) {
  EXPECT_EQ(parse_byte_size("0"), 0);
  EXPECT_EQ(parse_byte_size("123"), 123);
  EXPECT_EQ(parse_byte_size(" 123 "), 123);
  EXPECT_EQ(parse_byte_size("123B"), 123);
  EXPECT_EQ(parse_byte_size("64MiB"), 64 * kMiB);
  EXPECT_EQ(parse_byte_size("10GiB"), 10 * kGiB);
  EXPECT_EQ(parse_byte_size("10 GiB"), 10 * kGiB);
  EXPECT_EQ(parse_byte_size("1kib"), kKiB);
  EXPECT_EQ(parse_byte_size("5TiB"), 5 * kTiB);
  EXPECT_EQ(parse_byte_size("1KB"), 1000);
  EXPECT_EQ(parse_byte_size("2MB"), 2'000'000);
  EXPECT_EQ(parse_byte_size("3GB"), 3'000'000'000);
  EXPECT_EQ(parse_byte_size("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
}

TEST(ByteSize, RejectsEverythingElse) {
  for (const char* bad : {"", " ", "MiB", "-1", "+1", "1.5GiB", "10XB", "10 M", "10K", "0x10",
                          "9223372036854775808", "8589934592GiB", "1 MiB extra", "1MiB1"}) {
    EXPECT_FALSE(parse_byte_size(bad)) << bad;
  }
}

TEST(ByteSize, FormatsTheShortestExactForm) {
  EXPECT_EQ(format_byte_size(0), "0");
  EXPECT_EQ(format_byte_size(1000), "1000");
  EXPECT_EQ(format_byte_size(1536), "1536");
  EXPECT_EQ(format_byte_size(1536 * kKiB), "1536KiB");
  EXPECT_EQ(format_byte_size(64 * kMiB), "64MiB");
  EXPECT_EQ(format_byte_size(10 * kGiB), "10GiB");
  EXPECT_EQ(format_byte_size(5 * kTiB), "5TiB");
  for (std::int64_t v : {std::int64_t{1}, 1023 * kKiB, 3 * kGiB + 1, 7 * kTiB}) {
    EXPECT_EQ(parse_byte_size(format_byte_size(v)), v);
  }
}

TEST(HostPort, Parses) {
  auto v4 = parse_host_port("127.0.0.1:8080");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  auto v6 = parse_host_port("[::1]:443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 443);
  EXPECT_FALSE(parse_host_port("[::1]"));
  EXPECT_FALSE(parse_host_port("[]:80"));
  EXPECT_FALSE(parse_host_port("host:"));
  EXPECT_FALSE(parse_host_port("host name:80"));
}

}  // namespace
}  // namespace toq::app
