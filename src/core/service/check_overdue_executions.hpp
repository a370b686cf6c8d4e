#pragma once
// Use case: no silent trap in the AWS mode. A job whose execution has not reported back by its
// deadline (the lease begin_execution gave it: aws.reportDeadlineSeconds) is looked up with
// DescribeExecution:
// - still RUNNING: its deadline moves on by report_deadline (a long batch, not a lost one);
// - ended (SUCCEEDED, FAILED, TIMED_OUT, ABORTED) or unknown to Step Functions: its report will
//   not come. ONE transaction fails every asset it has not finished with PROCESSING_TIMEOUT, and
//   the job and the batch FAILED with PROCESSING_TIMEOUT, naming the execution and how it ended
//   (finish_job: the listing is left alone, media.batch.failed goes out).
// A report that arrives meanwhile wins: the job is then no longer RUNNING and the compare-and-set
// leaves it as the report made it. Several serve replicas may check at once: DescribeExecution
// only reads, and the failing transaction is a compare-and-set on the job.
//
// run_once() handles up to options.batch overdue jobs; what it decided for each (logs, tests). An
// Error only when the database failed; a describe that failed leaves its job for the next round.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/execution.hpp"
#include "core/model/ids.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/execution_starter.hpp"

namespace toq::core {

struct OverdueOptions {
  std::chrono::seconds report_deadline{25200};
  int batch = 20;
};

struct OverdueJob {
  JobId job;
  std::string execution;  // job-{jobId}-r{run}
  ExecutionStatus status = ExecutionStatus::kNotFound;
  enum class End : std::uint8_t { kExtended, kFailed, kLeftAlone } end = End::kLeftAlone;
  std::optional<Error> error;  // kLeftAlone: why (DescribeExecution failed, or a report won)
  std::string traceparent;     // the job's, "" when it has none
};

class CheckOverdueExecutions {
 public:
  CheckOverdueExecutions(Database& db, ExecutionStarter& starter, const Clock& clock,
                         OverdueOptions options)
      : db_(db), starter_(starter), clock_(clock), options_(options) {}
  Result<std::vector<OverdueJob>> run_once();

 private:
  Database& db_;
  ExecutionStarter& starter_;
  const Clock& clock_;
  OverdueOptions options_;
};

}  // namespace toq::core
