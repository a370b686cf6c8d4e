#include "core/service/run_job.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/model/object_keys.hpp"

#include "support/json_string.hpp"

namespace toq::core {
namespace {

constexpr std::string_view kReadyEvent = "media.batch.ready";
constexpr std::string_view kFailedEvent = "media.batch.failed";
constexpr std::string_view kListingAwaitingPhotos = "PENDING_PHOTO_PROCESSING";
constexpr std::string_view kListingAwaitingOwner = "PENDING_OWNER_APPROVAL";

// Extends the job's lease every lease/3 on its own thread while the job runs; notes a lost lease.
class LeaseKeeper {
 public:
  LeaseKeeper(Database& db, const Clock& clock, JobId job, std::string owner,
              std::chrono::seconds lease)
      : thread_([this, &db, &clock, job, owner = std::move(owner), lease](std::stop_token stop) {
          const auto period = std::max<std::chrono::milliseconds>(
              std::chrono::milliseconds(200),
              std::chrono::duration_cast<std::chrono::milliseconds>(lease) / 3);
          std::mutex m;
          std::condition_variable_any cv;
          for (;;) {
            {
              std::unique_lock lock(m);
              cv.wait_for(lock, stop, period, [] { return false; });
            }
            if (stop.stop_requested()) {
              return;
            }
            const auto now = clock.now();
            auto extended = db.transact([&](UnitOfWork& uow) {
              return uow.jobs().heartbeat(job, owner, now + lease, now);
            });
            if (!extended && extended.error().code == ErrorCode::kStaleState) {
              lost_.store(true);
              return;
            }
          }
        }) {}

  bool lost() const { return lost_.load(); }

