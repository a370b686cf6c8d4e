#pragma once
// Wire shapes of PUT / GET /api/v2/internal/listings/{listingIdentityId} (no logic).
// Request body: {"ownerId": 11, "photographerId": 7, "kind": "RESIDENTIAL",
//                "status": "PENDING_PHOTO_PROCESSING"}; photographerId may be absent or null.
// Response: the same fields plus "listingIdentityId" and "updatedAt" (RFC 3339 UTC).

#include <cstdint>
#include <optional>
#include <string>

namespace toq::http::dto {

struct PutListingRequest {
  std::optional<std::int64_t> owner_id;
  std::optional<std::int64_t> photographer_id;
  std::optional<std::string> kind;
  std::optional<std::string> status;
};

struct ListingResponse {
  std::int64_t listing_identity_id = 0;
  std::int64_t owner_id = 0;
  std::optional<std::int64_t> photographer_id;
  std::string kind;
  std::string status;
  std::string updated_at;
};

}  // namespace toq::http::dto
