#pragma once
// One claimed work item (one asset of a running job) through the MediaProcessor: the step of
// run_job.hpp (clauses 3 to 5) that the worker holding the job and the workers helping it share.
//
// Contract of run():
// - An asset the job already recorded (READY or FAILED for that job) is not processed again: the
//   item is completed.
// - An item claimed more than options.max_attempts times is not processed: the asset is recorded
//   FAILED with PROCESSING_TIMEOUT ("processing kept stopping") and the item completed.
// - Otherwise the asset moves to PROCESSING for the job, goes through the processor, and its result
//   (READY with facts and renditions, or FAILED with its code, message and hint) is recorded in
//   ONE transaction with the item's completion: an asset is recorded exactly once per job. A
//   failure recorded here (including the PROCESSING_TIMEOUT above) carries the job's traceparent,
//   whichever worker records it.
// - Every write is made in one transaction with a heartbeat of the item (a compare-and-set on the
//   item RUNNING and held by this worker), and the item's lease is extended every lease/3 while
//   the processor runs: a worker whose item another one took over (it stalled past its lease)
//   records nothing (End::kLeaseLost).
// - An infrastructure error from the processor releases the item, due after
//   options.backoff(attempt) (End::kReleased with the error).

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/model/asset.hpp"
#include "core/model/batch.hpp"
#include "core/model/error.hpp"
#include "core/model/job.hpp"
#include "core/model/time.hpp"
#include "core/model/work_item.hpp"
#include "core/port/database.hpp"
#include "core/port/media_processor.hpp"

namespace toq::core {

struct WorkItemOptions {
  std::string worker_id;  // the lease owner
  std::chrono::seconds lease{60};
  std::int32_t max_attempts = 5;
  std::function<std::chrono::seconds(std::int32_t attempt)> backoff;
};

struct WorkItemEnd {
  enum class End : std::uint8_t { kDone, kReleased, kLeaseLost } end = End::kDone;
  // kDone: the asset as recorded, and the result, when this run recorded it.
  std::optional<Asset> asset;
  std::optional<AssetWorkResult> result;
  std::optional<Error> error;  // kReleased: the infrastructure error
};

class WorkItemRunner {
 public:
  // `db`, `processor` and `clock` must outlive the runner.
  WorkItemRunner(Database& db, MediaProcessor& processor, const Clock& clock,
                 WorkItemOptions options);

  // `job` and `batch` are the item's job and its batch.
  Result<WorkItemEnd> run(const Job& job, const Batch& batch, const WorkItem& item);

 private:
  // `write` in one transaction with a heartbeat of the item; kStaleState from the heartbeat sets
  // lost_lease.
  Result<Asset> fenced(const WorkItem& item, bool& lost_lease,
                       const std::function<Result<Asset>(UnitOfWork&, Timestamp)>& write);
  Result<WorkItemEnd> record(const WorkItem& item, const Asset& asset,
                             const AssetWorkResult& result);

  Database& db_;
  MediaProcessor& processor_;
  const Clock& clock_;
  WorkItemOptions options_;
};

}  // namespace toq::core
