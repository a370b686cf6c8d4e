// CompleteUploadBatch on the real SQLite adapter and the real local object store, including the
// headline race (50 concurrent completes, one job) and the platform's two incidents.

#include <barrier>
#include <set>
#include <thread>

#include "core/service/execution_runs.hpp"

#include "service/service_fixture.hpp"
#include "support/trace_context.hpp"

namespace toq::testing {
namespace {

using core::AssetStatus;
using core::BatchStatus;
using core::ErrorCode;
using core::JobStatus;
using core::Role;

class CompleteUploadBatchTest : public ServiceTest {
 protected:
  std::vector<core::Job> jobs_of(core::BatchId batch) {
    return must(tx([&](core::UnitOfWork& u) { return u.jobs().list_by_batch(batch); }));
  }
  core::Batch batch_row(core::BatchId batch) {
    auto b = must(tx([&](core::UnitOfWork& u) { return u.batches().find(batch); }));
    if (!b) throw std::runtime_error("batch vanished");
    return *b;
  }
  core::UploadIncompleteDetails incomplete(const core::Result<core::CompleteUploadBatchOutput>& r) {
    EXPECT_TRUE(fails_with(r, ErrorCode::kUploadIncomplete));
    if (r) return {};
    const auto* d = std::get_if<core::UploadIncompleteDetails>(&r.error().details);
    EXPECT_NE(d, nullptr);
    return d ? *d : core::UploadIncompleteDetails{};
  }
};

TEST_F(CompleteUploadBatchTest, CompletesMultipartVerifiesAndCreatesOneJob) {
  listing(28);
  auto batch = create_mixed(28);
  auto parts = upload(batch);
  auto out = must(completer().run(complete_input(batch, parts)));
  EXPECT_TRUE(out.created);
  EXPECT_EQ(out.batch_id, batch.batch_id);
  EXPECT_EQ(out.status, BatchStatus::kReceived);
  EXPECT_GT(out.job_id.value, 0);
  // 30 s base + 2 s for the photo + 20 s for the video (small: no per-16-MiB term).
  EXPECT_EQ(out.estimated_duration_seconds, 52);

  EXPECT_EQ(batch_row(batch.batch_id).status, BatchStatus::kReceived);
  auto jobs = jobs_of(batch.batch_id);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].id, out.job_id);
  EXPECT_EQ(jobs[0].status, JobStatus::kQueued);
  auto assets =
      must(tx([&](core::UnitOfWork& u) { return u.assets().list_by_batch(batch.batch_id); }));
  for (const auto& a : assets) EXPECT_EQ(a.status, AssetStatus::kUploaded);
  // The multipart object exists, whole, with the declared checksum.
  auto info = must(store_->head(out.input_keys[1]));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->size, 200 * kKiB);
}

// The trace of the complete call is stored with the job, and in the AWS mode the job's start row
// carries the job's stored traceparent in the execution input (what Step Functions, its Lambdas and
// the report's webhook see); without one, the job gets a new trace.
TEST_F(CompleteUploadBatchTest, TheJobAndItsExecutionInputCarryTheCallsTraceparent) {
  const std::string trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const core::AwsProcessing aws{.bucket = "toq-test"};
  core::CompleteUploadBatch aws_completer({*db_, *store_, *store_, clock_, &aws});
  listing(28);
  auto batch = create_mixed(28);
  auto parts = upload(batch);
  auto in = complete_input(batch, parts);
  in.traceparent = trace;
  auto out = must(aws_completer.run(in));
  const auto job = jobs_of(batch.batch_id).at(0);
  EXPECT_EQ(job.traceparent, trace);
  auto start = must(tx([&](core::UnitOfWork& u) { return u.starts().find_by_job(out.job_id); }));
  ASSERT_TRUE(start.has_value());
  EXPECT_EQ(core::traceparent_of(start->input), job.traceparent);
  EXPECT_NE(start->input.find(R"("traceparent":")" + trace + "\""), std::string::npos)
      << start->input;

  listing(29);
  auto untraced = create_mixed(29);
  auto untraced_parts = upload(untraced);
  auto bare = must(aws_completer.run(complete_input(untraced, untraced_parts)));
  const auto made = jobs_of(untraced.batch_id).at(0).traceparent;
  EXPECT_TRUE(support::is_traceparent(made)) << made;
  auto made_start =
      must(tx([&](core::UnitOfWork& u) { return u.starts().find_by_job(bare.job_id); }));
  ASSERT_TRUE(made_start.has_value());
  EXPECT_EQ(core::traceparent_of(made_start->input), made);
}

