#include "core/model/status.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <gtest/gtest.h>

namespace toq::core {
namespace {

// The legal moves, copied from the comments in status.hpp and NOT taken from status.cpp, so a
// wrong edge in the implementation fails here instead of being mirrored.

// PENDING_UPLOAD -> RECEIVED -> PROCESSING -> READY | FAILED.
// Also: PENDING_UPLOAD -> FAILED, RECEIVED -> FAILED, READY | FAILED -> PROCESSING.
const std::set<std::pair<BatchStatus, BatchStatus>> kBatchTable = {
    {BatchStatus::kPendingUpload, BatchStatus::kReceived},
    {BatchStatus::kReceived, BatchStatus::kProcessing},
    {BatchStatus::kProcessing, BatchStatus::kReady},
    {BatchStatus::kProcessing, BatchStatus::kFailed},
    {BatchStatus::kPendingUpload, BatchStatus::kFailed},
    {BatchStatus::kReceived, BatchStatus::kFailed},
    {BatchStatus::kReady, BatchStatus::kProcessing},
    {BatchStatus::kFailed, BatchStatus::kProcessing},
};

// PENDING_UPLOAD -> UPLOADED -> PROCESSING -> READY | FAILED.
// Also: PENDING_UPLOAD -> FAILED (UPLOAD_MISSING), READY | FAILED -> PROCESSING (retry).
const std::set<std::pair<AssetStatus, AssetStatus>> kAssetTable = {
    {AssetStatus::kPendingUpload, AssetStatus::kUploaded},
    {AssetStatus::kUploaded, AssetStatus::kProcessing},
    {AssetStatus::kProcessing, AssetStatus::kReady},
    {AssetStatus::kProcessing, AssetStatus::kFailed},
    {AssetStatus::kPendingUpload, AssetStatus::kFailed},
    {AssetStatus::kReady, AssetStatus::kProcessing},
    {AssetStatus::kFailed, AssetStatus::kProcessing},
};

// QUEUED -> RUNNING -> SUCCEEDED | FAILED; RUNNING -> QUEUED.
const std::set<std::pair<JobStatus, JobStatus>> kJobTable = {
    {JobStatus::kQueued, JobStatus::kRunning},
    {JobStatus::kRunning, JobStatus::kSucceeded},
    {JobStatus::kRunning, JobStatus::kFailed},
    {JobStatus::kRunning, JobStatus::kQueued},
};

// The message names both states, `from` before `to`, and the row id.
::testing::AssertionResult names_move(const std::string& message, std::string_view from,
                                      std::string_view to, std::int64_t id) {
  const auto at_from = message.find(from);
  if (at_from == std::string::npos) {
    return ::testing::AssertionFailure() << "'" << message << "' does not name " << from;
  }
  if (message.find(to, at_from + from.size()) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "'" << message << "' does not name " << to << " after " << from;
  }
  if (message.find(std::to_string(id)) == std::string::npos) {
    return ::testing::AssertionFailure() << "'" << message << "' does not name id " << id;
  }
  return ::testing::AssertionSuccess();
}

template <class S, std::size_t N>
void check_machine(const S (&all)[N], const std::set<std::pair<S, S>>& table) {
  constexpr std::int64_t kId = 4242;
  std::size_t legal = 0;
  for (auto from : all) {
    for (auto to : all) {
      const bool expected = table.contains({from, to});
      const auto label = std::string(to_string(from)) + " -> " + std::string(to_string(to));
      EXPECT_EQ(can_transition(from, to), expected) << label;
      const Status s = check_transition(from, to, kId);
      EXPECT_EQ(s.has_value(), expected) << label;
      if (expected) {
        ++legal;
        continue;
      }
      if (s.has_value()) continue;
      EXPECT_EQ(s.error().code, ErrorCode::kInvalidStateTransition) << label;
      EXPECT_TRUE(names_move(s.error().message, to_string(from), to_string(to), kId)) << label;
      EXPECT_FALSE(s.error().client_message().empty()) << label;
    }
  }
  // Every table edge was visited, so `all` covers the states the table uses.
  EXPECT_EQ(legal, table.size());
}

TEST(BatchStatus, TransitionsMatchTheTable) {
  check_machine(kAllBatchStatuses, kBatchTable);
}

TEST(AssetStatus, TransitionsMatchTheTable) {
  check_machine(kAllAssetStatuses, kAssetTable);
}

TEST(JobStatus, TransitionsMatchTheTable) {
  check_machine(kAllJobStatuses, kJobTable);
}

TEST(JobStatus, AJobNeverFinishesWithoutRunning) {
  EXPECT_FALSE(can_transition(JobStatus::kQueued, JobStatus::kSucceeded));
  EXPECT_FALSE(can_transition(JobStatus::kQueued, JobStatus::kFailed));
}

TEST(BatchStatus, MessageNamesTheEntity) {
  const auto b = check_transition(BatchStatus::kReady, BatchStatus::kReceived, 51);
  ASSERT_FALSE(b.has_value());
  EXPECT_NE(b.error().message.find("batch"), std::string::npos) << b.error().message;
  const auto a = check_transition(AssetStatus::kReady, AssetStatus::kUploaded, 301);
  ASSERT_FALSE(a.has_value());
  EXPECT_NE(a.error().message.find("asset"), std::string::npos) << a.error().message;
  const auto j = check_transition(JobStatus::kSucceeded, JobStatus::kRunning, 77);
  ASSERT_FALSE(j.has_value());
  EXPECT_NE(j.error().message.find("job"), std::string::npos) << j.error().message;
}

// The "all" arrays list every enumerator once, in declaration order.
template <class S, std::size_t N>
void expect_complete(const S (&all)[N], std::size_t count) {
  ASSERT_EQ(N, count);
  for (std::size_t i = 0; i < N; ++i) EXPECT_EQ(static_cast<std::size_t>(all[i]), i);
}

TEST(Statuses, AllArraysAreComplete) {
  expect_complete(kAllBatchStatuses, 5);
  expect_complete(kAllAssetStatuses, 5);
  expect_complete(kAllJobStatuses, 4);
}

template <class S, std::size_t N, class Parse>
void expect_round_trip(const S (&all)[N], Parse parse) {
  std::set<std::string_view> names;
  for (auto s : all) {
    const auto name = to_string(s);
    EXPECT_TRUE(names.insert(name).second) << name;
    const auto parsed = parse(name);
    ASSERT_TRUE(parsed.has_value()) << name;
    EXPECT_EQ(*parsed, s) << name;
  }
  for (std::string_view bad : {"", "UNKNOWN", "ready", "Ready", " READY", "READY ", "PENDING"}) {
    EXPECT_EQ(parse(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(BatchStatus, StringsRoundTrip) {
  expect_round_trip(kAllBatchStatuses, parse_batch_status);
  EXPECT_EQ(to_string(BatchStatus::kPendingUpload), "PENDING_UPLOAD");
  EXPECT_EQ(to_string(BatchStatus::kReceived), "RECEIVED");
  EXPECT_EQ(to_string(BatchStatus::kProcessing), "PROCESSING");
  EXPECT_EQ(to_string(BatchStatus::kReady), "READY");
  EXPECT_EQ(to_string(BatchStatus::kFailed), "FAILED");
}

TEST(AssetStatus, StringsRoundTrip) {
  expect_round_trip(kAllAssetStatuses, parse_asset_status);
  EXPECT_EQ(to_string(AssetStatus::kPendingUpload), "PENDING_UPLOAD");
  EXPECT_EQ(to_string(AssetStatus::kUploaded), "UPLOADED");
  EXPECT_EQ(to_string(AssetStatus::kProcessing), "PROCESSING");
  EXPECT_EQ(to_string(AssetStatus::kReady), "READY");
  EXPECT_EQ(to_string(AssetStatus::kFailed), "FAILED");
  EXPECT_EQ(parse_asset_status("RECEIVED"), std::nullopt);  // a batch status only
}

TEST(JobStatus, StringsRoundTrip) {
  expect_round_trip(kAllJobStatuses, parse_job_status);
  EXPECT_EQ(to_string(JobStatus::kQueued), "QUEUED");
  EXPECT_EQ(to_string(JobStatus::kRunning), "RUNNING");
  EXPECT_EQ(to_string(JobStatus::kSucceeded), "SUCCEEDED");
  EXPECT_EQ(to_string(JobStatus::kFailed), "FAILED");
  EXPECT_EQ(parse_job_status("READY"), std::nullopt);
}

TEST(BatchStatus, OpenBatches) {
  EXPECT_TRUE(is_open(BatchStatus::kPendingUpload));
  EXPECT_TRUE(is_open(BatchStatus::kReceived));
  EXPECT_TRUE(is_open(BatchStatus::kProcessing));
  EXPECT_FALSE(is_open(BatchStatus::kReady));
  EXPECT_FALSE(is_open(BatchStatus::kFailed));
}

TEST(JobStatus, ActiveAndTerminal) {
  EXPECT_TRUE(is_active(JobStatus::kQueued));
  EXPECT_TRUE(is_active(JobStatus::kRunning));
  EXPECT_FALSE(is_active(JobStatus::kSucceeded));
  EXPECT_FALSE(is_active(JobStatus::kFailed));
  for (auto s : kAllJobStatuses) EXPECT_NE(is_active(s), is_terminal(s)) << to_string(s);
}

}  // namespace
}  // namespace toq::core
