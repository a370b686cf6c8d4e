#include "core/service/run_job.hpp"

#include <algorithm>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/model/object_keys.hpp"
#include "core/service/job_outcome.hpp"
#include "core/service/lease_keeper.hpp"
#include "core/service/work_item_runner.hpp"

namespace toq::core {

struct RunJob::Run {
  Job job;
  Batch batch;
  std::vector<Asset> assets;  // in asset order
  JobRunReport report;
  std::vector<ArchiveItem> archive_items;  // the READY assets, for the ZIP
  std::optional<AssetFailure> first_failure;
  Timestamp planned_at{};  // when the items were planned (due from then)
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
    return help(on_asset);
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
  if (auto ended = plan(run)) return std::move(*ended);
  if (auto ended = work_items(run, lease, on_asset)) return std::move(*ended);
  if (auto ended = collect(run)) return std::move(*ended);
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
            .first_failure = std::nullopt,
            .planned_at = {}};
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
    if (auto closed = uow.items().close_open(run.job.id, now); !closed) {
      return std::unexpected(closed.error());
    }
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

RunJob::Outcome RunJob::release(Run& run, std::optional<Error> error, Timestamp available_at) {
  const auto now = clock_.now();
  const std::string reason = error ? error->message : "waiting for its assets' backoff";
  auto released = db_.transact([&](UnitOfWork& uow) {
    return uow.jobs().release(run.job.id, options_.worker_id, available_at, reason, now);
  });
  if (!released && released.error().code != ErrorCode::kStaleState) {
    return std::unexpected(released.error());
  }
  run.report.end = JobRunReport::End::kReleased;
  run.report.error = std::move(error);
  return std::optional(run.report);
}

WorkItemRunner RunJob::item_runner() const {
  return WorkItemRunner(db_, processor_, clock_,
                        WorkItemOptions{.worker_id = options_.worker_id,
                                        .lease = options_.lease,
                                        .max_attempts = options_.max_attempts,
                                        .backoff = options_.backoff});
}

// One item per asset this job has not recorded, in one transaction with a heartbeat of the job.
std::optional<RunJob::Outcome> RunJob::plan(Run& run) {
  std::vector<PlannedItem> items;
  for (const auto& asset : run.assets) {
    if (done_by(asset, run.job.id)) continue;
    items.push_back(PlannedItem{
        .asset = asset.id, .heavy = group_of(asset.declared.media_type) == MediaGroup::kVideo});
  }
  auto planned = db_.run([&](UnitOfWork& uow) -> Status {
    const auto now = clock_.now();
    if (auto held = uow.jobs().heartbeat(run.job.id, options_.worker_id, now + options_.lease, now);
        !held) {
      return std::unexpected(held.error());
    }
    auto p = uow.items().plan(run.job.id, items, now);
    if (!p) return std::unexpected(p.error());
    run.planned_at = now;
    return {};
  });
  if (!planned) {
    if (planned.error().code != ErrorCode::kStaleState) {
      return Outcome(std::unexpected(planned.error()));
    }
    run.report.end = JobRunReport::End::kLeaseLost;
    return Outcome(std::optional(run.report));
  }
  if (!items.empty() && options_.on_work_due) options_.on_work_due();
  return std::nullopt;
}

// Clause 3: the job's due items, one at a time, until every item is DONE.
std::optional<RunJob::Outcome> RunJob::work_items(Run& run, const LeaseKeeper& lease,
                                                  const AssetRecorded& on_asset) {
  auto runner = item_runner();
  for (;;) {
    if (lease.lost()) {
      run.report.end = JobRunReport::End::kLeaseLost;
      return Outcome(std::optional(run.report));
    }
    // The job's worker never finds its own plan in the future: a clock that stepped back does
    // not stall the job it holds.
    const auto now = std::max(clock_.now(), run.planned_at);
    auto item = db_.transact([&](UnitOfWork& uow) {
      return uow.items().claim_next(options_.worker_id, now + options_.lease, now, run.job.id);
    });
    if (!item) return Outcome(std::unexpected(item.error()));
    if (!*item) {
      bool all_done = false;
      if (auto waited = wait_or_release(run, all_done)) return waited;
      if (all_done) return std::nullopt;
      continue;
    }
    auto ended = runner.run(run.job, run.batch, **item);
    if (!ended) return Outcome(std::unexpected(ended.error()));
    if (ended->end == WorkItemEnd::End::kReleased) {
      return release(run, ended->error, clock_.now() + options_.backoff(run.job.attempt));
    }
    if (ended->asset && on_asset) on_asset(*ended->asset, *ended->result);
  }
}

// Nothing of the job is due: every item is DONE (all_done), a reason to end the run (the
// outcome), or the run waits one poll and looks again.
std::optional<RunJob::Outcome> RunJob::wait_or_release(Run& run, bool& all_done) {
  auto items = db_.transact([&](UnitOfWork& uow) { return uow.items().list_by_job(run.job.id); });
  if (!items) return Outcome(std::unexpected(items.error()));
  std::optional<Timestamp> earliest;
  bool running = false;
  for (const auto& item : *items) {
    if (item.status == WorkItemStatus::kRunning) running = true;
    if (item.status == WorkItemStatus::kQueued) {
      earliest = earliest ? std::min(*earliest, item.available_at) : item.available_at;
    }
  }
  if (!running && !earliest) {
    all_done = true;
    return std::nullopt;
  }
  if (!running) return release(run, std::nullopt, *earliest);
  if (options_.stopping && options_.stopping()) return release(run, std::nullopt, clock_.now());
  if (options_.wait) {
    options_.wait(options_.item_poll);
  } else {
    std::this_thread::sleep_for(options_.item_poll);
  }
  return std::nullopt;
}

// Clause 6: the job's assets as its items left them, for the ending.
std::optional<RunJob::Outcome> RunJob::collect(Run& run) {
  auto assets =
      db_.transact([&](UnitOfWork& uow) { return uow.assets().list_by_batch(run.batch.id); });
  if (!assets) return Outcome(std::unexpected(assets.error()));
  std::sort(assets->begin(), assets->end(),
            [](const Asset& a, const Asset& b) { return a.id < b.id; });
  run.assets = std::move(*assets);
  for (const auto& asset : run.assets) {
    if (!done_by(asset, run.job.id)) {
      return Outcome(fail(ErrorCode::kInternal,
                          fmt::format("job {}: every work item is done but asset {} is {}",
                                      run.job.id.value, asset.id.value, to_string(asset.status))));
    }
    if (asset.status != AssetStatus::kReady) {
      ++run.report.assets_failed;
      if (!run.first_failure && asset.failure) run.first_failure = asset.failure;
      continue;
    }
    ++run.report.assets_ready;
    auto renditions = db_.transact(
        [&](UnitOfWork& uow) { return uow.assets().renditions(asset.id, run.job.id); });
    if (!renditions) return Outcome(std::unexpected(renditions.error()));
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

// Clause 1: no job is due; work the items of one that runs elsewhere while any is due.
RunJob::Outcome RunJob::help(const AssetRecorded& on_asset) {
  const auto claimed_at = clock_.now();
  auto item = db_.transact([&](UnitOfWork& uow) {
    return uow.items().claim_next(options_.worker_id, claimed_at + options_.lease, claimed_at,
                                  std::nullopt);
  });
  if (!item) return std::unexpected(item.error());
  if (!*item) return std::optional<JobRunReport>();
  const JobId job_id = (*item)->job_id;
  auto loaded = db_.transact([&](UnitOfWork& uow) -> Result<std::pair<Job, Batch>> {
    auto j = uow.jobs().find(job_id);
    if (!j) return std::unexpected(j.error());
    if (!*j) return fail(ErrorCode::kJobNotFound, fmt::format("job {} not found", job_id.value));
    auto b = uow.batches().find((*j)->batch_id);
    if (!b) return std::unexpected(b.error());
    if (!*b) return fail(ErrorCode::kBatchNotFound, fmt::format("job {}'s batch", job_id.value));
    return std::pair{**j, **b};
  });
  if (!loaded) return std::unexpected(loaded.error());
  const auto& [job, batch] = *loaded;
  if (options_.on_helping) options_.on_helping(job);
  auto helped = help_with(job, batch, std::move(**item), on_asset);
  // However the turn ended, the job's worker may be waiting for what it did.
  if (options_.on_work_due) options_.on_work_due();
  return helped;
}

// Clause 1: `first` (claimed) and then the job's other due items, one at a time.
RunJob::Outcome RunJob::help_with(const Job& job, const Batch& batch, WorkItem first,
                                  const AssetRecorded& on_asset) {
  const JobId job_id = job.id;
  JobRunReport report{.job = job_id,
                      .batch = batch.id,
                      .listing = batch.listing_id,
                      .attempt = first.attempt,
                      .end = JobRunReport::End::kHelped,
                      .assets_ready = 0,
                      .assets_failed = 0,
                      .error = std::nullopt,
                      .traceparent = job.traceparent,
                      .archive = std::nullopt};
  auto runner = item_runner();
  Result<std::optional<WorkItem>> item = std::optional(std::move(first));
  while (*item) {
    auto ended = runner.run(job, batch, **item);
    if (!ended) return std::unexpected(ended.error());
    if (ended->end == WorkItemEnd::End::kReleased) {
      report.end = JobRunReport::End::kReleased;
      report.error = ended->error;
      return std::optional(report);
    }
    if (ended->end == WorkItemEnd::End::kLeaseLost) {
      report.end = JobRunReport::End::kLeaseLost;
      return std::optional(report);
    }
    if (ended->asset) {
      ++(ended->asset->status == AssetStatus::kReady ? report.assets_ready : report.assets_failed);
      if (on_asset) on_asset(*ended->asset, *ended->result);
    }
    const auto now = clock_.now();
    item = db_.transact([&](UnitOfWork& uow) {
      return uow.items().claim_next(options_.worker_id, now + options_.lease, now, job_id);
    });
    if (!item) return std::unexpected(item.error());
  }
  return std::optional(report);
}

RunJob::Outcome RunJob::archive_and_finish(Run& run, const LeaseKeeper& lease) {
  auto& report = run.report;
  const bool ready = report.assets_failed == 0;
  // Only the job's holder builds the ZIP (the key is the job's: another worker's would be
  // overwritten), and only the holder ends the job: both fenced by a heartbeat.
  auto held = [&](UnitOfWork& uow, Timestamp now) -> Status {
    auto h = uow.jobs().heartbeat(run.job.id, options_.worker_id, now + options_.lease, now);
    if (!h) return std::unexpected(h.error());
    return {};
  };
  if (auto still = db_.run([&](UnitOfWork& uow) { return held(uow, clock_.now()); }); !still) {
    if (still.error().code != ErrorCode::kStaleState) return std::unexpected(still.error());
    report.end = JobRunReport::End::kLeaseLost;
    return std::optional(report);
  }
  std::optional<ArchiveInfo> archive;
  if (ready) {
    auto built = processor_.build_archive(ArchiveWork{.listing = run.batch.listing_id,
                                                      .batch = run.batch.id,
                                                      .job = run.job.id,
                                                      .items = std::move(run.archive_items)});
    if (!built) {
      return release(run, built.error(), clock_.now() + options_.backoff(run.job.attempt));
    }
    archive = std::move(*built);
  }
  if (lease.lost()) {
    report.end = JobRunReport::End::kLeaseLost;
    return std::optional(report);
  }
  auto finished = db_.run([&](UnitOfWork& uow) -> Status {
    const auto now = clock_.now();
    if (auto h = held(uow, now); !h) return h;
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
