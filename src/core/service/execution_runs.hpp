#pragma once
// The AWS mode's bookkeeping around one job's execution, shared by the use cases that complete or
// retry a batch (the start row), relay starts (the job begins) and record the callback (a job whose
// start was never marked begins there).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/asset.hpp"
#include "core/model/error.hpp"
#include "core/model/execution_input.hpp"
#include "core/model/ids.hpp"
#include "core/model/job.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"

namespace toq::core {

// What the AWS mode writes into every execution input besides the batch.
struct AwsProcessing {
  std::string bucket;        // storage.s3.bucket
  int max_concurrency = 10;  // aws.maxConcurrency, 1..40
  // aws.archiveLambdaMaxBytes: a batch declaring more bytes gets its ZIP built on Fargate.
  std::int64_t archive_lambda_max_bytes = std::int64_t{4} << 30;
};

// The execution input of `job` over `assets` (any order; written in ascending id), carrying the
// job's stored traceparent. INVALID_REQUEST when the batch has no asset or more than
// kMaxAssetsPerExecution, or the job's traceparent is not a W3C one.
Result<ExecutionInput> execution_input_for(const AwsProcessing& aws, const Job& job,
                                           ListingId listing, const std::vector<Asset>& assets);

// Adds the job's start row (execution_name(job), the serialized input), in the caller's unit of
// work: the transaction that creates the job.
Status enqueue_execution(UnitOfWork& uow, const AwsProcessing& aws, const Job& job,
                         ListingId listing, const std::vector<Asset>& assets, Timestamp now);

// The job's execution is running: in the caller's unit of work, a QUEUED job becomes RUNNING
// (started_at = now, lease owner = its execution name, lease until `report_by`: the overdue
// check's deadline), its batch RECEIVED -> PROCESSING and its assets PROCESSING for it, and its
// start row is marked started (execution_arn when known). A job that is no longer QUEUED is left as
// it is (another relay, or its report, got there first). JOB_NOT_FOUND when it does not exist.
Status begin_execution(UnitOfWork& uow, JobId job, std::string_view execution_arn,
                       Timestamp report_by, Timestamp now);

// The W3C traceparent a serialized execution input carries ("" when it has none).
std::string traceparent_of(std::string_view serialized_input);

}  // namespace toq::core
