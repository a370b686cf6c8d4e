#include "core/service/batch_lookup.hpp"

#include <fmt/format.h>

namespace toq::core {

Error batch_not_found(ListingId listing, BatchId batch) {
  return make_error(ErrorCode::kBatchNotFound,
                    fmt::format("batch {} not found for listing {}", batch.value, listing.value),
                    "The upload batch does not exist.");
}

Result<Listing> require_listing(UnitOfWork& uow, ListingId listing) {
  auto found = uow.listings().find(listing);
  if (!found) return std::unexpected(found.error());
  if (!*found) {
    return fail(ErrorCode::kListingNotFound, fmt::format("listing {} not found", listing.value),
                "The listing does not exist.");
  }
  return std::move(**found);
}

Result<Batch> require_listing_batch(UnitOfWork& uow, ListingId listing, BatchId batch) {
  auto found = uow.batches().find(batch);
  if (!found) return std::unexpected(found.error());
  if (!*found || (*found)->listing_id != listing || (*found)->deleted_at) {
    return std::unexpected(batch_not_found(listing, batch));
  }
  return std::move(**found);
}

}  // namespace toq::core
