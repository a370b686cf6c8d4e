#include "core/service/retry_batch.hpp"

#include <variant>

#include <fmt/format.h>

#include "core/model/asset.hpp"
#include "core/model/job.hpp"
#include "core/model/object_keys.hpp"
#include "core/service/access_policy.hpp"
#include "core/service/batch_lookup.hpp"

#include "support/trace_context.hpp"

namespace toq::core {

namespace {

Error not_retryable(BatchId batch, std::string why, std::string what = {}, std::int64_t id = 0) {
  Error e = make_error(ErrorCode::kBatchNotRetryable,
                       fmt::format("batch {} cannot be retried: {}", batch.value, why),
                       "Only a READY or FAILED batch that is not being processed can be retried.");
  if (!what.empty()) e.details = ConflictDetails{std::move(what), id};
  return e;
}

// The refusal for a batch that is neither READY nor FAILED, naming the job that holds it.
Error not_finished(UnitOfWork& uow, const Batch& batch) {
  const std::string what = fmt::format("it is {}", to_string(batch.status));
  auto active = uow.jobs().find_active(batch.id);
  if (!active) return active.error();
  if (*active) return not_retryable(batch.id, what, "jobId", (*active)->id.value);
  return not_retryable(batch.id, what);
}

// A batch abandoned while uploading (cancelled, or expired): FAILED, but nothing was processed.
Error never_completed(BatchId batch) {
  return make_error(
      ErrorCode::kBatchNotRetryable,
      fmt::format("batch {} cannot be retried: its upload was never completed", batch.value),
      "This batch's upload was cancelled or expired before it was completed, so "
      "there is nothing to process again.",
      "Upload the files again in a new batch.");
}

Error raw_removed(BatchId batch) {
  return make_error(ErrorCode::kBatchNotRetryable,
                    fmt::format("batch {} cannot be retried: its raw uploads were removed "
                                "(housekeeping.readyRawRetentionSeconds)",
                                batch.value),
                    "The original files of this batch are no longer kept.",
                    "Upload the files again in a new batch.");
}

}  // namespace

Result<RetryBatchOutput> RetryBatch::run(const RetryBatchInput& input) {
  const ListingId listing_id{input.listing_identity_id};
  const BatchId batch_id{input.batch_id};
  const Timestamp now = deps_.clock.now();
  const std::string trace = support::traceparent_for(input.traceparent);

  auto done = deps_.db.transact([&](UnitOfWork& uow) -> Result<RetryBatchOutput> {
    auto batch = require_listing_batch(uow, listing_id, batch_id);
    if (!batch) return std::unexpected(batch.error());
    auto listing = uow.listings().find(listing_id);
    if (!listing) return std::unexpected(listing.error());
    if (!*listing) return std::unexpected(batch_not_found(listing_id, batch_id));
    if (auto ok = authorize_retry(input.caller, **listing); !ok) {
      return std::unexpected(ok.error());
    }
    if (batch->status != BatchStatus::kReady && batch->status != BatchStatus::kFailed) {
      return std::unexpected(not_finished(uow, *batch));
    }
    auto previous = uow.jobs().find_latest(batch_id);
    if (!previous) return std::unexpected(previous.error());
    if (!*previous) {
      return std::unexpected(never_completed(batch_id));
    }

    if (batch->raw_removed_at) return std::unexpected(raw_removed(batch_id));

    auto moved = uow.batches().transition(batch_id, batch->status, BatchStatus::kProcessing, now);
    if (!moved) {
      const Error& e = moved.error();
      if (e.code == ErrorCode::kOpenBatchExists) {
        const auto* open = std::get_if<ConflictDetails>(&e.details);
        return std::unexpected(not_retryable(batch_id, "the listing has another open batch",
                                             "openBatchId", open ? open->id : 0));
      }
      return std::unexpected(e);
    }
    // The retention sweep marks raw_removed_at by a compare-and-set on a closed batch; read
    // again after ours, so a mark that committed first is seen here.
    if (moved->raw_removed_at) return std::unexpected(raw_removed(batch_id));
    auto job = uow.jobs().create(batch_id, now, trace);
    if (!job) return std::unexpected(job.error());
    auto assets = uow.assets().list_by_batch(batch_id);
    if (!assets) return std::unexpected(assets.error());
    RetryBatchOutput out;
    out.batch_id = batch_id;
    out.job_id = job->id;
    out.run = job->run;
    out.status = moved->status;
    for (const Asset& a : *assets) {
      auto marked = uow.assets().mark_processing(a.id, job->id, now);
      if (!marked) return std::unexpected(marked.error());
      auto key = raw_input_key(raw_key(listing_id, batch_id, a.id), listing_id, batch_id);
      if (!key) return std::unexpected(key.error());
      out.input_keys.push_back(std::move(*key));
    }
    if (deps_.aws != nullptr) {
      if (auto queued = enqueue_execution(uow, *deps_.aws, *job, listing_id, *assets, now);
          !queued) {
        return std::unexpected(queued.error());
      }
    }
    return out;
  });
  if (done) return done;

  // A concurrent retry won (an adapter whose transactions interleave): answer with its job.
  const ErrorCode code = done.error().code;
  if (code == ErrorCode::kStaleState || code == ErrorCode::kJobAlreadyActive) {
    auto active =
        deps_.db.transact([&](UnitOfWork& uow) { return uow.jobs().find_active(batch_id); });
    if (active && *active) {
      return std::unexpected(not_retryable(batch_id, "a concurrent retry started a job", "jobId",
                                           (*active)->id.value));
    }
    return std::unexpected(not_retryable(batch_id, "a concurrent call changed it"));
  }
  return done;
}

}  // namespace toq::core
