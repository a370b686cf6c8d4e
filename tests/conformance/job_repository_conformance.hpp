#pragma once
// Conformance of processing jobs and the durable queue (JobRepository): the contract in
// src/core/port/job_repository.hpp. Instantiated for every adapter of core::Database (see
// repository_conformance.hpp).

#include <barrier>
#include <thread>
#include <vector>

#include "conformance/repository_fixture.hpp"

namespace toq::testing {

template <class Factory>
class JobRepositoryConformance : public RepositoryFixture<Factory> {};

TYPED_TEST_SUITE_P(JobRepositoryConformance);

TYPED_TEST_P(JobRepositoryConformance, JobLifecycleAlwaysHasStartTime) {
  this->listing(28);
  auto b = this->batch(28);
  auto job = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(2), ""); }));
  EXPECT_EQ(job.status, JobStatus::kQueued);
  EXPECT_EQ(job.run, 1);
  EXPECT_EQ(job.attempt, 0);
  EXPECT_FALSE(job.started_at.has_value());
  EXPECT_FALSE(job.completed_at.has_value());
  EXPECT_EQ(job.created_at, at(2));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(job.id, JobStatus::kSucceeded, std::nullopt, at(3));  // never ran
  }),
                         ErrorCode::kStaleState));
  auto running = must(this->tx(
      [&](core::UnitOfWork& u) { return u.jobs().start(job.id, "worker-1", at(63), at(3)); }));
  EXPECT_EQ(running.status, JobStatus::kRunning);
  EXPECT_EQ(running.started_at, at(3));
  EXPECT_EQ(running.attempt, 1);
  EXPECT_EQ(running.lease_owner, "worker-1");
  EXPECT_EQ(running.lease_expires_at, at(63));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().start(job.id, "worker-2", at(64), at(4));
  }),
                         ErrorCode::kStaleState));
  auto requeued =
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().requeue(job.id, at(70)); }));
  EXPECT_EQ(requeued.status, JobStatus::kQueued);
  EXPECT_FALSE(requeued.lease_owner.has_value());
  auto again = must(this->tx(
      [&](core::UnitOfWork& u) { return u.jobs().start(job.id, "worker-2", at(131), at(71)); }));
  EXPECT_EQ(again.attempt, 2);
  EXPECT_EQ(again.started_at, at(71));
  auto done = must(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(job.id, JobStatus::kSucceeded, std::nullopt, at(80));
  }));
  EXPECT_EQ(done.status, JobStatus::kSucceeded);
  EXPECT_EQ(done.completed_at, at(80));
  EXPECT_TRUE(done.started_at.has_value());
  EXPECT_FALSE(done.lease_owner.has_value());
  EXPECT_FALSE(done.error_code.has_value());
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(job.id, JobStatus::kFailed, std::nullopt, at(81));
  }),
                         ErrorCode::kStaleState));
  EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(job.id, JobStatus::kQueued, std::nullopt, at(81));
  }),
                         ErrorCode::kInvalidStateTransition));
}

TYPED_TEST_P(JobRepositoryConformance, OneActiveJobPerBatchAndRunsCount) {
  this->listing(28);
  auto b = this->batch(28);
  auto first =
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(2), ""); }));
  auto second = this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(3), ""); });
  ASSERT_TRUE(fails_with(second, ErrorCode::kJobAlreadyActive));
  const auto* d = std::get_if<core::ConflictDetails>(&second.error().details);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->what, "jobId");
  EXPECT_EQ(d->id, first.id.value);
  must(this->tx([&](core::UnitOfWork& u) { return u.jobs().start(first.id, "w", at(60), at(4)); }));
  EXPECT_TRUE(
      fails_with(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(5), ""); }),
                 ErrorCode::kJobAlreadyActive));
  auto failed = must(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(first.id, JobStatus::kFailed,
                           core::make_error(ErrorCode::kProcessingTimeout, "slow"), at(6));
  }));
  EXPECT_EQ(failed.error_code, ErrorCode::kProcessingTimeout);
  EXPECT_EQ(failed.error_message, "slow");
  auto retry =
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(7), ""); }));
  EXPECT_EQ(retry.run, 2);
  auto active = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().find_active(b.id); }));
  EXPECT_EQ(active->id, retry.id);
  auto latest = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().find_latest(b.id); }));
  EXPECT_EQ(latest->id, retry.id);
  auto all = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().list_by_batch(b.id); }));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, first.id);
  EXPECT_TRUE(fails_with(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().create(core::BatchId{999}, at(7), ""); }),
      ErrorCode::kBatchNotFound));
  auto none =
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().find(core::JobId{99999}); }));
  EXPECT_FALSE(none.has_value());
}

