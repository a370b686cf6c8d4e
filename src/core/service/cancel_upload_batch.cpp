#include "core/service/cancel_upload_batch.hpp"

#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/service/abandon_upload.hpp"
#include "core/service/batch_lookup.hpp"
#include "core/service/upload_policy.hpp"

namespace toq::core {

namespace {

struct Cancelled {
  Batch batch;
  std::vector<Asset> assets;
  bool moved = false;
};

Error not_pending(const Batch& batch) {
  return make_error(ErrorCode::kBatchNotPending,
                    fmt::format("batch {} is {}: only an upload in progress can be cancelled",
                                batch.id.value, to_string(batch.status)),
                    "Only an upload that was not completed yet can be cancelled.");
}

}  // namespace

Result<CancelUploadBatchOutput> CancelUploadBatch::run(const CancelUploadBatchInput& input) {
  const ListingId listing_id{input.listing_identity_id};
  const BatchId batch_id{input.batch_id};

  auto attempt = [&]() {
    return deps_.db.transact([&](UnitOfWork& uow) -> Result<Cancelled> {
      auto batch = require_listing_batch(uow, listing_id, batch_id);
      if (!batch) return std::unexpected(batch.error());
      auto listing = uow.listings().find(listing_id);
      if (!listing) return std::unexpected(listing.error());
      if (!*listing) return std::unexpected(batch_not_found(listing_id, batch_id));
      Cancelled out;
      auto assets = uow.assets().list_by_batch(batch_id);
      if (!assets) return std::unexpected(assets.error());
      if (auto ok = authorize_upload(input.caller, **listing, *assets); !ok) {
        return std::unexpected(ok.error());
      }
      if (batch->status == BatchStatus::kPendingUpload) {
        AssetFailure failure = upload_cancelled_failure();
        failure.traceparent = input.traceparent;
        auto moved = abandon_upload(uow, *batch, failure, deps_.clock.now(), &out.assets);
        if (!moved) return std::unexpected(moved.error());
        out.batch = std::move(*moved);
        out.moved = true;
        return out;
      }
      auto abandoned = abandoned_during_upload(uow, *batch);
      if (!abandoned) return std::unexpected(abandoned.error());
      if (!*abandoned) return std::unexpected(not_pending(*batch));
      out.batch = std::move(*batch);
      out.assets = std::move(*assets);
      return out;
    });
  };
  auto done = attempt();
  // Lost the compare-and-set to a complete, another cancel or the sweep: answer from what won.
  if (!done && done.error().code == ErrorCode::kStaleState) done = attempt();
  if (!done) return std::unexpected(done.error());

  CancelUploadBatchOutput out;
  out.batch_id = done->batch.id;
  out.listing_id = done->batch.listing_id;
  out.status = done->batch.status;
  out.cancelled = done->moved;
  if (auto removed = remove_raw_uploads(deps_.store, deps_.multipart, done->batch, done->assets);
      !removed) {
    out.cleanup_error = removed.error();
  }
  return out;
}

}  // namespace toq::core
