#include "core/service/sweep_housekeeping.hpp"

#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/model/asset.hpp"
#include "core/model/batch.hpp"
#include "core/model/job.hpp"
#include "core/model/object_keys.hpp"
#include "core/model/rendition.hpp"

namespace toq::core {

namespace {

std::chrono::milliseconds ms(std::chrono::seconds s) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(s);
}

// The keys of one job's outputs: its renditions of every asset, its ZIP, and the AWS path's
// result documents. The documents are never recorded (the callback only reads them), and a ZIP is
// recorded only when its run succeeds (a run that built it and then failed leaves it unrecorded),
// so both are listed at their fixed keys; remove() ignores the missing ones.
Status add_job_output_keys(UnitOfWork& uow, ListingId listing, const Job& job,
                           const std::vector<Asset>& assets, std::vector<std::string>& keys) {
  for (const Asset& asset : assets) {
    auto renditions = uow.assets().renditions(asset.id, job.id);
    if (!renditions) return std::unexpected(renditions.error());
    for (Rendition& r : *renditions) keys.push_back(std::move(r.key));
    keys.push_back(result_document_key(listing, job.batch_id, job.id, asset.id));
  }
  keys.push_back(archive_key(listing, job.batch_id, job.id));  // job.archive's key when recorded
  keys.push_back(archive_document_key(listing, job.batch_id, job.id));
  return {};
}

// Every object a batch has in the store: raw uploads, and every job's outputs.
Result<std::vector<std::string>> batch_object_keys(UnitOfWork& uow, const Batch& batch) {
  auto assets = uow.assets().list_by_batch(batch.id);
  if (!assets) return std::unexpected(assets.error());
  std::vector<std::string> keys;
  for (const Asset& asset : *assets) keys.push_back(raw_key(batch.listing_id, batch.id, asset.id));
  auto jobs = uow.jobs().list_by_batch(batch.id);
  if (!jobs) return std::unexpected(jobs.error());
  for (const Job& job : *jobs) {
    if (auto added = add_job_output_keys(uow, batch.listing_id, job, *assets, keys); !added) {
      return std::unexpected(added.error());
    }
  }
  return keys;
}

// The raw keys the retention removes: photos and videos (a project file's raw object is the
// original its downloads serve).
Result<std::vector<std::string>> settled_raw_keys(UnitOfWork& uow, const Batch& batch) {
  auto assets = uow.assets().list_by_batch(batch.id);
  if (!assets) return std::unexpected(assets.error());
  std::vector<std::string> keys;
  for (const Asset& asset : *assets) {
    if (group_of(asset.declared.media_type) == MediaGroup::kProject) continue;
    keys.push_back(raw_key(batch.listing_id, batch.id, asset.id));
  }
  return keys;
}

Status remove_keys(ObjectStore& store, const std::vector<std::string>& keys) {
  if (keys.empty()) return {};
  return store.remove(keys);
}

// One item of a step: its keys read in one transaction, removed from the store, then the row
// that records the removal changed in another (`record`: false when another sweeper recorded it
// first). A failure goes to `errors` and leaves the item due for the next run. True when this
// sweeper recorded it.
template <class Keys, class Record>
bool remove_then_record(Database& db, ObjectStore& store, Keys&& keys_of, Record&& record,
                        std::vector<Error>& errors) {
  auto keys = db.transact(std::forward<Keys>(keys_of));
  if (!keys) {
    errors.push_back(keys.error());
    return false;
  }
  if (auto removed = remove_keys(store, *keys); !removed) {
    errors.push_back(removed.error());
    return false;
  }
  auto recorded = db.transact(std::forward<Record>(record));
  if (!recorded) {
    errors.push_back(recorded.error());
    return false;
  }
  return *recorded;
}

}  // namespace

Result<SweepHousekeepingReport> SweepHousekeeping::run() {
  SweepHousekeepingReport report;
  for (auto step : {&SweepHousekeeping::purge_deleted, &SweepHousekeeping::remove_settled_raw,
                    &SweepHousekeeping::prune_outbox, &SweepHousekeeping::prune_jobs}) {
    if (auto done = (this->*step)(report); !done) return std::unexpected(done.error());
  }
  return report;
}