TYPED_TEST_P(JobRepositoryConformance, JobArchiveIsRecordedWhileRunningAndIdempotently) {
  this->listing(28);
  auto b = this->batch(28);
  auto job = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(2), ""); }));
  EXPECT_FALSE(job.archive.has_value());
  const core::ArchiveInfo zip{core::archive_key(core::ListingId{28}, b.id, job.id), 734003200,
                              std::string(64, 'a')};
  auto record = [&](const core::ArchiveInfo& a, core::JobId id) {
    return this->tx([&](core::UnitOfWork& u) { return u.jobs().record_archive(id, a, at(5)); });
  };
  // Not before the job runs.
  EXPECT_TRUE(fails_with(record(zip, job.id), ErrorCode::kStaleState));
  must(this->tx([&](core::UnitOfWork& u) { return u.jobs().start(job.id, "w", at(60), at(3)); }));
  // Refused shapes: another job's key, a raw key, negative size, upper-case or short digest.
  auto bad = zip;
  bad.key = core::archive_key(core::ListingId{28}, b.id, core::JobId{job.id.value + 1});
  EXPECT_TRUE(fails_with(record(bad, job.id), ErrorCode::kInvalidRequest));
  bad = zip;
  bad.key = core::raw_key(core::ListingId{28}, b.id, core::AssetId{1});
  EXPECT_TRUE(fails_with(record(bad, job.id), ErrorCode::kInvalidRequest));
  bad = zip;
  bad.bytes = -1;
  EXPECT_TRUE(fails_with(record(bad, job.id), ErrorCode::kInvalidRequest));
  bad = zip;
  bad.sha256_hex = std::string(64, 'A');
  EXPECT_TRUE(fails_with(record(bad, job.id), ErrorCode::kInvalidRequest));
  bad.sha256_hex = std::string(63, 'a');
  EXPECT_TRUE(fails_with(record(bad, job.id), ErrorCode::kInvalidRequest));
  EXPECT_TRUE(fails_with(record(zip, core::JobId{99999}), ErrorCode::kJobNotFound));

  auto recorded = must(record(zip, job.id), "record archive");
  ASSERT_TRUE(recorded.archive.has_value());
  EXPECT_EQ(*recorded.archive, zip);
  EXPECT_EQ(recorded.status, JobStatus::kRunning);
  // Same values again: unchanged; other values: CONFLICT, and the first archive stays.
  EXPECT_EQ(must(record(zip, job.id), "again"), recorded);
  auto other = zip;
  other.bytes = 1;
  EXPECT_TRUE(fails_with(record(other, job.id), ErrorCode::kConflict));
  auto done = must(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(job.id, JobStatus::kSucceeded, std::nullopt, at(9));
  }));
  EXPECT_EQ(done.archive, zip);
  // A finished job keeps it; repeating the same record is still harmless, a new one is refused.
  EXPECT_EQ(must(record(zip, job.id), "after finish").archive, zip);
  EXPECT_TRUE(fails_with(record(other, job.id), ErrorCode::kConflict));
  auto read = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().find_latest(b.id); }));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->archive, zip);
  auto listed = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().list_by_batch(b.id); }));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].archive, zip);

  // A finished job without an archive never gets one.
  auto retry =
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(11), ""); }));
  must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().start(retry.id, "w", at(70), at(12)); }));
  must(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(retry.id, JobStatus::kFailed,
                           core::make_error(ErrorCode::kCorruptMedia, "bad"), at(13));
  }));
  const core::ArchiveInfo late{core::archive_key(core::ListingId{28}, b.id, retry.id), 10,
                               std::string(64, 'b')};
  EXPECT_TRUE(fails_with(record(late, retry.id), ErrorCode::kStaleState));
}

