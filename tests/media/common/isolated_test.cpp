// run_isolated with real fork, signals, timeouts and rlimits: crashes and hangs become typed
// errors, results and errors cross the pipe intact, and no child or grandchild is left behind.

#include "adapter/media/common/isolated.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/result_matchers.hpp"
#include "support/sanitizer.hpp"
#include "support/temp_dir.hpp"

namespace toq::media {
namespace {

using core::ErrorCode;
using namespace std::chrono_literals;

IsolationLimits limits(std::chrono::milliseconds timeout = 20s) {
  return IsolationLimits{
      .step = "testing the isolation", .timeout = timeout, .max_memory_bytes = 0};
}

// True when no process with this pid exists any more (reaped, not a zombie).
bool gone(pid_t pid) {
  for (int i = 0; i < 200; ++i) {  // a SIGKILLed grandchild is reaped by init shortly after
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

pid_t read_pid(const std::filesystem::path& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

void write_pid(const std::filesystem::path& file, pid_t pid) {
  std::ofstream out(file);
  out << pid << std::flush;
}

TEST(RunIsolated, ReturnsTheChildsValueByteForByte) {
  std::string binary("\0\x01\xFF\xFEnot utf-8 \xC3\x28", 16);
  binary += std::string(300000, 'x');  // larger than a pipe buffer
  const pid_t parent = ::getpid();
  auto r = run_isolated(
      [&]() -> core::Result<std::string> {
        if (::getpid() == parent) return core::fail(ErrorCode::kInternal, "ran in the parent");
        return binary;
      },
      limits());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(*r, binary);
}

TEST(RunIsolated, AnErrorRoundTripsIntact) {
  core::Error sent = core::make_error(ErrorCode::kImageTooLarge, "msg \xFF with a bad byte",
                                      "public text", "a hint");
  sent.details = core::FieldErrors{
      {{"files[3].sequence", "DUPLICATE", "twice"}, {"files[4].bytes", "TOO_LARGE", "big"}}};
  auto r =
      run_isolated([&]() -> core::Result<std::string> { return std::unexpected(sent); }, limits());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kImageTooLarge);
  EXPECT_EQ(r.error().message, "msg \xEF\xBF\xBD with a bad byte");  // invalid UTF-8 replaced
  EXPECT_EQ(r.error().public_message, "public text");
  EXPECT_EQ(r.error().hint, "a hint");
  const auto* fields = std::get_if<core::FieldErrors>(&r.error().details);
  ASSERT_NE(fields, nullptr);
  EXPECT_EQ(fields->fields, std::get<core::FieldErrors>(sent.details).fields);
}

TEST(RunIsolated, EveryDetailsKindRoundTrips) {
  core::Error conflict = core::make_error(ErrorCode::kOpenBatchExists, "m", "p", "h");
  conflict.details = core::ConflictDetails{"batchId", 42};
  auto back = decode_isolated_result(encode_isolated_result(std::unexpected(conflict)));
  ASSERT_FALSE(back.has_value());
  const auto& c = std::get<core::ConflictDetails>(back.error().details);
  EXPECT_EQ(c.what, "batchId");
  EXPECT_EQ(c.id, 42);

  core::Error incomplete = core::make_error(ErrorCode::kUploadIncomplete, "m");
  incomplete.details = core::UploadIncompleteDetails{{"a", "b"}, {{"c", "SIZE_MISMATCH"}}};
  back = decode_isolated_result(encode_isolated_result(std::unexpected(incomplete)));
  ASSERT_FALSE(back.has_value());
  const auto& u = std::get<core::UploadIncompleteDetails>(back.error().details);
  EXPECT_EQ(u.missing, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(u.mismatched.size(), 1U);
  EXPECT_EQ(u.mismatched[0].client_id, "c");
  EXPECT_EQ(u.mismatched[0].reason, "SIZE_MISMATCH");
}

TEST(RunIsolated, ASegfaultIsCorruptMediaNamingTheSignalAndTheParentCarriesOn) {
  const testing::TempDir dir;
  auto r = run_isolated(
      [&]() -> core::Result<std::string> {
        write_pid(dir / "child", ::getpid());
        std::raise(SIGSEGV);
        return "unreachable";
      },
      limits());
  ASSERT_TRUE(testing::fails_with(r, ErrorCode::kCorruptMedia));
  EXPECT_NE(r.error().message.find("SIGSEGV"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("testing the isolation"), std::string::npos);
  EXPECT_FALSE(r.error().hint.empty());
  EXPECT_FALSE(r.error().public_message.empty());
  const pid_t child = read_pid(dir / "child");
  ASSERT_GT(child, 0);
  EXPECT_EQ(::waitpid(child, nullptr, WNOHANG), -1);  // already reaped: no zombie
  EXPECT_EQ(errno, ECHILD);
  EXPECT_TRUE(gone(child));

  // The parent is unharmed and isolates the next call as well.
  auto next = run_isolated([]() -> core::Result<std::string> { return "fine"; }, limits());
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, "fine");
}

TEST(RunIsolated, AnAbortNamesSigabrt) {
  auto r = run_isolated([]() -> core::Result<std::string> { std::abort(); }, limits());
  ASSERT_TRUE(testing::fails_with(r, ErrorCode::kCorruptMedia));
  EXPECT_NE(r.error().message.find("SIGABRT"), std::string::npos) << r.error().message;
}

TEST(RunIsolated, AHangIsAProcessingTimeoutAndTheChildAndItsHelpersAreKilled) {
  const testing::TempDir dir;
  auto r = run_isolated(
      [&]() -> core::Result<std::string> {
        write_pid(dir / "child", ::getpid());
        const pid_t helper = ::fork();  // like a decoder that starts a helper process
        if (helper == 0) {
          for (;;) ::pause();
        }
        write_pid(dir / "helper", helper);
        volatile unsigned long spin = 0;
        for (;;) spin = spin + 1;
      },
      limits(300ms));
  ASSERT_TRUE(testing::fails_with(r, ErrorCode::kProcessingTimeout));
  EXPECT_NE(r.error().message.find("testing the isolation"), std::string::npos);
  EXPECT_FALSE(r.error().hint.empty());
  const pid_t child = read_pid(dir / "child");
  const pid_t helper = read_pid(dir / "helper");
  ASSERT_GT(child, 0);
  ASSERT_GT(helper, 0);
  EXPECT_EQ(::waitpid(child, nullptr, WNOHANG), -1);
  EXPECT_TRUE(gone(child));
  EXPECT_TRUE(gone(helper));
}

TEST(RunIsolated, AResultIsNotHeldBackByAHelperThatKeepsThePipeOpen) {
  const testing::TempDir dir;
  auto r = run_isolated(
      [&]() -> core::Result<std::string> {
        const pid_t helper = ::fork();
        if (helper == 0) {
          for (;;) ::pause();
        }
        write_pid(dir / "helper", helper);
        return "done";
      },
      limits(60s));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(*r, "done");
  EXPECT_TRUE(gone(read_pid(dir / "helper")));
}

TEST(RunIsolated, AnExceptionIsAnInternalError) {
  auto r = run_isolated([]() -> core::Result<std::string> { throw std::runtime_error("boom"); },
                        limits());
  ASSERT_TRUE(testing::fails_with(r, ErrorCode::kInternal));
  EXPECT_NE(r.error().message.find("boom"), std::string::npos);
}

TEST(RunIsolated, AChildThatExitsWithoutAResultIsAnInternalError) {
  auto r = run_isolated([]() -> core::Result<std::string> { std::_Exit(3); }, limits());
  ASSERT_TRUE(testing::fails_with(r, ErrorCode::kInternal));
  EXPECT_NE(r.error().message.find("status 3"), std::string::npos) << r.error().message;
}

using support::kAddressSanitizer;

TEST(RunIsolated, TheMemoryLimitAppliesInTheChildOnly) {
  if (kAddressSanitizer) GTEST_SKIP() << "ASan reserves terabytes of address space: no RLIMIT_AS";
  IsolationLimits small = limits();
  small.max_memory_bytes = 512ULL << 20;
  auto r = run_isolated(
      []() -> core::Result<std::string> {
        std::vector<char> big(1ULL << 30, 'x');  // 1 GiB > 512 MiB
        return std::string(1, big.back());
      },
      small);
  ASSERT_TRUE(testing::fails_with(r, ErrorCode::kCorruptMedia));
  EXPECT_NE(r.error().message.find("out of memory"), std::string::npos) << r.error().message;
  // The parent itself was not limited.
  std::vector<char> big(1ULL << 30, 'y');
  EXPECT_EQ(big.back(), 'y');
}

// The production limit (IsolationLimits' default, what the pipeline's photo steps use) leaves a
// child room to work in every build, the AddressSanitizer one included (where an address limit
// would kill the child at its first allocation).
TEST(RunIsolated, TheDefaultMemoryLimitLetsTheChildAllocate) {
  const IsolationLimits production{.step = "allocating 64 MiB", .timeout = 60s};
  ASSERT_GT(production.max_memory_bytes, 0U);
  auto r = run_isolated(
      []() -> core::Result<std::string> {
        std::vector<std::string> blocks;
        for (int i = 0; i < 64; ++i) blocks.emplace_back(std::string(1U << 20U, 'x'));
        return std::to_string(blocks.size());
      },
      production);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(*r, "64");
}

}  // namespace
}  // namespace toq::media