Status SweepHousekeeping::purge_deleted(SweepHousekeepingReport& report) {
  auto due = deps_.db.transact([&](UnitOfWork& uow) {
    return uow.batches().list_purge_due(deps_.clock.now() - ms(options_.delete_grace),
                                        options_.limit);
  });
  if (!due) return std::unexpected(due.error());
  for (const Batch& batch : *due) {
    const bool ours = remove_then_record(
        deps_.db, deps_.store, [&](UnitOfWork& uow) { return batch_object_keys(uow, batch); },
        [&](UnitOfWork& uow) -> Result<bool> {
          auto marked = uow.batches().mark_objects_removed(batch.id, deps_.clock.now());
          if (marked) return true;
          // Another sweeper marked it first: its purge, not ours.
          if (marked.error().code == ErrorCode::kStaleState) return false;
          return std::unexpected(marked.error());
        },
        report.errors);
    if (ours) report.purged.push_back(batch.id);
  }
  return {};
}

Status SweepHousekeeping::remove_settled_raw(SweepHousekeepingReport& report) {
  if (options_.ready_raw_retention.count() <= 0) return {};
  auto due = deps_.db.transact([&](UnitOfWork& uow) {
    return uow.batches().list_raw_retention_due(
        deps_.clock.now() - ms(options_.ready_raw_retention), options_.limit);
  });
  if (!due) return std::unexpected(due.error());
  for (const Batch& batch : *due) {
    // A CONFLICT from the mark: a reprocess reopened the batch meanwhile; it is due again once it
    // settles.
    const bool ours = remove_then_record(
        deps_.db, deps_.store, [&](UnitOfWork& uow) { return settled_raw_keys(uow, batch); },
        [&](UnitOfWork& uow) -> Result<bool> {
          auto before = uow.batches().find(batch.id);
          if (!before) return std::unexpected(before.error());
          if (*before && (*before)->raw_removed_at) return false;  // another sweeper's
          auto after = uow.batches().mark_raw_removed(batch.id, deps_.clock.now());
          if (!after) return std::unexpected(after.error());
          return true;
        },
        report.errors);
    if (ours) report.raw_removed.push_back(batch.id);
  }
  return {};
}

Status SweepHousekeeping::prune_outbox(SweepHousekeepingReport& report) {
  if (options_.outbox_retention.count() <= 0) return {};
  auto pruned = deps_.db.transact([&](UnitOfWork& uow) {
    return uow.outbox().prune_delivered(deps_.clock.now() - ms(options_.outbox_retention),
                                        options_.limit);
  });
  if (!pruned) return std::unexpected(pruned.error());
  report.outbox_pruned += *pruned;
  return {};
}

Status SweepHousekeeping::prune_jobs(SweepHousekeepingReport& report) {
  if (options_.job_retention.count() <= 0) return {};
  auto due = deps_.db.transact([&](UnitOfWork& uow) {
    return uow.jobs().list_prunable(deps_.clock.now() - ms(options_.job_retention), options_.limit);
  });
  if (!due) return std::unexpected(due.error());
  for (const Job& job : *due) {
    const bool ours = remove_then_record(
        deps_.db, deps_.store,
        [&](UnitOfWork& uow) -> Result<std::vector<std::string>> {
          auto batch = uow.batches().find(job.batch_id);
          if (!batch) return std::unexpected(batch.error());
          if (!*batch) {
            return fail(ErrorCode::kBatchNotFound, fmt::format("job {} names missing batch {}",
                                                               job.id.value, job.batch_id.value));
          }
          auto assets = uow.assets().list_by_batch(job.batch_id);
          if (!assets) return std::unexpected(assets.error());
          std::vector<std::string> out;
          if (auto added = add_job_output_keys(uow, (*batch)->listing_id, job, *assets, out);
              !added) {
            return std::unexpected(added.error());
          }
          return out;
        },
        [&](UnitOfWork& uow) { return uow.jobs().remove_prunable(job.id); }, report.errors);
    if (ours) report.jobs_pruned.push_back(job.id);
  }
  return {};
}

}  // namespace toq::core
