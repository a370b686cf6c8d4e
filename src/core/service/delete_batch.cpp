#include "core/service/delete_batch.hpp"

#include <fmt/format.h>

#include "core/service/access_policy.hpp"
#include "core/service/batch_lookup.hpp"

namespace toq::core {

namespace {

Error not_deletable(const Batch& batch) {
  const bool processing =
      batch.status == BatchStatus::kProcessing || batch.status == BatchStatus::kReceived;
  return make_error(
      ErrorCode::kBatchNotDeletable,
      fmt::format("batch {} is {} and cannot be deleted", batch.id.value, to_string(batch.status)),
      fmt::format("The batch is {} and cannot be deleted now.", to_string(batch.status)),
      processing ? "Wait until its processing ends (READY or FAILED), then delete it."
                 : "Cancel the upload (uploads/cancel) or let it expire, then delete it.");
}

}  // namespace

Status DeleteBatch::authorize(const Principal& caller) {
  return authorize_admin(caller, "delete batches");
}

Result<Batch> DeleteBatch::run(const DeleteBatchInput& input) {
  if (auto ok = authorize(input.caller); !ok) {
    return std::unexpected(ok.error());
  }
  const ListingId listing_id{input.listing_identity_id};
  const BatchId batch_id{input.batch_id};
  return deps_.db.transact([&](UnitOfWork& uow) -> Result<Batch> {
    auto found = uow.batches().find(batch_id);
    if (!found) return std::unexpected(found.error());
    if (!*found || (*found)->listing_id != listing_id) {
      return std::unexpected(batch_not_found(listing_id, batch_id));
    }
    if (is_open((*found)->status)) return std::unexpected(not_deletable(**found));
    auto deleted = uow.batches().soft_delete(batch_id, deps_.clock.now());
    if (!deleted) {
      // A reprocess opened it between the read and the write (an adapter whose transactions
      // interleave): refused the same way.
      if (deleted.error().code == ErrorCode::kConflict) {
        auto now_found = uow.batches().find(batch_id);
        if (now_found && *now_found) return std::unexpected(not_deletable(**now_found));
      }
      return std::unexpected(deleted.error());
    }
    return deleted;
  });
}

}  // namespace toq::core
