#include "core/service/run_job.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/model/object_keys.hpp"
#include "core/service/job_outcome.hpp"
#include "core/service/lease_keeper.hpp"

namespace toq::core {

struct RunJob::Run {
  Job job;
  Batch batch;
  std::vector<Asset> assets;  // in asset order
  JobRunReport report;
  std::vector<ArchiveItem> archive_items;  // the READY assets, for the ZIP
  std::optional<AssetFailure> first_failure;
  bool lease_gone = false;  // a fenced write found the lease held by another worker
};

RunJob::RunJob(Database& db, MediaProcessor& processor, const Clock& clock, RunJobOptions options)
    : db_(db), processor_(processor), clock_(clock), options_(std::move(options)) {
  if (!options_.backoff) {
    options_.backoff = [](std::int32_t attempt) {
      return std::chrono::seconds(std::min<std::int64_t>(300, 5LL << std::min(attempt, 6)));
    };
  }
}

Result<std::optional<JobRunReport>> RunJob::run_next(const AssetRecorded& on_asset) {
  auto claimed = claim_and_load();
  if (!claimed) {
    return std::unexpected(claimed.error());
  }
  if (!*claimed) {
    return std::optional<JobRunReport>();
  }
  Run& run = **claimed;
  // Started too often (each start that ended without finishing: a crash, a hang, a transient
  // fault that never cleared): fail for good instead of looping forever.
  if (run.job.attempt > options_.max_attempts) {
    return give_up(run);
  }
  if (auto started = start(run); !started) {
    return std::unexpected(started.error());
  }
  LeaseKeeper lease(db_, clock_, run.job.id, options_.worker_id, options_.lease);
  if (auto ended = process_assets(run, lease, on_asset)) {
    return std::move(*ended);
  }
  return archive_and_finish(run, lease);
}

Result<std::optional<RunJob::Run>> RunJob::claim_and_load() {
  const auto claimed_at = clock_.now();
  auto claimed = db_.transact([&](UnitOfWork& uow) {
    return uow.jobs().claim_next(options_.worker_id, claimed_at + options_.lease, claimed_at);
  });
  if (!claimed) {
    return std::unexpected(claimed.error());
  }
  if (!*claimed) {
    return std::optional<Run>();
  }
  const Job job = **claimed;
  if (options_.on_claimed) {
    options_.on_claimed(job);
  }
  return db_.transact([&](UnitOfWork& uow) -> Result<std::optional<Run>> {
    auto batch = uow.batches().find(job.batch_id);
    if (!batch) {
      return std::unexpected(batch.error());
    }
    if (!*batch) {
      return fail(ErrorCode::kBatchNotFound,
                  fmt::format("job {} names missing batch {}", job.id.value, job.batch_id.value));
    }
    auto assets = uow.assets().list_by_batch(job.batch_id);
    if (!assets) {
      return std::unexpected(assets.error());
    }
    std::sort(assets->begin(), assets->end(),
              [](const Asset& a, const Asset& b) { return a.id < b.id; });
    Run run{.job = job,
            .batch = **batch,
            .assets = std::move(*assets),
            .report = {},
            .archive_items = {},
            .first_failure = std::nullopt};
    run.report.job = job.id;
    run.report.batch = run.batch.id;
    run.report.listing = run.batch.listing_id;
    run.report.attempt = job.attempt;
    run.report.traceparent = job.traceparent;
    return std::optional<Run>(std::move(run));
  });
}

RunJob::Outcome RunJob::give_up(Run& run) {
  const auto now = clock_.now();
  auto done = db_.run([&](UnitOfWork& uow) -> Status {
    run.report.assets_failed = 0;  // the unit may run again after a deadlock: count once
    if (run.batch.status == BatchStatus::kReceived) {
      if (auto m = uow.batches().transition(run.batch.id, BatchStatus::kReceived,
                                            BatchStatus::kProcessing, now);
          !m) {
        return std::unexpected(m.error());
      }
    }
    const AssetFailure failure{
        .code = ErrorCode::kProcessingTimeout,
        .message = fmt::format("Processing stopped {} times before this file was done.",
                               run.job.attempt - 1),
        .hint =
            "Try again later; if it keeps failing, export the file again and upload it in a "
            "new session.",
        .traceparent = run.job.traceparent};
    auto failed = fail_unfinished_assets(uow, run.assets, run.job.id, failure, now);
    if (!failed) {
      return std::unexpected(failed.error());
    }
    run.report.assets_failed = *failed;
    return finish_job(
        uow, run.job, run.batch, false,
        make_error(ErrorCode::kProcessingTimeout,
                   fmt::format("job started {} times without finishing", run.job.attempt - 1)),
        now);
  });
  if (!done) {
    return std::unexpected(done.error());
  }
  run.report.end = JobRunReport::End::kFailed;
  return std::optional(run.report);
}

Status RunJob::start(Run& run) {
  if (run.batch.status == BatchStatus::kReceived) {
    auto moved = db_.transact([&](UnitOfWork& uow) {
      return uow.batches().transition(run.batch.id, BatchStatus::kReceived,
                                      BatchStatus::kProcessing, clock_.now());
    });
    if (!moved) {
      return std::unexpected(moved.error());
    }
    run.batch = *moved;
    return {};
  }
  if (run.batch.status != BatchStatus::kProcessing) {
    return fail(ErrorCode::kInternal,
                fmt::format("job {} is running but batch {} is {}", run.job.id.value,
                            run.batch.id.value, to_string(run.batch.status)));
  }
  return {};
}

RunJob::Outcome RunJob::release(Run& run, Error error) {
  const auto now = clock_.now();
  auto released = db_.transact([&](UnitOfWork& uow) {
    return uow.jobs().release(run.job.id, options_.worker_id,
                              now + options_.backoff(run.job.attempt), error.message, now);
  });
  if (!released && released.error().code != ErrorCode::kStaleState) {
    return std::unexpected(released.error());
  }
  run.report.end = JobRunReport::End::kReleased;
  run.report.error = std::move(error);
  return std::optional(run.report);
}

std::optional<RunJob::Outcome> RunJob::process_assets(Run& run, const LeaseKeeper& lease,
                                                      const AssetRecorded& on_asset) {
  for (auto& asset : run.assets) {
    if (lease.lost()) {
      run.report.end = JobRunReport::End::kLeaseLost;
      return Outcome(std::optional(run.report));
    }
    if (!done_by(asset, run.job.id)) {
      if (auto ended = process_asset(run, asset, lease, on_asset)) {
        return ended;
      }
    }
    if (asset.status != AssetStatus::kReady) {
      ++run.report.assets_failed;
      if (!run.first_failure && asset.failure) {
        run.first_failure = asset.failure;
      }
      continue;
    }
    ++run.report.assets_ready;
    auto renditions = db_.transact(
        [&](UnitOfWork& uow) { return uow.assets().renditions(asset.id, run.job.id); });
    if (!renditions) {
      return Outcome(std::unexpected(renditions.error()));
    }
    const auto& batch = run.batch;
    run.archive_items.push_back(
        ArchiveItem{.asset = asset.id,
                    .declared = asset.declared,
                    .raw_key = raw_key(batch.listing_id, batch.id, asset.id),
                    .facts = asset.facts,
                    .renditions = std::move(*renditions)});
  }
  return std::nullopt;
}

// An asset write in one transaction with a heartbeat (a compare-and-set on the job RUNNING and
// held by this worker): a worker whose lease another one took over (a stall, the clock jumping
// forward) records nothing more, even before its lease keeper notices.
Result<Asset> RunJob::fenced(Run& run,
                             const std::function<Result<Asset>(UnitOfWork&, Timestamp)>& write) {
  return db_.transact([&](UnitOfWork& uow) -> Result<Asset> {
    const auto now = clock_.now();
    auto held = uow.jobs().heartbeat(run.job.id, options_.worker_id, now + options_.lease, now);
    if (!held) {
      run.lease_gone = held.error().code == ErrorCode::kStaleState;
      return std::unexpected(held.error());
    }
    return write(uow, now);
  });
}

std::optional<RunJob::Outcome> RunJob::lease_lost_or_error(Run& run, const Error& error) {
  if (!run.lease_gone) return Outcome(std::unexpected(error));
  run.report.end = JobRunReport::End::kLeaseLost;
  return Outcome(std::optional(run.report));
}

// One asset through the processor, its result recorded in its own transaction.
std::optional<RunJob::Outcome> RunJob::process_asset(Run& run, Asset& asset,
                                                     const LeaseKeeper& lease,
                                                     const AssetRecorded& on_asset) {
  const auto& job = run.job;
  const auto& batch = run.batch;
  if (asset.status != AssetStatus::kProcessing || asset.job_id != job.id) {
    // Before the work, fenced by the lease: the status route shows it in progress.
    auto marked = fenced(run, [&](UnitOfWork& uow, Timestamp now) {
      return uow.assets().mark_processing(asset.id, job.id, now);
    });
    if (!marked) return lease_lost_or_error(run, marked.error());
    asset = *marked;
  }
  const AssetWork work{.listing = batch.listing_id,
                       .batch = batch.id,
                       .job = job.id,
                       .asset = asset.id,
                       .declared = asset.declared,
                       .raw_key = raw_key(batch.listing_id, batch.id, asset.id)};
  auto result = processor_.process_asset(work);
  if (!result) {
    return release(run, result.error());
  }
  if (result->failure) result->failure->traceparent = job.traceparent;
  if (lease.lost()) {
    run.report.end = JobRunReport::End::kLeaseLost;
    return Outcome(std::optional(run.report));
  }
  auto recorded = fenced(run, [&](UnitOfWork& uow, Timestamp now) {
    return record_asset_outcome(uow, asset, job.id, *result, now);
  });
  if (!recorded) return lease_lost_or_error(run, recorded.error());
  asset = *recorded;
  if (on_asset) {
    on_asset(asset, *result);
  }
  return std::nullopt;
}

RunJob::Outcome RunJob::archive_and_finish(Run& run, const LeaseKeeper& lease) {
  auto& report = run.report;
  const bool ready = report.assets_failed == 0;
  std::optional<ArchiveInfo> archive;
  if (ready) {
    auto built = processor_.build_archive(ArchiveWork{.listing = run.batch.listing_id,
                                                      .batch = run.batch.id,
                                                      .job = run.job.id,
                                                      .items = std::move(run.archive_items)});
    if (!built) {
      return release(run, built.error());
    }
    archive = std::move(*built);
  }
  if (lease.lost()) {
    report.end = JobRunReport::End::kLeaseLost;
    return std::optional(report);
  }
  auto finished = db_.run([&](UnitOfWork& uow) -> Status {
    const auto now = clock_.now();
    if (archive) {
      if (auto r = uow.jobs().record_archive(run.job.id, *archive, now); !r) {
        return std::unexpected(r.error());
      }
    }
    std::optional<Error> job_error;
    if (!ready) {
      job_error = failed_assets_error(
          report.assets_failed, report.assets_failed + report.assets_ready, run.first_failure);
    }
    return finish_job(uow, run.job, run.batch, ready, std::move(job_error), now);
  });
  if (!finished) {
    if (finished.error().code == ErrorCode::kStaleState) {
      report.end = JobRunReport::End::kLeaseLost;
      return std::optional(report);
    }
    return std::unexpected(finished.error());
  }
  report.end = ready ? JobRunReport::End::kSucceeded : JobRunReport::End::kFailed;
  report.archive = std::move(archive);
  return std::optional(report);
}

}  // namespace toq::core