TEST_F(CompleteUploadBatchTest, AgainIsIdempotentAndReportsTheCurrentStatus) {
  listing(28);
  auto batch = create_mixed(28);
  auto parts = upload(batch);
  auto first = must(completer().run(complete_input(batch, parts)));
  auto second = must(completer().run(complete_input(batch, parts)));
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.job_id, first.job_id);
  EXPECT_EQ(second.status, BatchStatus::kReceived);
  // Without the parts too (the multipart upload is gone by now).
  auto bare = must(completer().run(complete_input(batch, {})));
  EXPECT_EQ(bare.job_id, first.job_id);

  must(tx([&](core::UnitOfWork& u) {
    return u.batches().transition(batch.batch_id, BatchStatus::kReceived, BatchStatus::kProcessing,
                                  pinned_now());
  }));
  auto later = must(completer().run(complete_input(batch, parts)));
  EXPECT_FALSE(later.created);
  EXPECT_EQ(later.job_id, first.job_id);
  EXPECT_EQ(later.status, BatchStatus::kProcessing);
  EXPECT_EQ(jobs_of(batch.batch_id).size(), 1u);
}

TEST_F(CompleteUploadBatchTest, BatchNotFoundAlsoForAnotherListingsBatch) {
  listing(28);
  listing(29);
  auto batch = create_mixed(28);
  auto parts = upload(batch);
  auto in = complete_input(batch, parts);
  in.batch_id = 9999;
  EXPECT_TRUE(fails_with(completer().run(in), ErrorCode::kBatchNotFound));
  in = complete_input(batch, parts);
  in.listing_identity_id = 29;
  EXPECT_TRUE(fails_with(completer().run(in), ErrorCode::kBatchNotFound));
  EXPECT_EQ(batch_row(batch.batch_id).status, BatchStatus::kPendingUpload);
}

TEST_F(CompleteUploadBatchTest, AuthorizationMatrixOnAPhotoBatch) {
  listing(28);
  auto batch = create_mixed(28);
  auto parts = upload(batch);
  const std::vector<std::pair<core::Principal, bool>> callers = {
      {as(Role::kPhotographer, 8), false},
      {as(Role::kOwner, kOwner), false},
      {as(Role::kClient, kPhotographer), false},
      {as(Role::kService, 1), false},
      {as(Role::kAdmin, 1), true}};
  for (const auto& [caller, allowed] : callers) {
    auto r = completer().run(complete_input(batch, parts, caller));
    if (allowed) {
      EXPECT_TRUE(r.has_value()) << static_cast<int>(caller.role);
    } else {
      EXPECT_TRUE(fails_with(r, ErrorCode::kForbidden)) << static_cast<int>(caller.role);
    }
  }
  // Forbidden callers learn nothing, even once a job exists.
  EXPECT_TRUE(fails_with(completer().run(complete_input(batch, parts, as(Role::kPhotographer, 8))),
                         ErrorCode::kForbidden));
  // The listing's photographer gets the admin's job.
  auto mine = must(completer().run(complete_input(batch, parts)));
  EXPECT_FALSE(mine.created);
}

TEST_F(CompleteUploadBatchTest, OwnerCompletesProjectBatchOfADevelopment) {
  listing(30, "DEVELOPMENT", "PUBLISHED");
  auto batch = must(creator().run(
      {as(Role::kOwner, kOwner), manifest(30, {file("d-1", "PROJECT_DOC", 3 * kKiB, 1),
                                               file("r-1", "PROJECT_RENDER", 150 * kKiB, 1)})}));
  auto parts = upload(batch);
  EXPECT_TRUE(fails_with(completer().run(complete_input(batch, parts)), ErrorCode::kForbidden));
  auto out = must(completer().run(complete_input(batch, parts, as(Role::kOwner, kOwner))));
  EXPECT_TRUE(out.created);
}

TEST_F(CompleteUploadBatchTest, MissingFilesLeaveTheBatchPendingUntilUploaded) {
  listing(28);
  auto batch = create_mixed(28);
  auto d = incomplete(completer().run(complete_input(batch, {})));
  EXPECT_EQ(d.missing, (std::vector<std::string>{"f-1", "v-1"}));
  EXPECT_TRUE(d.mismatched.empty());

  upload(batch, {"f-1"});
  d = incomplete(completer().run(complete_input(batch, {})));
  EXPECT_EQ(d.missing, (std::vector<std::string>{"v-1"}));
  EXPECT_EQ(batch_row(batch.batch_id).status, BatchStatus::kPendingUpload);
  EXPECT_TRUE(jobs_of(batch.batch_id).empty());

  auto parts = upload(batch, {"v-1"});
  auto out = must(completer().run(complete_input(batch, parts)));
  EXPECT_TRUE(out.created);
}

