#pragma once
// The AWS mode's use-case tests: the service fixture's real database and store, batches completed
// in the AWS mode (their job QUEUED with its start row), and Step Functions behind the
// ExecutionStarter port. Step Functions cannot run here, so FakeStepFunctions answers as AWS
// documents it, in the words the adapter (src/adapter/aws/step_functions.cpp) turns AWS's
// answers into:
// - StartExecution (https://docs.aws.amazon.com/step-functions/latest/apireference/
//   API_StartExecution.html): a Standard workflow's execution name is unique; a repeat with the
//   same name and input while that execution is running succeeds with the original response; a
//   closed execution of that name, or another input, is ExecutionAlreadyExists (kAlreadyExists).
// - DescribeExecution (.../API_DescribeExecution.html): status RUNNING | SUCCEEDED | FAILED |
//   TIMED_OUT | ABORTED with error and cause; ExecutionDoesNotExist for an unknown execution
//   (kNotFound).
// - ThrottlingException and HTTP 5xx (.../CommonErrors.html) are retryable: PIPELINE_UNAVAILABLE;
//   AccessDeniedException and the other 4xx are not: PIPELINE_ERROR. fail_next() queues such
//   answers for the next calls, which then reach no state machine.

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/model/execution.hpp"
#include "core/port/execution_starter.hpp"
#include "core/service/check_overdue_executions.hpp"
#include "core/service/execution_runs.hpp"
#include "core/service/relay_execution_starts.hpp"

#include "service/service_fixture.hpp"

namespace toq::testing {

inline constexpr std::string_view kTraceparent =
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

class FakeStepFunctions final : public core::ExecutionStarter {
 public:
  struct Execution {
    std::string input;
    core::ExecutionStatus status = core::ExecutionStatus::kRunning;
    std::string error;
  };

  core::Result<core::StartResult> start(const core::StartRequest& request) override {
    std::this_thread::sleep_for(latency_);  // a call takes time: relays overlap
    std::scoped_lock lock(mutex_);
    start_inputs_[std::string(request.name)].emplace_back(request.input);
    if (auto e = next_failure()) return std::unexpected(*e);
    const std::string name(request.name);
    const std::string arn = "arn:aws:states:us-east-1:123456789012:execution:media:" + name;
    auto it = executions_.find(name);
    if (it == executions_.end()) {
      executions_.emplace(name, Execution{std::string(request.input), {}, {}});
      return core::StartResult{core::StartResult::Outcome::kStarted, arn};
    }
    if (it->second.status == core::ExecutionStatus::kRunning && it->second.input == request.input) {
      return core::StartResult{core::StartResult::Outcome::kStarted, arn};
    }
    return core::StartResult{core::StartResult::Outcome::kAlreadyExists, arn};
  }

  core::Result<core::ExecutionState> describe(std::string_view name) override {
    std::scoped_lock lock(mutex_);
    ++describes_;
    if (auto e = next_failure()) return std::unexpected(*e);
    auto it = executions_.find(std::string(name));
    if (it == executions_.end()) return core::ExecutionState{core::ExecutionStatus::kNotFound, {}};
    return core::ExecutionState{it->second.status, it->second.error};
  }

  core::Status check() override { return {}; }
  std::string_view service_name() const override { return "Step Functions"; }

  void set_latency(std::chrono::milliseconds latency) { latency_ = latency; }
  void fail_next(core::Error error) {
    std::scoped_lock lock(mutex_);
    failures_.push_back(std::move(error));
  }
  static core::Error throttled() {
    return core::make_error(core::ErrorCode::kPipelineUnavailable,
                            "StartExecution: ThrottlingException: Rate exceeded");
  }
  static core::Error server_error() {
    return core::make_error(core::ErrorCode::kPipelineUnavailable,
                            "StartExecution: HTTP 500 InternalFailure");
  }
  static core::Error access_denied() {
    return core::make_error(core::ErrorCode::kPipelineError,
                            "StartExecution: AccessDeniedException: not authorized to perform "
                            "states:StartExecution");
  }
  // The execution ended (or was made by an earlier relay): as Step Functions would hold it.
  void set(const std::string& name, Execution execution) {
    std::scoped_lock lock(mutex_);
    executions_[name] = std::move(execution);
  }
  // Gone from Step Functions (a closed Standard execution is kept 90 days, then
  // DescribeExecution answers ExecutionDoesNotExist).
  void forget(const std::string& name) {
    std::scoped_lock lock(mutex_);
    executions_.erase(name);
  }
  std::map<std::string, Execution> executions() const {
    std::scoped_lock lock(mutex_);
    return executions_;
  }
  // Every StartExecution input received for `name`, failed calls included.
  std::vector<std::string> start_inputs(const std::string& name) const {
    std::scoped_lock lock(mutex_);
    auto it = start_inputs_.find(name);
    return it == start_inputs_.end() ? std::vector<std::string>{} : it->second;
  }
  int describes() const {
    std::scoped_lock lock(mutex_);
    return describes_;
  }

