// Unit tests of support/io/byte_sources.hpp.

#include "support/io/byte_sources.hpp"

#include <array>
#include <fstream>

#include <gtest/gtest.h>

namespace toq::support {
namespace {

std::string drain(core::ByteSource& source, std::size_t chunk = 3) {
  std::string out;
  std::vector<std::byte> buf(chunk);
  for (;;) {
    auto n = source.read(buf);
    EXPECT_TRUE(n.has_value());
    if (!n || *n == 0) return out;
    out.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
}

TEST(ByteSources, MemorySourceReadsAndRewinds) {
  MemorySource source{"hello, world"};
  EXPECT_EQ(drain(source), "hello, world");
  EXPECT_EQ(drain(source), "") << "at its end";
  ASSERT_TRUE(source.rewind());
  EXPECT_EQ(drain(source, 100), "hello, world");
}

TEST(ByteSources, FileSourceReadsAFileAndATemporaryOne) {
  const auto path = std::filesystem::path(::testing::TempDir()) / "byte_sources_test.txt";
  std::ofstream{path} << "file bytes";
  auto file = FileSource::open(path);
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(drain(**file), "file bytes");
  ASSERT_TRUE((*file)->rewind());
  EXPECT_EQ(drain(**file), "file bytes");
  EXPECT_EQ((*file)->size().value(), 10);
  std::filesystem::remove(path);
  EXPECT_FALSE(FileSource::open(path).has_value());

  auto spool = FileSource::temporary({});
  ASSERT_TRUE(spool.has_value());
  const std::string data = "spooled";
  ASSERT_TRUE((*spool)->append(std::as_bytes(std::span{data})));
  ASSERT_TRUE((*spool)->rewind());
  EXPECT_EQ(drain(**spool), "spooled");
}

TEST(ByteSources, PrefixedSourceAndReadUpTo) {
  MemorySource rest{"tail of the stream"};
  PrefixedSource source{"head ", rest};
  auto first = read_up_to(source, 9);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, "head tail");
  EXPECT_EQ(drain(source), " of the stream");
  BufferSink sink;
  const std::string piece = "abc";
  ASSERT_TRUE(sink.write(std::as_bytes(std::span{piece})));
  ASSERT_TRUE(sink.write(std::as_bytes(std::span{piece})));
  EXPECT_EQ(sink.bytes, "abcabc");
}

}  // namespace
}  // namespace toq::support
