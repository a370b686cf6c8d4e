#pragma once
// A commit that lands between a unit of work's reads and its writes, staged: the units of work of
// CommittedMeanwhile answer some reads with the rows as they were before another writer (the
// relay, another delivery of a report, the overdue check) committed, until one of the unit's own
// writes loses to that commit. What a MariaDB transaction (READ COMMITTED) sees when the commit
// lands in between; SQLite runs one writer at a time, so there it can only be staged, and staged
// it happens every time rather than when a race is won.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/port/database.hpp"

namespace toq::testing {

// What the staged interleavings share across transactions: the rows as they were before
// another writer (the relay, or another delivery of the report) committed, whether reads still
// answer those copies, and how the report's own writes then fared.
struct Meanwhile {
  core::Job before;
  std::optional<std::vector<core::Asset>> assets_before;  // the batch's assets, when staged
  bool stale = true;
  bool lost_begin = false;    // the report's begin lost its compare-and-set
  bool refused_move = false;  // an asset move of the report was refused
  int stale_reads = 0;
};

// The jobs of a unit of work, forwarded, except that find() answers the job as it was before the
// other writer committed, until the staging ends: what a MariaDB transaction (READ COMMITTED)
// reads when that commit lands between its read and its compare-and-set, an UPDATE that sees the
// latest row. SQLite runs one writer at a time, so the interleaving is staged rather than raced.
class JobsReadBefore : public core::JobRepository {
 public:
  JobsReadBefore(core::JobRepository& inner, Meanwhile& snapshot)
      : inner_(inner), snapshot_(snapshot) {}
  core::Result<core::Job> create(core::BatchId batch, core::Timestamp now,
                                 std::string_view traceparent) override {
    return inner_.create(batch, now, traceparent);
  }
  core::Result<std::optional<core::Job>> find(core::JobId id) override {
    if (snapshot_.stale && id == snapshot_.before.id) {
      ++snapshot_.stale_reads;
      return std::optional<core::Job>{snapshot_.before};
    }
    return inner_.find(id);
  }
  core::Result<std::optional<core::Job>> find_active(core::BatchId batch) override {
    return inner_.find_active(batch);
  }
  core::Result<std::optional<core::Job>> find_latest(core::BatchId batch) override {
    return inner_.find_latest(batch);
  }
  core::Result<std::optional<core::Job>> find_latest(core::BatchId batch,
                                                     core::JobStatus status) override {
    return inner_.find_latest(batch, status);
  }
  core::Result<std::vector<core::Job>> list_by_batch(core::BatchId batch) override {
    return inner_.list_by_batch(batch);
  }
  core::Result<core::Job> start(core::JobId id, std::string lease_owner,
                                core::Timestamp lease_expires_at, core::Timestamp now) override {
    auto started = inner_.start(id, std::move(lease_owner), lease_expires_at, now);
    if (!started && started.error().code == core::ErrorCode::kStaleState)
      snapshot_.lost_begin = true;
    return started;
  }
  core::Result<core::Job> finish(core::JobId id, core::JobStatus outcome,
                                 std::optional<core::Error> error, core::Timestamp now) override {
    return inner_.finish(id, outcome, std::move(error), now);
  }
  core::Result<core::Job> requeue(core::JobId id, core::Timestamp now) override {
    return inner_.requeue(id, now);
  }
  core::Result<core::Job> record_archive(core::JobId id, const core::ArchiveInfo& archive,
                                         core::Timestamp now) override {
    return inner_.record_archive(id, archive, now);
  }
  core::Result<std::optional<core::Job>> claim_next(std::string_view owner,
                                                    core::Timestamp lease_expires_at,
                                                    core::Timestamp now) override {
    return inner_.claim_next(owner, lease_expires_at, now);
  }
  core::Result<core::Job> heartbeat(core::JobId id, std::string_view owner,
                                    core::Timestamp lease_expires_at,
                                    core::Timestamp now) override {
    return inner_.heartbeat(id, owner, lease_expires_at, now);
  }
  core::Result<core::Job> release(core::JobId id, std::string_view owner,
                                  core::Timestamp available_at, std::string_view reason,
                                  core::Timestamp now) override {
    return inner_.release(id, owner, available_at, reason, now);
  }
  // Stale too: the job, still RUNNING before the other commit, is listed when its lease expired.
  core::Result<std::vector<core::Job>> list_lease_expired(core::Timestamp now, int limit) override {
    auto listed = inner_.list_lease_expired(now, limit);
    if (!listed || !snapshot_.stale || snapshot_.before.status != core::JobStatus::kRunning ||
        !snapshot_.before.lease_expires_at || *snapshot_.before.lease_expires_at > now) {
      return listed;
    }
    for (const auto& j : *listed) {
      if (j.id == snapshot_.before.id) return listed;
    }
    ++snapshot_.stale_reads;
    listed->push_back(snapshot_.before);
    return listed;
  }
  core::Result<core::JobQueueStats> queue_stats() override { return inner_.queue_stats(); }
  core::Result<std::vector<core::Job>> list_prunable(core::Timestamp finished_before,
                                                     int limit) override {
    return inner_.list_prunable(finished_before, limit);
  }
  core::Result<bool> remove_prunable(core::JobId id) override { return inner_.remove_prunable(id); }