 private:
  std::atomic<bool> lost_{false};
  std::jthread thread_;  // last: joined (stop requested) before lost_ goes away
};

struct Loaded {
  Batch batch;
  std::vector<Asset> assets;
};

Result<Loaded> load(Database& db, const Job& job) {
  return db.transact([&](UnitOfWork& uow) -> Result<Loaded> {
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
    return Loaded{**batch, std::move(*assets)};
  });
}

bool done_by(const Asset& asset, JobId job) {
  return asset.job_id == job &&
         (asset.status == AssetStatus::kReady || asset.status == AssetStatus::kFailed);
}

}  // namespace

std::string batch_event_payload(std::string_view type, ListingId listing, BatchId batch, JobId job,
                                Timestamp occurred_at, std::string_view listing_status) {
  return fmt::format(
      R"({{"type":{},"listingIdentityId":{},"batchId":{},"jobId":{},"occurredAt":{},"listingStatus":{}}})",
      support::json_quote(type), listing.value, batch.value, job.value,
      support::json_quote(format_rfc3339(occurred_at)), support::json_quote(listing_status));
}

RunJob::RunJob(Database& db, MediaProcessor& processor, const Clock& clock, RunJobOptions options)
    : db_(db), processor_(processor), clock_(clock), options_(std::move(options)) {
  if (!options_.backoff) {
    options_.backoff = [](std::int32_t attempt) {
      return std::chrono::seconds(std::min<std::int64_t>(300, 5LL << std::min(attempt, 6)));
    };
  }
}

namespace {

// The end of a job, in one transaction: the job, the batch, the listing mirror and the outbox
// event move together or not at all.
Status finalize(UnitOfWork& uow, const Job& job, const Batch& batch, bool ready,
                std::optional<Error> job_error, Timestamp now) {
  auto finished = uow.jobs().finish(job.id, ready ? JobStatus::kSucceeded : JobStatus::kFailed,
                                    std::move(job_error), now);
  if (!finished) {
    return std::unexpected(finished.error());
  }
  auto moved = uow.batches().transition(batch.id, BatchStatus::kProcessing,
                                        ready ? BatchStatus::kReady : BatchStatus::kFailed, now);
  if (!moved) {
    return std::unexpected(moved.error());
  }
  auto listing = uow.listings().find(batch.listing_id);
  if (!listing) {
    return std::unexpected(listing.error());
  }
  std::string listing_status = *listing ? (*listing)->status : std::string();
  if (ready && *listing && listing_status == kListingAwaitingPhotos) {
    auto set = uow.listings().set_status(batch.listing_id, kListingAwaitingOwner, now);
    if (!set) {
      return std::unexpected(set.error());
    }
    listing_status = std::string(kListingAwaitingOwner);
  }
  const auto type = ready ? kReadyEvent : kFailedEvent;
  auto event = uow.outbox().add(
      fmt::format("msg_job{}_{}", job.id.value, ready ? "ready" : "failed"), std::string(type),
      batch_event_payload(type, batch.listing_id, batch.id, job.id, now, listing_status), now);
  if (!event) {
    return std::unexpected(event.error());
  }
  return {};
}

}  // namespace

Result<std::optional<JobRunReport>> RunJob::run_next(const AssetRecorded& on_asset) {
  const auto claimed_at = clock_.now();
  auto claimed = db_.transact([&](UnitOfWork& uow) {
    return uow.jobs().claim_next(options_.worker_id, claimed_at + options_.lease, claimed_at);
  });
  if (!claimed) {
    return std::unexpected(claimed.error());
  }
  if (!*claimed) {
    return std::optional<JobRunReport>();
  }
  const Job job = **claimed;
  if (options_.on_claimed) {
    options_.on_claimed(job);
  }
  auto loaded = load(db_, job);
  if (!loaded) {
    return std::unexpected(loaded.error());
  }
  auto& [batch, assets] = *loaded;
  JobRunReport report;
  report.job = job.id;
  report.batch = batch.id;
  report.listing = batch.listing_id;
  report.attempt = job.attempt;

  // Started too often (each start that ended without finishing: a crash, a hang, a transient
  // fault that never cleared): fail for good instead of looping forever.
  if (job.attempt > options_.max_attempts) {
    const auto now = clock_.now();
    auto done = db_.run([&](UnitOfWork& uow) -> Status {
      report.assets_failed = 0;  // the unit may run again after a deadlock: count once
      if (batch.status == BatchStatus::kReceived) {
        if (auto m = uow.batches().transition(batch.id, BatchStatus::kReceived,
                                              BatchStatus::kProcessing, now);
            !m) {
          return std::unexpected(m.error());
        }
      }
      const AssetFailure failure{
          .code = ErrorCode::kProcessingTimeout,
          .message = fmt::format("Processing stopped {} times before this file was done.",
                                 job.attempt - 1),
          .hint =
              "Try again later; if it keeps failing, export the file again and upload it in a "
              "new session."};
      for (const auto& asset : assets) {
        if (done_by(asset, job.id)) {
          continue;
        }
        if (asset.status != AssetStatus::kProcessing || asset.job_id != job.id) {
          if (auto p = uow.assets().mark_processing(asset.id, job.id, now); !p) {
            return std::unexpected(p.error());
          }
        }
        if (auto f = uow.assets().mark_failed(asset.id, job.id, failure, now); !f) {
          return std::unexpected(f.error());
        }
        ++report.assets_failed;
      }
      return finalize(
          uow, job, batch, false,
          make_error(ErrorCode::kProcessingTimeout,
                     fmt::format("job started {} times without finishing", job.attempt - 1)),
          now);
    });
    if (!done) {
      return std::unexpected(done.error());
    }
    report.end = JobRunReport::End::kFailed;
    return std::optional(report);
  }

  if (batch.status == BatchStatus::kReceived) {
    auto moved = db_.transact([&](UnitOfWork& uow) {
      return uow.batches().transition(batch.id, BatchStatus::kReceived, BatchStatus::kProcessing,
                                      clock_.now());
    });
    if (!moved) {
      return std::unexpected(moved.error());
    }
    batch = *moved;
  } else if (batch.status != BatchStatus::kProcessing) {
    return fail(ErrorCode::kInternal,
                fmt::format("job {} is running but batch {} is {}", job.id.value, batch.id.value,
                            to_string(batch.status)));
  }

  LeaseKeeper lease(db_, clock_, job.id, options_.worker_id, options_.lease);
  auto release = [&](Error error) -> Result<std::optional<JobRunReport>> {
    const auto now = clock_.now();
    auto released = db_.transact([&](UnitOfWork& uow) {
      return uow.jobs().release(job.id, options_.worker_id, now + options_.backoff(job.attempt),
                                error.message, now);
    });
    if (!released && released.error().code != ErrorCode::kStaleState) {
      return std::unexpected(released.error());
    }
    report.end = JobRunReport::End::kReleased;
    report.error = std::move(error);
    return std::optional(report);
  };

  std::vector<ArchiveItem> items;
  std::optional<AssetFailure> first_failure;
  for (auto& asset : assets) {
    if (lease.lost()) {
      report.end = JobRunReport::End::kLeaseLost;
      return std::optional(report);
    }
    if (!done_by(asset, job.id)) {
      if (asset.status != AssetStatus::kProcessing || asset.job_id != job.id) {
        auto marked = db_.transact([&](UnitOfWork& uow) {
          return uow.assets().mark_processing(asset.id, job.id, clock_.now());
        });
        if (!marked) {
          return std::unexpected(marked.error());
        }
      }
      const AssetWork work{.listing = batch.listing_id,
                           .batch = batch.id,
                           .job = job.id,
                           .asset = asset.id,
                           .declared = asset.declared,
                           .raw_key = raw_key(batch.listing_id, batch.id, asset.id)};
      auto result = processor_.process_asset(work);
      if (!result) {
        return release(result.error());
      }
      if (lease.lost()) {
        report.end = JobRunReport::End::kLeaseLost;
        return std::optional(report);
      }
      auto recorded = db_.transact([&](UnitOfWork& uow) {
        const auto now = clock_.now();
        return result->ready() ? uow.assets().mark_ready(asset.id, job.id, result->facts,
                                                         result->renditions, now)
                               : uow.assets().mark_failed(asset.id, job.id, *result->failure, now);
      });
      if (!recorded) {
        return std::unexpected(recorded.error());
      }
      asset = *recorded;
      if (on_asset) {
        on_asset(*result);
      }
    }
    if (asset.status == AssetStatus::kReady) {
      ++report.assets_ready;
      auto renditions =
          db_.transact([&](UnitOfWork& uow) { return uow.assets().renditions(asset.id, job.id); });
      if (!renditions) {
        return std::unexpected(renditions.error());
      }
      items.push_back(ArchiveItem{.asset = asset.id,
                                  .declared = asset.declared,
                                  .raw_key = raw_key(batch.listing_id, batch.id, asset.id),
                                  .facts = asset.facts,
                                  .renditions = std::move(*renditions)});
    } else {
      ++report.assets_failed;
      if (!first_failure && asset.failure) {
        first_failure = asset.failure;
      }
    }
  }

  const bool ready = report.assets_failed == 0;
  std::optional<ArchiveInfo> archive;
  if (ready) {
    auto built = processor_.build_archive(ArchiveWork{
        .listing = batch.listing_id, .batch = batch.id, .job = job.id, .items = std::move(items)});
    if (!built) {
      return release(built.error());
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
      if (auto r = uow.jobs().record_archive(job.id, *archive, now); !r) {
        return std::unexpected(r.error());
      }
    }
    std::optional<Error> job_error;
    if (!ready) {
      job_error = make_error(first_failure ? first_failure->code : ErrorCode::kInternal,
                             fmt::format("{} of {} files failed", report.assets_failed,
                                         report.assets_failed + report.assets_ready));
    }
    return finalize(uow, job, batch, ready, std::move(job_error), now);
  });
  if (!finished) {
    if (finished.error().code == ErrorCode::kStaleState) {
      report.end = JobRunReport::End::kLeaseLost;
      return std::optional(report);
    }
    return std::unexpected(finished.error());
  }
  report.end = ready ? JobRunReport::End::kSucceeded : JobRunReport::End::kFailed;
  return std::optional(report);
}

}  // namespace toq::core