TYPED_TEST_P(JobRepositoryConformance, ThreadsRacingForAJobGetExactlyOne) {
  this->listing(28);
  auto b = this->batch(28);
  constexpr int kThreads = 16;
  std::barrier start(kThreads);
  std::vector<core::Result<core::Job>> results(kThreads,
                                               core::fail(ErrorCode::kInternal, "not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      for (;;) {  // DATABASE_BUSY means nothing was written: retrying is the caller's right
        results[static_cast<std::size_t>(i)] =
            this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(2), ""); });
        if (results[static_cast<std::size_t>(i)] ||
            results[static_cast<std::size_t>(i)].error().code != ErrorCode::kDatabaseBusy)
          break;
      }
    });
  }
  for (auto& t : threads) t.join();
  int winners = 0;
  std::int64_t winner_id = 0;
  for (const auto& r : results) {
    if (r) {
      ++winners;
      winner_id = r->id.value;
    }
  }
  ASSERT_EQ(winners, 1);
  for (const auto& r : results) {
    if (r) continue;
    ASSERT_EQ(r.error().code, ErrorCode::kJobAlreadyActive) << r.error().message;
    EXPECT_EQ(std::get<core::ConflictDetails>(r.error().details).id, winner_id);
  }
  auto all = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().list_by_batch(b.id); }));
  EXPECT_EQ(all.size(), 1u);
}

TYPED_TEST_P(JobRepositoryConformance, ClaimTakesTheOldestDueJobAndSetsStartAndLease) {
  this->listing(28);
  this->listing(29);
  auto b1 = this->batch(28);
  auto b2 = this->batch(29);
  auto j1 = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b1.id, at(5), ""); }));
  auto j2 = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b2.id, at(6), ""); }));
  auto first = must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("w1", at(70), at(10)); }));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, j1.id);
  EXPECT_EQ(first->status, JobStatus::kRunning);
  EXPECT_EQ(first->attempt, 1);
  EXPECT_EQ(first->started_at, at(10));
  EXPECT_EQ(first->lease_owner, "w1");
  EXPECT_EQ(first->lease_expires_at, at(70));
  auto second = must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("w2", at(70), at(11)); }));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, j2.id);
  auto none = must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("w3", at(70), at(12)); }));
  EXPECT_FALSE(none.has_value()) << "both jobs are held";
}

TYPED_TEST_P(JobRepositoryConformance, ExpiredLeaseIsReclaimedAndKeepsTheFirstStart) {
  this->listing(28);
  auto b = this->batch(28);
  must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(5), ""); }));
  auto held = must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("dead", at(20), at(10)); }));
  ASSERT_TRUE(held.has_value());
  // Before the lease expires nobody else gets it; the holder can extend it.
  EXPECT_FALSE(must(this->tx([&](core::UnitOfWork& u) {
                 return u.jobs().claim_next("w2", at(80), at(20));
               })).has_value());
  // After it expired, another worker takes it over: attempt 2, started_at unchanged.
  auto taken = must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("w2", at(90), at(21)); }));
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->id, held->id);
  EXPECT_EQ(taken->attempt, 2);
  EXPECT_EQ(taken->started_at, at(10));
  EXPECT_EQ(taken->lease_owner, "w2");
  // The dead worker's heartbeat and release now fail: the lease is lost.
  auto beat = this->tx(
      [&](core::UnitOfWork& u) { return u.jobs().heartbeat(held->id, "dead", at(99), at(22)); });
  ASSERT_FALSE(beat.has_value());
  EXPECT_EQ(beat.error().code, ErrorCode::kStaleState);
  auto rel = this->tx([&](core::UnitOfWork& u) {
    return u.jobs().release(held->id, "dead", at(22), "gone", at(22));
  });
  ASSERT_FALSE(rel.has_value());
  EXPECT_EQ(rel.error().code, ErrorCode::kStaleState);
  auto ok = must(this->tx(
      [&](core::UnitOfWork& u) { return u.jobs().heartbeat(held->id, "w2", at(200), at(23)); }));
  EXPECT_EQ(ok.lease_expires_at, at(200));
}