 private:
  core::JobRepository& inner_;
  Meanwhile& snapshot_;
};

// The assets of a unit of work, forwarded, except that list_by_batch() answers the batch's
// assets as they were before the other writer committed, until the staging ends. find() reads the
// latest row, as a READ COMMITTED read after that commit does.
class AssetsReadBefore : public core::AssetRepository {
 public:
  AssetsReadBefore(core::AssetRepository& inner, Meanwhile& snapshot)
      : inner_(inner), snapshot_(snapshot) {}
  core::Result<std::vector<core::Asset>> add(core::BatchId batch,
                                             const std::vector<core::FileDeclaration>& files,
                                             core::Timestamp now) override {
    return inner_.add(batch, files, now);
  }
  core::Result<std::vector<core::Asset>> list_by_batch(core::BatchId batch) override {
    if (snapshot_.stale && snapshot_.assets_before && !snapshot_.assets_before->empty() &&
        snapshot_.assets_before->front().batch_id == batch) {
      ++snapshot_.stale_reads;
      return *snapshot_.assets_before;
    }
    return inner_.list_by_batch(batch);
  }
  core::Result<std::optional<core::Asset>> find(core::AssetId id) override {
    return inner_.find(id);
  }
  core::Result<core::Asset> set_multipart_upload_id(core::AssetId id, std::string upload_id,
                                                    core::Timestamp now) override {
    return inner_.set_multipart_upload_id(id, std::move(upload_id), now);
  }
  core::Result<core::Asset> transition(core::AssetId id, core::AssetStatus from,
                                       core::AssetStatus to, core::Timestamp now) override {
    return noted(inner_.transition(id, from, to, now));
  }
  core::Result<core::Asset> mark_processing(core::AssetId id, core::JobId job,
                                            core::Timestamp now) override {
    return noted(inner_.mark_processing(id, job, now));
  }
  core::Result<core::Asset> mark_ready(core::AssetId id, core::JobId job,
                                       const core::MediaFacts& facts,
                                       const std::vector<core::Rendition>& renditions,
                                       core::Timestamp now) override {
    return noted(inner_.mark_ready(id, job, facts, renditions, now));
  }
  core::Result<core::Asset> mark_failed(core::AssetId id, core::AssetStatus from,
                                        std::optional<core::JobId> job,
                                        const core::AssetFailure& failure,
                                        core::Timestamp now) override {
    return noted(inner_.mark_failed(id, from, job, failure, now));
  }
  core::Result<std::vector<core::Rendition>> renditions(core::AssetId id,
                                                        core::JobId job) override {
    return inner_.renditions(id, job);
  }

 private:
  core::Result<core::Asset> noted(core::Result<core::Asset> moved) {
    if (!moved) snapshot_.refused_move = true;
    return moved;
  }
  core::AssetRepository& inner_;
  Meanwhile& snapshot_;
};

// A database whose units of work hand out the two above; the transaction in which the report's
// begin lost, or one of its asset moves was refused, ends the staging (it rolls back, and the
// next one reads afresh).
class CommittedMeanwhile : public core::Database {
 public:
  CommittedMeanwhile(core::Database& inner, Meanwhile snapshot)
      : inner_(inner), snapshot_(std::move(snapshot)) {}
  core::Status run(const std::function<core::Status(core::UnitOfWork&)>& work) override {
    auto status = inner_.run([&](core::UnitOfWork& uow) {
      Unit unit{uow, JobsReadBefore(uow.jobs(), snapshot_),
                AssetsReadBefore(uow.assets(), snapshot_)};
      return work(unit);
    });
    if (snapshot_.lost_begin || snapshot_.refused_move) snapshot_.stale = false;
    return status;
  }
  const Meanwhile& snapshot() const { return snapshot_; }

 private:
  struct Unit : core::UnitOfWork {
    Unit(core::UnitOfWork& inner, JobsReadBefore jobs, AssetsReadBefore assets)
        : inner_(inner), jobs_(std::move(jobs)), assets_(std::move(assets)) {}
    core::ListingRepository& listings() override { return inner_.listings(); }
    core::BatchRepository& batches() override { return inner_.batches(); }
    core::AssetRepository& assets() override { return assets_; }
    core::JobRepository& jobs() override { return jobs_; }
    core::OutboxRepository& outbox() override { return inner_.outbox(); }
    core::ExecutionStartRepository& starts() override { return inner_.starts(); }
    core::WorkItemRepository& items() override { return inner_.items(); }
    core::UnitOfWork& inner_;
    JobsReadBefore jobs_;
    AssetsReadBefore assets_;
  };
  core::Database& inner_;
  Meanwhile snapshot_;
};

}  // namespace toq::testing
