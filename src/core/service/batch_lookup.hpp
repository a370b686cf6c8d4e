#pragma once
// Reads the use cases share, with the answers the contract wants when something is missing.
// Call them inside a Database transaction.

#include <optional>

#include "core/model/batch.hpp"
#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/listing.hpp"
#include "core/port/database.hpp"

namespace toq::core {

// The listing, or LISTING_NOT_FOUND.
Result<Listing> require_listing(UnitOfWork& uow, ListingId listing);

// The batch as a caller naming `listing` may see it: BATCH_NOT_FOUND when it is missing,
// soft-deleted or belongs to another listing (the three look alike, so a batch id says nothing
// about other listings).
Result<Batch> require_listing_batch(UnitOfWork& uow, ListingId listing, BatchId batch);

Error batch_not_found(ListingId listing, BatchId batch);

}  // namespace toq::core
