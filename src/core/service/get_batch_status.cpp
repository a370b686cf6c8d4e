#include "core/service/get_batch_status.hpp"

#include <fmt/format.h>

#include "core/service/access_policy.hpp"
#include "core/service/batch_lookup.hpp"

namespace toq::core {

namespace {

// The contract's asset codes are what a client may see; anything else (a database or store code
// that reached a job or an asset) is reported as INTERNAL_ERROR.
ErrorCode client_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUploadMissing:
    case ErrorCode::kSizeMismatch:
    case ErrorCode::kChecksumMismatch:
    case ErrorCode::kUnsupportedFormat:
    case ErrorCode::kTypeMismatch:
    case ErrorCode::kCorruptMedia:
    case ErrorCode::kImageTooLarge:
    case ErrorCode::kVideoTooLong:
    case ErrorCode::kVideoTranscodeFailed:
    case ErrorCode::kOrientationMismatch:
    case ErrorCode::kProcessingTimeout:
    case ErrorCode::kUploadExpired:
    case ErrorCode::kUploadCancelled: return code;
    default: return ErrorCode::kInternal;
  }
}

}  // namespace

Result<GetBatchStatusOutput> GetBatchStatus::run(const GetBatchStatusInput& input) {
  const ListingId listing_id{input.listing_identity_id};
  return deps_.db.transact([&](UnitOfWork& uow) -> Result<GetBatchStatusOutput> {
    auto listing = require_listing(uow, listing_id);
    if (!listing) return std::unexpected(listing.error());
    if (auto ok = authorize_view(input.caller, *listing); !ok) return std::unexpected(ok.error());

    GetBatchStatusOutput out;
    out.listing_id = listing_id;
    if (input.batch_id) {
      auto batch = require_listing_batch(uow, listing_id, BatchId{*input.batch_id});
      if (!batch) return std::unexpected(batch.error());
      out.batch = std::move(*batch);
    } else {
      auto latest = uow.batches().find_latest(listing_id);
      if (!latest) return std::unexpected(latest.error());
      if (!*latest) {
        return fail(ErrorCode::kBatchNotFound,
                    fmt::format("listing {} has no batch", listing_id.value),
                    "The listing has no upload batch.");
      }
      out.batch = std::move(**latest);
    }
    auto job = uow.jobs().find_latest(out.batch.id);
    if (!job) return std::unexpected(job.error());
    out.job = std::move(*job);
    auto assets = uow.assets().list_by_batch(out.batch.id);
    if (!assets) return std::unexpected(assets.error());
    out.assets = std::move(*assets);

    out.progress.total = static_cast<std::int64_t>(out.assets.size());
    for (Asset& a : out.assets) {
      if (a.failure) a.failure->code = client_code(a.failure->code);
      if (a.status == AssetStatus::kReady) ++out.progress.ready;
      if (a.status == AssetStatus::kFailed) ++out.progress.failed;
    }
    out.progress.processing = out.progress.total - out.progress.ready - out.progress.failed;
    if (out.job && out.job->status == JobStatus::kFailed) {
      const ErrorCode code = client_code(out.job->error_code.value_or(ErrorCode::kInternal));
      out.error = BatchFailure{code, make_error(code, {}).client_message()};
    }
    return out;
  });
}

}  // namespace toq::core
