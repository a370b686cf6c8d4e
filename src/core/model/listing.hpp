#pragma once
// Listing: the service's mirror of the platform's listing, kept by upsert from the platform.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/time.hpp"

namespace toq::core {

enum class ListingKind : std::uint8_t { kResidential, kDevelopment };
std::string_view to_string(ListingKind kind);
std::optional<ListingKind> parse_listing_kind(std::string_view text);

// The platform owns the listing's status vocabulary and may send values this service does not act
// on; those are stored as they come. These are the ones the service acts on.
namespace listing_status {
inline constexpr std::string_view kPendingPhotoProcessing = "PENDING_PHOTO_PROCESSING";
inline constexpr std::string_view kPendingOwnerApproval = "PENDING_OWNER_APPROVAL";
inline constexpr std::string_view kPublished = "PUBLISHED";
}  // namespace listing_status

// A listing status must be UPPER_SNAKE, 1..64 chars; anything else is INVALID_REQUEST.
Status validate_listing_status(std::string_view status);

struct Listing {
  ListingId id;
  UserId owner_id;
  std::optional<UserId> photographer_id;
  ListingKind kind = ListingKind::kResidential;
  std::string status;
  Timestamp updated_at{};
  friend bool operator==(const Listing&, const Listing&) = default;
};

}  // namespace toq::core