TYPED_TEST_P(JobRepositoryConformance, ReleasedJobWaitsForItsAvailableTime) {
  this->listing(28);
  auto b = this->batch(28);
  must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(5), ""); }));
  auto held = must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("w1", at(60), at(10)); }));
  ASSERT_TRUE(held.has_value());
  auto released = must(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().release(held->id, "w1", at(100), "store unreachable", at(11));
  }));
  EXPECT_EQ(released.status, JobStatus::kQueued);
  EXPECT_FALSE(released.lease_owner.has_value());
  EXPECT_EQ(released.available_at, at(100));
  EXPECT_EQ(released.error_message, "store unreachable");
  EXPECT_EQ(released.started_at, at(10)) << "a released job keeps its start time";
  EXPECT_FALSE(must(this->tx([&](core::UnitOfWork& u) {
                 return u.jobs().claim_next("w2", at(160), at(99));
               })).has_value());
  auto again = must(
      this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("w2", at(160), at(100)); }));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->attempt, 2);
  auto missing = this->tx([&](core::UnitOfWork& u) {
    return u.jobs().heartbeat(core::JobId{9999}, "w2", at(1), at(1));
  });
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kJobNotFound);
}

TYPED_TEST_P(JobRepositoryConformance, LeaseExpiredRunningJobsAreListedNotChanged) {
  std::vector<core::Job> jobs;
  for (const std::int64_t listing : {28, 29, 30}) {
    this->listing(listing);
    auto b = this->batch(listing);
    jobs.push_back(
        must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(2), ""); })));
  }
  const auto& j1 = jobs[0];
  const auto& j2 = jobs[1];
  must(this->tx(
      [&](core::UnitOfWork& u) { return u.jobs().start(j1.id, "job-a-r1", at(100), at(3)); }));
  must(this->tx(
      [&](core::UnitOfWork& u) { return u.jobs().start(j2.id, "job-b-r1", at(50), at(3)); }));
  EXPECT_TRUE(must(this->tx([&](core::UnitOfWork& u) {
                return u.jobs().list_lease_expired(at(50), 10);
              })).empty())
      << "a lease is good up to its expiry; QUEUED jobs are never listed";
  auto late =
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().list_lease_expired(at(101), 10); }));
  ASSERT_EQ(late.size(), 2u);
  EXPECT_EQ(late[0].id, j2.id) << "oldest lease first";
  EXPECT_EQ(late[1].id, j1.id);
  EXPECT_EQ(late[0].status, JobStatus::kRunning);
  EXPECT_EQ(late[0].lease_owner, "job-b-r1");
  auto one =
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().list_lease_expired(at(101), 1); }));
  ASSERT_EQ(one.size(), 1u);
  must(this->tx([&](core::UnitOfWork& u) {
    return u.jobs().finish(j2.id, JobStatus::kFailed,
                           core::make_error(ErrorCode::kProcessingTimeout, "late"), at(102));
  }));
  auto after =
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().list_lease_expired(at(103), 10); }));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].id, j1.id);
}

