// RelayExecutionStarts on the real SQLite adapter, Step Functions behind its port as AWS documents
// it (aws_mode_support.hpp): the same bytes on every attempt, ExecutionAlreadyExists taken as
// started, transient failures retried with a capped backoff and a durable reschedule, a relay that
// died losing its claim, and two relays at once starting each execution once.

#include <barrier>
#include <thread>

#include "service/aws_mode_support.hpp"

namespace toq::testing {
namespace {

using core::BatchStatus;
using core::ErrorCode;
using core::JobStatus;
using End = core::RelayedStart::End;
using std::chrono::milliseconds;

class RelayExecutionStartsTest : public AwsServiceTest {
 protected:
  void expect_started(const AwsBatch& b, const FakeStepFunctions& sfn) {
    const auto row = start_row(b.job);
    EXPECT_TRUE(row.started_at.has_value());
    EXPECT_FALSE(row.claimed_by.has_value());
    EXPECT_EQ(row.execution_arn,
              "arn:aws:states:us-east-1:123456789012:execution:media:" + row.name);
    const auto j = job(b.job);
    EXPECT_EQ(j.status, JobStatus::kRunning);
    EXPECT_EQ(j.lease_owner, row.name);
    EXPECT_EQ(j.lease_expires_at, clock_.now() + kReportDeadline);
    EXPECT_EQ(batch_row(b.id).status, BatchStatus::kProcessing);
    EXPECT_EQ(sfn.executions().count(row.name), 1u);
  }
};

TEST_F(RelayExecutionStartsTest, ThrottlingAnd5xxAreRetriedWithCappedBackoffAndTheSameBytes) {
  FakeStepFunctions sfn;
  const auto b = completed_aws(41);
  const auto original = start_row(b.job);
  EXPECT_EQ(original.name, core::execution_name(b.job, 1));
  EXPECT_EQ(job(b.job).status, JobStatus::kQueued);
  EXPECT_EQ(batch_row(b.id).status, BatchStatus::kReceived);

  // base 1 s, cap 8 s, the random draw pinned at 0.5: half of min(cap, base * 2^(n-1)).
  const std::vector<milliseconds> expected{milliseconds{500}, milliseconds{1000},
                                           milliseconds{2000}, milliseconds{4000},
                                           milliseconds{4000}};
  auto r = relay(sfn, relay_options());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    sfn.fail_next(i % 2 == 0 ? FakeStepFunctions::throttled() : FakeStepFunctions::server_error());
    auto round = must(r.run_once(), "relay round");
    ASSERT_EQ(round.size(), 1u) << "attempt " << i + 1;
    EXPECT_EQ(round[0].end, End::kRetryLater);
    EXPECT_EQ(round[0].retry_after, expected[i]) << "attempt " << i + 1;
    ASSERT_TRUE(round[0].error.has_value());
    EXPECT_EQ(round[0].error->code, ErrorCode::kPipelineUnavailable);
    // Durable: the row says when it is due, released for any relay, the words kept.
    const auto row = start_row(b.job);
    EXPECT_EQ(row.attempts, static_cast<std::int32_t>(i + 1));
    EXPECT_EQ(row.next_attempt_at, clock_.now() + expected[i]);
    EXPECT_FALSE(row.claimed_by.has_value());
    EXPECT_FALSE(row.started_at.has_value());
    EXPECT_NE(row.last_error.find(i % 2 == 0 ? "Throttling" : "500"), std::string::npos);
    EXPECT_EQ(row.input, original.input);
    EXPECT_EQ(job(b.job).status, JobStatus::kQueued);
    // Not due before its backoff ends.
    clock_.advance(expected[i] - milliseconds{1});
    EXPECT_TRUE(must(r.run_once()).empty());
    EXPECT_EQ(sfn.start_inputs(original.name).size(), i + 1);
    clock_.advance(milliseconds{1});
  }
  auto round = must(r.run_once());
  ASSERT_EQ(round.size(), 1u);
  EXPECT_EQ(round[0].end, End::kStarted);
  expect_started(b, sfn);
  // Six calls, every one with the bytes written when the batch was completed.
  const auto inputs = sfn.start_inputs(original.name);
  ASSERT_EQ(inputs.size(), expected.size() + 1);
  for (const auto& input : inputs) EXPECT_EQ(input, original.input);
  EXPECT_EQ(sfn.executions().at(original.name).input, original.input);
  // Done: nothing left to relay.
  clock_.advance(std::chrono::hours{1});
  EXPECT_TRUE(must(r.run_once()).empty());
  EXPECT_EQ(sfn.start_inputs(original.name).size(), expected.size() + 1);
}

TEST_F(RelayExecutionStartsTest, ARefusedStartWaitsTheSlowBackoffAndKeepsTheServiceWords) {
  FakeStepFunctions sfn;
  const auto b = completed_aws(42);
  sfn.fail_next(FakeStepFunctions::access_denied());
  auto round = must(relay(sfn, relay_options()).run_once());
  ASSERT_EQ(round.size(), 1u);
  EXPECT_EQ(round[0].end, End::kRetryLater);
  EXPECT_EQ(round[0].retry_after, milliseconds{15000});  // half of the 30 s base
  const auto row = start_row(b.job);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_NE(row.last_error.find("AccessDeniedException"), std::string::npos);
  EXPECT_EQ(job(b.job).status, JobStatus::kQueued);
  EXPECT_TRUE(sfn.executions().empty());
}

// A relay that called StartExecution and died before marking its row: the next relay's start of
// the same name is answered ExecutionAlreadyExists once that execution has closed (or with the
// original success while it runs), and either way the row is marked, with one execution.
TEST_F(RelayExecutionStartsTest, ExecutionAlreadyExistsIsTakenAsStarted) {
  FakeStepFunctions sfn;
  const auto b = completed_aws(43);
  const auto row = start_row(b.job);
  sfn.set(row.name, {row.input, core::ExecutionStatus::kSucceeded, {}});
  auto round = must(relay(sfn, relay_options()).run_once());
  ASSERT_EQ(round.size(), 1u);
  EXPECT_EQ(round[0].end, End::kAlreadyExisted);
  expect_started(b, sfn);
  EXPECT_EQ(sfn.executions().size(), 1u);
}

TEST_F(RelayExecutionStartsTest, ARelayThatDiedHoldingTheRowLosesItWhenItsClaimLapses) {
  FakeStepFunctions sfn;
  const auto b = completed_aws(44);
  // relay-a claims the row and dies before calling Step Functions.
  must(tx([&](core::UnitOfWork& u) {
    return u.starts().claim_due("relay-a", clock_.now() + std::chrono::seconds{60}, clock_.now(),
                                10);
  }));
  auto other = relay(sfn, relay_options("relay-b"));
  EXPECT_TRUE(must(other.run_once()).empty());
  EXPECT_TRUE(sfn.start_inputs(start_row(b.job).name).empty());
  clock_.advance(std::chrono::seconds{61});
  auto round = must(other.run_once());
  ASSERT_EQ(round.size(), 1u);
  EXPECT_EQ(round[0].end, End::kStarted);
  expect_started(b, sfn);
}

// Two serve replicas relaying the same outbox at the same moment: every job's execution is asked
// for exactly once, and every job begins once.
TEST_F(RelayExecutionStartsTest, TwoRelaysAtOnceStartEachExecutionOnce) {
  FakeStepFunctions sfn;
  std::vector<AwsBatch> batches;
  for (std::int64_t listing_id = 50; listing_id < 56; ++listing_id) {
    batches.push_back(completed_aws(listing_id));
  }
  auto a_options = relay_options("relay-a");
  auto b_options = relay_options("relay-b");
  a_options.batch = 2;
  b_options.batch = 2;
  sfn.set_latency(std::chrono::milliseconds{25});
  auto a = relay(sfn, a_options);
  auto b = relay(sfn, b_options);
  std::barrier go(2);
  std::size_t a_started = 0;
  std::size_t b_started = 0;
  auto drain = [&](core::RelayExecutionStarts& r, std::size_t& started) {
    go.arrive_and_wait();
    for (int round = 0; round < 10; ++round) {
      auto out = r.run_once();
      ASSERT_TRUE(out.has_value()) << out.error().message;
      for (const auto& s : *out) {
        EXPECT_TRUE(s.end == End::kStarted || s.end == End::kAlreadyExisted);
        ++started;
      }
    }
  };
  std::thread ta([&] { drain(a, a_started); });
  std::thread tb([&] { drain(b, b_started); });
  ta.join();
  tb.join();
  EXPECT_EQ(a_started + b_started, batches.size());
  EXPECT_EQ(sfn.executions().size(), batches.size());
  for (const auto& batch : batches) {
    const auto row = start_row(batch.job);
    EXPECT_EQ(sfn.start_inputs(row.name).size(), 1u) << row.name;
    EXPECT_TRUE(row.started_at.has_value());
    EXPECT_EQ(job(batch.job).status, JobStatus::kRunning);
    EXPECT_EQ(job(batch.job).attempt, 1);
  }
}

}  // namespace
}  // namespace toq::testing