TEST_F(CompleteUploadBatchTest, WrongPartEtagIsMissingAndCanBeRetried) {
  listing(28);
  auto batch = create_mixed(28);
  auto parts = upload(batch);
  auto wrong = parts;
  wrong[0].parts[1].etag = "\"00000000000000000000000000000000\"";
  auto d = incomplete(completer().run(complete_input(batch, wrong)));
  EXPECT_EQ(d.missing, (std::vector<std::string>{"v-1"}));
  EXPECT_TRUE(must(completer().run(complete_input(batch, parts))).created);
}

TEST_F(CompleteUploadBatchTest, SizeAndChecksumMismatches) {
  listing(28);
  auto batch = must(creator().run(
      {photographer(), manifest(28, {file("f-1", "PHOTO_HORIZONTAL", 10 * kKiB, 1),
                                     file("f-2", "PHOTO_HORIZONTAL", 10 * kKiB, 2),
                                     file("f-3", "PHOTO_HORIZONTAL", 10 * kKiB, 3)})}));
  upload(batch, {"f-1"});
  // f-2: other bytes, other size; f-3: the right size, other bytes, stored with their checksum.
  auto put_raw = [&](std::size_t index, const std::vector<std::byte>& bytes) {
    core::PutOptions put;
    put.content_type = "image/jpeg";
    put.checksum_sha256 = sha256_base64(bytes);
    SpanSource src(bytes);
    must(store_->put(core::raw_key(batch.listing_id, batch.batch_id, batch.files[index].asset_id),
                     src, put));
  };
  put_raw(1, make_bytes(9 * kKiB, 99));
  put_raw(2, make_bytes(10 * kKiB, 98));
  auto d = incomplete(completer().run(complete_input(batch, {})));
  EXPECT_TRUE(d.missing.empty());
  ASSERT_EQ(d.mismatched.size(), 2u);
  EXPECT_EQ(d.mismatched[0].client_id, "f-2");
  EXPECT_EQ(d.mismatched[0].reason, "SIZE_MISMATCH");
  EXPECT_EQ(d.mismatched[1].client_id, "f-3");
  EXPECT_EQ(d.mismatched[1].reason, "CHECKSUM_MISMATCH");
  EXPECT_EQ(batch_row(batch.batch_id).status, BatchStatus::kPendingUpload);

  upload(batch, {"f-2", "f-3"});
  EXPECT_TRUE(must(completer().run(complete_input(batch, {}))).created);
}

TEST_F(CompleteUploadBatchTest, MultipartWithOtherBytesIsChecksumMismatch) {
  listing(28);
  auto batch = create_mixed(28);
  contents_["v-1"] = make_bytes(200 * kKiB, 12345);  // right size, not the declared bytes
  auto d = incomplete(completer().run(complete_input(batch, upload(batch))));
  ASSERT_EQ(d.mismatched.size(), 1u);
  EXPECT_EQ(d.mismatched[0].client_id, "v-1");
  EXPECT_EQ(d.mismatched[0].reason, "CHECKSUM_MISMATCH");
}

TEST_F(CompleteUploadBatchTest, UnknownClientIdIsInvalidRequest) {
  listing(28);
  auto batch = create_mixed(28);
  auto parts = upload(batch);
  parts.push_back({"nope", {{1, "\"x\""}}});
  EXPECT_TRUE(
      fails_with(completer().run(complete_input(batch, parts)), ErrorCode::kInvalidRequest));
}

TEST_F(CompleteUploadBatchTest, AbandonedBatchIsNotPending) {
  listing(28);
  auto batch = create_mixed(28);
  must(tx([&](core::UnitOfWork& u) {
    return u.batches().transition(batch.batch_id, BatchStatus::kPendingUpload, BatchStatus::kFailed,
                                  pinned_now());
  }));
  EXPECT_TRUE(fails_with(completer().run(complete_input(batch, upload(batch))),
                         ErrorCode::kBatchNotPending));
}

// ---------------------------------------------------------------- races and incidents

struct RaceResult {
  std::vector<core::Result<core::CompleteUploadBatchOutput>> results;
};