TYPED_TEST_P(JobRepositoryConformance, QueueStatsCountQueuedAndRunningWithTheOldest) {
  auto empty = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().queue_stats(); }));
  EXPECT_EQ(empty, core::JobQueueStats{});
  for (std::int64_t id : {28, 29, 30, 31}) this->listing(id);
  auto b1 = this->batch(28);
  auto b2 = this->batch(29);
  auto b3 = this->batch(30);
  auto b4 = this->batch(31);
  this->run_to(b4, BatchStatus::kReady);  // a finished job counts for nothing
  must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b1.id, at(5), ""); }));
  must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b2.id, at(7), ""); }));
  must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b3.id, at(9), ""); }));
  auto stats = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().queue_stats(); }));
  EXPECT_EQ(stats.queued, 3);
  EXPECT_EQ(stats.running, 0);
  EXPECT_EQ(stats.oldest_queued_at, at(5));
  EXPECT_EQ(stats.oldest_active_at, at(5));
  // The oldest is claimed: it counts as running, and the oldest queued is the next one.
  must(this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("w1", at(70), at(10)); }));
  stats = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().queue_stats(); }));
  EXPECT_EQ(stats.queued, 2);
  EXPECT_EQ(stats.running, 1);
  EXPECT_EQ(stats.oldest_queued_at, at(7));
  EXPECT_EQ(stats.oldest_active_at, at(5));
}

TYPED_TEST_P(JobRepositoryConformance, PrunableJobsAreFinishedRunsTheirBatchNoLongerServes) {
  this->listing(28);
  auto b = this->batch(28);
  auto assets = must(
      this->tx([&](core::UnitOfWork& u) { return u.assets().add(b.id, {photo("f1", 1)}, at(1)); }));
  // Runs 1 SUCCEEDED, 2 FAILED, 3 SUCCEEDED (served), 4 FAILED (the latest), each finished at
  // at(10 * run).
  std::vector<core::Job> runs;
  runs.push_back(this->run_to(b, BatchStatus::kReady));
  BatchStatus current = BatchStatus::kReady;
  for (int run = 2; run <= 4; ++run) {
    const bool ok = run == 3;
    const BatchStatus end = ok ? BatchStatus::kReady : BatchStatus::kFailed;
    runs.push_back(must(this->tx([&](core::UnitOfWork& u) -> core::Result<core::Job> {
      if (auto r = u.batches().transition(b.id, current, BatchStatus::kProcessing, at(10 * run));
          !r)
        return std::unexpected(r.error());
      auto job = u.jobs().create(b.id, at(10 * run), "");
      if (!job) return job;
      if (auto r = u.jobs().start(job->id, "w1", at(10 * run + 60), at(10 * run)); !r) return r;
      auto fin = u.jobs().finish(job->id, ok ? JobStatus::kSucceeded : JobStatus::kFailed,
                                 core::make_error(ErrorCode::kCorruptMedia, "bad"), at(10 * run));
      if (!fin) return fin;
      if (auto r = u.batches().transition(b.id, BatchStatus::kProcessing, end, at(10 * run)); !r)
        return std::unexpected(r.error());
      return fin;
    })));
    current = end;
  }
  // Runs 1 and 2 each worked the asset as a work item (the embedded mode's workers).
  auto items_of = [&](const core::Job& job) {
    return must(this->tx([&](core::UnitOfWork& u) { return u.items().list_by_job(job.id); }));
  };
  for (const auto& run : {runs[0], runs[1]}) {
    must(this->tx([&](core::UnitOfWork& u) -> core::Result<int> {
      if (auto p = u.items().plan(run.id, {{assets[0].id, false}}, at(5)); !p) return p;
      return u.items().close_open(run.id, at(6));
    }));
    ASSERT_EQ(items_of(run).size(), 1u);
  }
  auto prunable = [&](int second) {
    return must(
        this->tx([&](core::UnitOfWork& u) { return u.jobs().list_prunable(at(second), 10); }));
  };
  EXPECT_TRUE(prunable(3).empty());
  auto due = prunable(100);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].id, runs[0].id);  // completed at(4)
  EXPECT_EQ(due[1].id, runs[1].id);  // completed at(20)
  ASSERT_EQ(prunable(10).size(), 1u);

  EXPECT_TRUE(
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().remove_prunable(runs[0].id); })));
  EXPECT_FALSE(
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().remove_prunable(runs[0].id); })));
  EXPECT_TRUE(items_of(runs[0]).empty()) << "the pruned job's work items went with it";
  EXPECT_EQ(items_of(runs[1]).size(), 1u);
  for (const auto& served : {runs[2], runs[3]}) {
    EXPECT_TRUE(fails_with(
        this->tx([&](core::UnitOfWork& u) { return u.jobs().remove_prunable(served.id); }),
        ErrorCode::kConflict));
  }
  auto left = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().list_by_batch(b.id); }));
  ASSERT_EQ(left.size(), 3u);
  EXPECT_EQ(left[0].id, runs[1].id);
  ASSERT_EQ(prunable(100).size(), 1u);
}

