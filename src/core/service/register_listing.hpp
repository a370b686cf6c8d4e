#pragma once
// Use case: the platform registers (upserts) and reads its listings' mirror.
// PUT / GET /api/v2/internal/listings/{listingIdentityId}.
//
// Contract:
// - Only roles service and admin may call it (FORBIDDEN otherwise), checked before anything else:
//   authorize() is that check alone, which the route runs before it reads the path or the body,
//   so a caller without the role gets 403 whatever it sent.
// - upsert() validates every field at once and reports each bad one in FieldErrors
//   (INVALID_REQUEST): listingIdentityId and ownerId >= 1, photographerId >= 1 when present, kind
//   RESIDENTIAL | DEVELOPMENT, status UPPER_SNAKE (stored as sent: the platform owns the
//   vocabulary). Then it replaces every field of the listing in one transaction and returns the
//   stored row (updated_at = now). Upserting the same values again is harmless.
// - get() returns the listing, or LISTING_NOT_FOUND.
// - Database errors pass through (DATABASE_BUSY may be retried by the caller).

#include <cstdint>
#include <optional>
#include <string>

#include "core/model/error.hpp"
#include "core/model/listing.hpp"
#include "core/model/principal.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"

namespace toq::core {

struct UpsertListingInput {
  Principal caller;
  std::int64_t listing_identity_id = 0;
  std::int64_t owner_id = 0;
  std::optional<std::int64_t> photographer_id;
  std::string kind;    // "RESIDENTIAL" | "DEVELOPMENT"
  std::string status;  // the platform's listing status
};

struct GetListingInput {
  Principal caller;
  std::int64_t listing_identity_id = 0;
};

class RegisterListing {
 public:
  struct Deps {
    Database& db;
    const Clock& clock;
  };

  explicit RegisterListing(Deps deps) : deps_(deps) {}

  // FORBIDDEN unless the caller is the platform (role service or admin).
  static Status authorize(const Principal& caller);

  Result<Listing> upsert(const UpsertListingInput& input);
  Result<Listing> get(const GetListingInput& input);

 private:
  Deps deps_;
};

}  // namespace toq::core