class CompleteRaceTest : public CompleteUploadBatchTest {
 protected:
  // `threads` callers complete the same batch at the same moment, each with a fresh use case.
  RaceResult race(const core::CreateUploadBatchOutput& batch,
                  const std::vector<core::CompletedFile>& parts, int threads) {
    RaceResult out;
    out.results.resize(static_cast<std::size_t>(threads),
                       core::fail(ErrorCode::kInternal, "not run"));
    std::barrier start(threads);
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i) {
      pool.emplace_back([&, i] {
        auto use_case = completer();
        start.arrive_and_wait();
        out.results[static_cast<std::size_t>(i)] = use_case.run(complete_input(batch, parts));
      });
    }
    for (auto& t : pool) t.join();
    return out;
  }
};

TEST_F(CompleteRaceTest, FiftyConcurrentCompletesMakeExactlyOneJob) {
  listing(28);
  auto batch = create_mixed(28);
  auto parts = upload(batch);
  auto race_result = race(batch, parts, 50);

  std::set<std::int64_t> job_ids;
  int created = 0;
  for (const auto& r : race_result.results) {
    ASSERT_TRUE(r.has_value()) << to_string(r.error().code) << ": " << r.error().message;
    job_ids.insert(r->job_id.value);
    created += r->created ? 1 : 0;
  }
  EXPECT_EQ(job_ids.size(), 1u);
  EXPECT_EQ(created, 1);
  auto jobs = jobs_of(batch.batch_id);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].id.value, *job_ids.begin());
  EXPECT_EQ(batch_row(batch.batch_id).status, BatchStatus::kReceived);
}

// The platform's earlier attempt created two job rows per completion, the first without a start
// time. Here: one row, however many completes, and once started it carries started_at.
TEST_F(CompleteRaceTest, Incident_OneJobPerCompletionWithStartedAtSet) {
  listing(28);
  auto batch = create_mixed(28);
  auto parts = upload(batch);
  auto race_result = race(batch, parts, 8);
  for (const auto& r : race_result.results) ASSERT_TRUE(r.has_value()) << r.error().message;
  const core::JobId job = race_result.results[0]->job_id;

  auto jobs = jobs_of(batch.batch_id);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].status, JobStatus::kQueued);
  EXPECT_FALSE(jobs[0].started_at.has_value());

  clock_.advance(std::chrono::seconds(3));
  auto started = must(tx([&](core::UnitOfWork& u) {
    return u.jobs().start(job, "worker-1", clock_.now() + std::chrono::minutes(5), clock_.now());
  }));
  EXPECT_EQ(started.status, JobStatus::kRunning);
  ASSERT_TRUE(started.started_at.has_value());
  EXPECT_EQ(*started.started_at, clock_.now());

  // Completing again after the start still adds no row, and reports the same job.
  auto again = must(completer().run(complete_input(batch, parts)));
  EXPECT_EQ(again.job_id, job);
  EXPECT_FALSE(again.created);
  jobs = jobs_of(batch.batch_id);
  ASSERT_EQ(jobs.size(), 1u);
  for (const auto& j : jobs) EXPECT_TRUE(j.started_at.has_value());
}

// The platform's finalization once fed processed keys back as raw keys. The job's inputs are the
// assets' raw keys, and only raw keys: raw_input_key accepts each one and refuses output keys.
TEST_F(CompleteRaceTest, Incident_CompleteNeverProcessesOutputKeys) {
  listing(28);
  auto batch = create_mixed(28);
  auto out = must(completer().run(complete_input(batch, upload(batch))));
  auto assets =
      must(tx([&](core::UnitOfWork& u) { return u.assets().list_by_batch(batch.batch_id); }));
  ASSERT_EQ(out.input_keys.size(), assets.size());
  for (std::size_t i = 0; i < assets.size(); ++i) {
    const std::string raw = core::raw_key(batch.listing_id, batch.batch_id, assets[i].id);
    EXPECT_EQ(out.input_keys[i], raw);
    EXPECT_TRUE(core::raw_input_key(out.input_keys[i], batch.listing_id, batch.batch_id));
    EXPECT_TRUE(must(store_->head(out.input_keys[i])).has_value());
    const std::string output = core::output_key(batch.listing_id, batch.batch_id, out.job_id,
                                                assets[i].id, "large", "jpg");
    EXPECT_TRUE(fails_with(core::raw_input_key(output, batch.listing_id, batch.batch_id),
                           ErrorCode::kInvalidRequest));
    EXPECT_TRUE(fails_with(
        core::raw_input_key(core::archive_key(batch.listing_id, batch.batch_id, out.job_id),
                            batch.listing_id, batch.batch_id),
        ErrorCode::kInvalidRequest));
  }
  // The idempotent answer names the same raw keys.
  auto again = must(completer().run(complete_input(batch, {})));
  EXPECT_EQ(again.input_keys, out.input_keys);
}

}  // namespace
}  // namespace toq::testing