// The W3C traceparent of the request that created a job, the outbox event and the asset failure
// it leads to: stored and read back as given; anything else than a version-00 traceparent or ""
// is refused.
TYPED_TEST_P(JobRepositoryConformance, TraceparentIsStoredWithTheJobItsEventsAndFailures) {
  const std::string trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  this->listing(28);
  auto b = this->batch(28);
  for (const std::string bad : {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                                "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", "x"}) {
    EXPECT_TRUE(
        fails_with(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(2), bad); }),
                   ErrorCode::kInvalidRequest))
        << bad;
    EXPECT_TRUE(fails_with(this->tx([&](core::UnitOfWork& u) {
      return u.outbox().add("msg_bad", "media.batch.ready", "{}", bad, at(2));
    }),
                           ErrorCode::kInvalidRequest))
        << bad;
  }
  auto a = must(this->tx(
      [&](core::UnitOfWork& u) { return u.assets().add(b.id, {photo("f-1", 1)}, at(2)); }))[0];
  auto job =
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().create(b.id, at(2), trace); }));
  EXPECT_EQ(job.traceparent, trace);
  auto found = must(this->tx([&](core::UnitOfWork& u) { return u.jobs().find(job.id); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->traceparent, trace);
  auto claimed =
      must(this->tx([&](core::UnitOfWork& u) { return u.jobs().claim_next("w1", at(60), at(3)); }));
  ASSERT_TRUE(claimed.has_value());
  EXPECT_EQ(claimed->traceparent, trace) << "the worker reads it from its claim";

  must(this->tx([&](core::UnitOfWork& u) {
    return u.assets().transition(a.id, AssetStatus::kPendingUpload, AssetStatus::kUploaded, at(3));
  }));
  must(this->tx(
      [&](core::UnitOfWork& u) { return u.assets().mark_processing(a.id, job.id, at(3)); }));
  auto failed = must(this->tx([&](core::UnitOfWork& u) {
    return u.assets().mark_failed(a.id, AssetStatus::kProcessing, job.id,
                                  {.code = ErrorCode::kCorruptMedia,
                                   .message = "cannot decode",
                                   .hint = "Export it again",
                                   .traceparent = trace},
                                  at(4));
  }));
  ASSERT_TRUE(failed.failure.has_value());
  EXPECT_EQ(failed.failure->traceparent, trace);

  auto event = must(this->tx([&](core::UnitOfWork& u) {
    return u.outbox().add("msg_job1_failed", "media.batch.failed", "{}", trace, at(5));
  }));
  EXPECT_EQ(event.traceparent, trace);
  auto due = must(this->tx([&](core::UnitOfWork& u) { return u.outbox().due(at(5), 10); }));
  ASSERT_EQ(due.size(), 1U);
  EXPECT_EQ(due[0].traceparent, trace);
}

REGISTER_TYPED_TEST_SUITE_P(
    JobRepositoryConformance, JobLifecycleAlwaysHasStartTime, OneActiveJobPerBatchAndRunsCount,
    JobArchiveIsRecordedWhileRunningAndIdempotently, ThreadsRacingForAJobGetExactlyOne,
    ClaimTakesTheOldestDueJobAndSetsStartAndLease, ExpiredLeaseIsReclaimedAndKeepsTheFirstStart,
    ReleasedJobWaitsForItsAvailableTime, LeaseExpiredRunningJobsAreListedNotChanged,
    QueueStatsCountQueuedAndRunningWithTheOldest,
    PrunableJobsAreFinishedRunsTheirBatchNoLongerServes,
    TraceparentIsStoredWithTheJobItsEventsAndFailures);

}  // namespace toq::testing