 private:
  std::optional<core::Error> next_failure() {
    if (failures_.empty()) return std::nullopt;
    auto e = failures_.front();
    failures_.pop_front();
    return e;
  }

  mutable std::mutex mutex_;
  std::map<std::string, Execution> executions_;
  std::map<std::string, std::vector<std::string>> start_inputs_;
  std::deque<core::Error> failures_;
  int describes_ = 0;
  std::chrono::milliseconds latency_{0};
};

class AwsServiceTest : public ServiceTest {
 protected:
  static constexpr std::chrono::seconds kReportDeadline{3600};

  // A mixed batch created, uploaded and completed in the AWS mode: its job QUEUED, its start row
  // holding the execution input.
  struct AwsBatch {
    core::BatchId id;
    core::ListingId listing;
    core::JobId job;
  };
  AwsBatch completed_aws(std::int64_t listing_id) {
    listing(listing_id);
    auto batch = create_mixed(listing_id);
    auto parts = upload(batch);
    auto in = complete_input(batch, parts);
    in.traceparent = std::string(kTraceparent);
    auto out = must(core::CompleteUploadBatch({*db_, *store_, *store_, clock_, &aws_}).run(in),
                    "complete (aws)");
    return {batch.batch_id, batch.listing_id, out.job_id};
  }

  core::RelayStartOptions relay_options(std::string owner = "relay-a") {
    core::RelayStartOptions o;
    o.owner = std::move(owner);
    o.claim = std::chrono::seconds{60};
    o.report_deadline = kReportDeadline;
    o.transient_base = std::chrono::milliseconds{1000};
    o.transient_cap = std::chrono::milliseconds{8000};
    o.refused_base = std::chrono::milliseconds{30000};
    o.refused_cap = std::chrono::milliseconds{120000};
    o.random = [] { return 0.5; };
    return o;
  }
  core::RelayExecutionStarts relay(core::ExecutionStarter& starter,
                                   core::RelayStartOptions options) {
    return core::RelayExecutionStarts(*db_, starter, clock_, std::move(options));
  }
  core::CheckOverdueExecutions overdue(core::ExecutionStarter& starter) {
    return core::CheckOverdueExecutions(*db_, starter, clock_, {kReportDeadline, 20});
  }

  core::ExecutionStart start_row(core::JobId job) {
    auto row = must(tx([&](core::UnitOfWork& u) { return u.starts().find_by_job(job); }));
    EXPECT_TRUE(row.has_value());
    return row.value_or(core::ExecutionStart{});
  }
  core::Job job(core::JobId id) {
    auto j = must(tx([&](core::UnitOfWork& u) { return u.jobs().find(id); }));
    EXPECT_TRUE(j.has_value());
    return j.value_or(core::Job{});
  }
  core::Batch batch_row(core::BatchId id) {
    return *must(tx([&](core::UnitOfWork& u) { return u.batches().find(id); }));
  }
  std::vector<core::Asset> assets(core::BatchId id) {
    return must(tx([&](core::UnitOfWork& u) { return u.assets().list_by_batch(id); }));
  }
  std::vector<core::OutboxEvent> webhooks() {
    return must(tx([&](core::UnitOfWork& u) {
      return u.outbox().due(clock_.now() + std::chrono::hours{24 * 365}, 1000);
    }));
  }

  core::AwsProcessing aws_{.bucket = "media", .max_concurrency = 4};
};

}  // namespace toq::testing
