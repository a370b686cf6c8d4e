#include "core/service/abandon_upload.hpp"

#include <fmt/format.h>

#include "core/model/object_keys.hpp"

#include "support/json_string.hpp"

namespace toq::core {

namespace {
constexpr std::string_view kFailedEvent = "media.batch.failed";
}  // namespace

AssetFailure upload_expired_failure(std::chrono::seconds expire_after) {
  const auto hours = expire_after.count() / 3600;
  const std::string span = hours >= 1 && expire_after.count() % 3600 == 0
                               ? fmt::format("{} h", hours)
                               : fmt::format("{} s", expire_after.count());
  return AssetFailure{
      .code = ErrorCode::kUploadExpired,
      .message = fmt::format("The upload session was not completed within {}; it was closed and "
                             "its files were discarded.",
                             span),
      .hint =
          "Start a new upload of this listing's files and complete it once every file is sent."};
}

AssetFailure upload_cancelled_failure() {
  return AssetFailure{.code = ErrorCode::kUploadCancelled,
                      .message = "The upload session was cancelled; its files were discarded.",
                      .hint = "Start a new upload when you are ready to send the files again."};
}

std::string abandoned_batch_event_payload(const Batch& batch, ErrorCode reason,
                                          Timestamp occurred_at, std::string_view listing_status) {
  return fmt::format(
      R"({{"type":{},"listingIdentityId":{},"batchId":{},"jobId":null,"occurredAt":{},"listingStatus":{},"reason":{}}})",
      support::json_quote(kFailedEvent), batch.listing_id.value, batch.id.value,
      support::json_quote(format_rfc3339(occurred_at)), support::json_quote(listing_status),
      support::json_quote(to_string(reason)));
}

Result<Batch> abandon_upload(UnitOfWork& uow, const Batch& batch, const AssetFailure& failure,
                             Timestamp now, std::vector<Asset>* assets) {
  // The compare-and-set first: losing it (a complete, a cancel or another sweep won) changes
  // nothing.
  auto moved =
      uow.batches().transition(batch.id, BatchStatus::kPendingUpload, BatchStatus::kFailed, now);
  if (!moved) return std::unexpected(moved.error());
  auto listed = uow.assets().list_by_batch(batch.id);
  if (!listed) return std::unexpected(listed.error());
  for (Asset& asset : *listed) {
    if (asset.status != AssetStatus::kPendingUpload) continue;
    auto failed =
        uow.assets().mark_failed(asset.id, AssetStatus::kPendingUpload, std::nullopt, failure, now);
    if (!failed) return std::unexpected(failed.error());
    asset = std::move(*failed);
  }
  auto listing = uow.listings().find(batch.listing_id);
  if (!listing) return std::unexpected(listing.error());
  const std::string listing_status = *listing ? (*listing)->status : std::string();
  auto event = uow.outbox().add(
      fmt::format("msg_batch{}_abandoned", batch.id.value), std::string(kFailedEvent),
      abandoned_batch_event_payload(*moved, failure.code, now, listing_status), failure.traceparent,
      now);
  if (!event) return std::unexpected(event.error());
  if (assets) *assets = std::move(*listed);
  return moved;
}

Result<bool> abandoned_during_upload(UnitOfWork& uow, const Batch& batch) {
  if (batch.status != BatchStatus::kFailed) return false;
  auto job = uow.jobs().find_latest(batch.id);
  if (!job) return std::unexpected(job.error());
  return !job->has_value();
}

Status remove_raw_uploads(ObjectStore& store, MultipartStore& multipart, const Batch& batch,
                          const std::vector<Asset>& assets) {
  Status first_error;
  auto note = [&](const Error& e) {
    if (first_error) first_error = std::unexpected(e);
  };
  std::vector<std::string> keys;
  keys.reserve(assets.size());
  for (const Asset& asset : assets) {
    std::string key = raw_key(batch.listing_id, batch.id, asset.id);
    // Aborted before the objects are removed, so a complete racing this cleanup cannot assemble
    // an object after the removal.
    if (asset.multipart_upload_id) {
      auto aborted = multipart.abort_multipart(key, *asset.multipart_upload_id);
      if (!aborted && aborted.error().code != ErrorCode::kUploadNotFound) note(aborted.error());
    }
    keys.push_back(std::move(key));
  }
  if (!keys.empty()) {
    if (auto removed = store.remove(keys); !removed) note(removed.error());
  }
  return first_error;
}

}  // namespace toq::core
