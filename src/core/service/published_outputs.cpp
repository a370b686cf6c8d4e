#include "core/service/published_outputs.hpp"

#include "core/service/access_policy.hpp"
#include "core/service/batch_lookup.hpp"

namespace toq::core {
namespace {

// The batch to serve: the one asked for, else the listing's current one. A client sees only the
// current batch, so a superseded batch id answers as if it did not exist.
Result<std::optional<Batch>> batch_to_serve(UnitOfWork& uow, const Principal& caller,
                                            ListingId listing_id, std::optional<BatchId> asked) {
  auto published = uow.batches().find_latest_published(listing_id);
  if (!published) return std::unexpected(published.error());
  if (!asked) return std::move(*published);
  auto batch = require_listing_batch(uow, listing_id, *asked);
  if (!batch) return std::unexpected(batch.error());
  if (caller.role == Role::kClient && (!*published || (*published)->id != batch->id)) {
    return std::unexpected(batch_not_found(listing_id, batch->id));
  }
  return std::optional<Batch>{std::move(*batch)};
}

}  // namespace

Result<std::optional<PublishedOutputs>> find_published_outputs(UnitOfWork& uow,
                                                               const Principal& caller,
                                                               ListingId listing_id,
                                                               std::optional<BatchId> asked) {
  auto listing = require_listing(uow, listing_id);
  if (!listing) return std::unexpected(listing.error());
  if (auto ok = authorize_download(caller, *listing); !ok) return std::unexpected(ok.error());
  auto batch = batch_to_serve(uow, caller, listing_id, asked);
  if (!batch) return std::unexpected(batch.error());
  if (!*batch) return std::optional<PublishedOutputs>{};
  auto job = uow.jobs().find_latest((*batch)->id, JobStatus::kSucceeded);
  if (!job) return std::unexpected(job.error());
  if (!*job) return std::optional<PublishedOutputs>{};
  return std::optional<PublishedOutputs>{PublishedOutputs{std::move(**batch), std::move(**job)}};
}

}  // namespace toq::core
